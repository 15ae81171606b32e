import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  SyncStatus,
  TrackedEntity,
} from '@pulse-oss/plugin-pulse-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import { createSignalApi, deferred } from '../../__testUtils__/signals';
import { PulseApi, pulseApiRef } from '../../api';
import { ACTIVE_SYNC_POLL_INTERVAL_MS } from '../../live';
import { EntityPulseStatusCard } from './EntityPulseStatusCard';
import {
  syncStatusFixture,
  trackedEntityFixture,
} from '../../__testUtils__/fixtures';

function createEntity(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

const trackedEntity = trackedEntityFixture({
  refreshedAt: new Date(Date.now() - 5 * 60 * 1000).toISOString(),
});

async function responseError(status: number, body: unknown) {
  return ResponseError.fromResponse(
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
}

const idleStatus = syncStatusFixture({
  version: 3,
  itemsSynced: 1234,
  lastSyncedAt: new Date(Date.now() - 2 * 60 * 1000).toISOString(),
});

const backfilling = (version: number, progressPercent: number) => ({
  ...idleStatus,
  version,
  state: 'backfilling' as const,
  progressPercent,
  itemsSynced: progressPercent * 10,
  lastSyncedAt: null,
});

async function renderCard(
  entity: Entity,
  pulseApi: Partial<PulseApi>,
  signals?: ReturnType<typeof createSignalApi>,
) {
  const api = { getSyncStatus: jest.fn(async () => idleStatus), ...pulseApi };
  const card = (
    <EntityProvider entity={entity}>
      <EntityPulseStatusCard />
    </EntityProvider>
  );
  return renderInTestApp(
    signals ? (
      <TestApiProvider
        apis={[
          [pulseApiRef, api],
          [signalApiRef, signals.api],
        ]}
      >
        {card}
      </TestApiProvider>
    ) : (
      <TestApiProvider apis={[[pulseApiRef, api]]}>{card}</TestApiProvider>
    ),
  );
}

describe('EntityPulseStatusCard', () => {
  const trackedComponent = createEntity({
    [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api',
  });

  it('shows progress while the tracked entity loads', async () => {
    const getTrackedEntity = jest.fn(
      () => new Promise<TrackedEntity>(() => {}),
    );

    await renderCard(trackedComponent, { getTrackedEntity });

    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    expect(screen.getByText('Pulse')).toBeInTheDocument();
  });

  it('shows the linked repository of a valid link', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    await renderCard(trackedComponent, { getTrackedEntity });

    const link = await screen.findByRole('link', {
      name: /^acme\/payments-api/,
    });
    expect(link).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api',
    );
    expect(screen.getByText('github.com')).toBeInTheDocument();
    expect(screen.getByText('Valid')).toBeInTheDocument();
    expect(screen.getByText('5 minutes ago')).toHaveAttribute(
      'datetime',
      trackedEntity.refreshedAt,
    );
    expect(screen.queryByText('Problems')).not.toBeInTheDocument();
    expect(getTrackedEntity).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'payments-api',
    });
  });

  it('lists the problems of an invalid link', async () => {
    const getTrackedEntity = jest.fn(async () => ({
      ...trackedEntity,
      repository: {
        ...trackedEntity.repository!,
        host: 'ghe.example.net',
        htmlUrl: 'https://ghe.example.net/acme/payments-api',
      },
      valid: false,
      problems: ['No GitHub integration is configured for ghe.example.net'],
    }));

    await renderCard(trackedComponent, { getTrackedEntity });

    expect(await screen.findByText('Invalid')).toBeInTheDocument();
    expect(screen.getByText('ghe.example.net')).toBeInTheDocument();
    expect(screen.getByText('Problems')).toBeInTheDocument();
    expect(
      screen.getByText(
        'No GitHub integration is configured for ghe.example.net',
      ),
    ).toBeInTheDocument();
  });

  it('shows the annotation as written when it cannot be parsed', async () => {
    const getTrackedEntity = jest.fn(async () => ({
      ...trackedEntity,
      repository: null,
      valid: false,
      problems: ['The annotation must be owner/repo'],
    }));

    await renderCard(
      createEntity({ [GITHUB_PROJECT_SLUG_ANNOTATION]: 'payments-api' }),
      { getTrackedEntity },
    );

    expect(
      await screen.findByText('payments-api (not a valid owner/repo)'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('The annotation must be owner/repo'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /payments-api/ })).toBeNull();
  });

  it('explains why an entity is not tracked when the backend answers 404', async () => {
    const error = await responseError(404, {
      error: {
        name: 'NotFoundError',
        message: 'component:default/payments-api is not in the catalog',
      },
      response: { statusCode: 404 },
    });
    const getTrackedEntity = jest.fn(() => Promise.reject(error));

    await renderCard(trackedComponent, { getTrackedEntity });

    expect(await screen.findByText('Not tracked by Pulse')).toBeInTheDocument();
    expect(
      screen.getByText('component:default/payments-api is not in the catalog'),
    ).toBeInTheDocument();
  });

  it('shows other failures in an error panel', async () => {
    const error = await responseError(500, {
      error: { name: 'Error', message: 'database is unavailable' },
      response: { statusCode: 500 },
    });
    const getTrackedEntity = jest.fn(() => Promise.reject(error));

    await renderCard(trackedComponent, { getTrackedEntity });

    expect(
      await screen.findByText(/Request failed with 500/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/database is unavailable/).length,
    ).toBeGreaterThan(0);
  });

  it('asks for the annotation when the entity does not have it', async () => {
    const getTrackedEntity = jest.fn();

    await renderCard(createEntity(), { getTrackedEntity });

    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(
      screen.getAllByText(GITHUB_PROJECT_SLUG_ANNOTATION, { exact: false })
        .length,
    ).toBeGreaterThan(0);
    expect(getTrackedEntity).not.toHaveBeenCalled();
  });

  it('shows where the sync stands', async () => {
    await renderCard(trackedComponent, {
      getTrackedEntity: jest.fn(async () => trackedEntity),
    });

    expect(await screen.findByText(/^Synced/)).toHaveTextContent(
      'Synced 2 minutes ago',
    );
  });

  it("shows a first sync's progress", async () => {
    await renderCard(trackedComponent, {
      getTrackedEntity: jest.fn(async () => trackedEntity),
      getSyncStatus: jest.fn(async () => backfilling(4, 42)),
    });

    expect(
      await screen.findByRole('progressbar', {
        name: 'First sync from GitHub',
      }),
    ).toHaveAttribute('aria-valuenow', '42');
    expect(screen.getByText('First sync 42% · 420 items')).toBeInTheDocument();
  });

  it('shows the link when the sync status cannot be read', async () => {
    const error = await responseError(503, {
      error: { name: 'Error', message: 'database is busy' },
      response: { statusCode: 503 },
    });
    await renderCard(trackedComponent, {
      getTrackedEntity: jest.fn(async () => trackedEntity),
      getSyncStatus: jest.fn(() => Promise.reject(error)),
    });

    expect(
      await screen.findByText(/Could not read the sync status/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /^acme\/payments-api/ }),
    ).toBeInTheDocument();
  });

  describe('live', () => {
    const channel = 'pulse:entity:component:default/payments-api';
    const syncHint = (version: number) => ({
      entityRef: 'component:default/payments-api',
      topic: 'sync',
      version,
    });

    it("follows a first sync's progress through the sync topic, refetching only on a newer version", async () => {
      const signals = createSignalApi();
      const getSyncStatus = jest
        .fn()
        .mockResolvedValueOnce(backfilling(4, 10))
        .mockResolvedValueOnce(backfilling(6, 55));
      const getTrackedEntity = jest.fn(async () => trackedEntity);
      await renderCard(
        trackedComponent,
        { getTrackedEntity, getSyncStatus },
        signals,
      );
      await screen.findByText('First sync 10% · 100 items');
      expect(screen.getByRole('status')).toHaveTextContent('Live updates on');
      expect(signals.channels()).toEqual([channel]);

      await signals.send(channel, syncHint(4));
      await signals.send(channel, syncHint(3));
      expect(getSyncStatus).toHaveBeenCalledTimes(1);

      await signals.send(channel, syncHint(6));

      expect(
        await screen.findByText('First sync 55% · 550 items'),
      ).toBeInTheDocument();
      expect(getSyncStatus).toHaveBeenCalledTimes(2);
    });

    it('keeps the progress on screen while it refetches, and queues one more for hints meanwhile', async () => {
      const signals = createSignalApi();
      const second = deferred<SyncStatus>();
      const getSyncStatus = jest
        .fn()
        .mockResolvedValueOnce(backfilling(4, 10))
        .mockReturnValueOnce(second.promise)
        .mockResolvedValueOnce(backfilling(9, 90));
      await renderCard(
        trackedComponent,
        { getTrackedEntity: jest.fn(async () => trackedEntity), getSyncStatus },
        signals,
      );
      await screen.findByText('First sync 10% · 100 items');

      await signals.send(channel, syncHint(5));
      await signals.send(channel, syncHint(7));
      await signals.send(channel, syncHint(9));
      expect(getSyncStatus).toHaveBeenCalledTimes(2);
      expect(
        screen.getByText('First sync 10% · 100 items'),
      ).toBeInTheDocument();

      await act(async () => second.resolve(backfilling(5, 50)));

      expect(
        await screen.findByText('First sync 90% · 900 items'),
      ).toBeInTheDocument();
      expect(getSyncStatus).toHaveBeenCalledTimes(3);
    });

    describe('without signals', () => {
      beforeEach(() => jest.useFakeTimers());
      afterEach(() => jest.useRealTimers());

      it('polls every 5 s during a first sync, and says so', async () => {
        const getSyncStatus = jest.fn(async () => backfilling(4, 10));
        await renderCard(trackedComponent, {
          getTrackedEntity: jest.fn(async () => trackedEntity),
          getSyncStatus,
        });
        await screen.findByText('First sync 10% · 100 items');
        expect(
          within(screen.getByRole('status')).getByText(
            'Live updates unavailable: refreshing every 5 seconds.',
          ),
        ).toBeInTheDocument();

        await act(async () => {
          jest.advanceTimersByTime(ACTIVE_SYNC_POLL_INTERVAL_MS);
        });
        await waitFor(() => expect(getSyncStatus).toHaveBeenCalledTimes(2));
      });
    });
  });
});
