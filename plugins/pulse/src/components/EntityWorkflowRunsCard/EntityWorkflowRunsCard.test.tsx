import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  pulseSyncRequestPermission,
  SyncStatus,
  WorkflowRun,
  WorkflowRunPage,
  WorkflowSummaryList,
} from '@pulse-oss/plugin-pulse-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import {
  allowAllBut,
  createPermissionApi,
  findPermissionAnswer,
  FreshPermissionCache,
  PermissionProbes,
  PermissionQuestion,
} from '../../__testUtils__/permissions';
import { requestsMade } from '../../__testUtils__/requests';
import { PulseApi, pulseApiRef, WorkflowRunQuery } from '../../api';
import { ACTIVE_SYNC_POLL_INTERVAL_MS, POLL_INTERVAL_MS } from '../../live';
import { EntityWorkflowRunsCard } from './EntityWorkflowRunsCard';
import { syncStatusFixture } from '../../__testUtils__/fixtures';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function createEntity(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

const trackedComponent = createEntity({
  [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api',
});
const entityRef = {
  kind: 'Component',
  namespace: 'default',
  name: 'payments-api',
};
const mayRefresh: PermissionQuestion = {
  permission: pulseSyncRequestPermission,
  resourceRef: 'component:default/payments-api',
};

function run(overrides: Partial<WorkflowRun>): WorkflowRun {
  return {
    id: 1,
    workflowId: 10,
    workflowName: 'CI',
    name: 'CI',
    branch: 'main',
    event: 'push',
    status: 'completed',
    conclusion: 'success',
    runAttempt: 1,
    headSha: 'abc123',
    startedAt: ago(HOUR),
    completedAt: ago(HOUR - 252_000),
    durationSeconds: 252,
    htmlUrl: 'https://github.com/acme/payments-api/actions/runs/1',
    ...overrides,
  };
}

const ciOnMain = run({
  id: 1001,
  htmlUrl: 'https://github.com/acme/payments-api/actions/runs/1001',
});
const deployOnMain = run({
  id: 1002,
  workflowId: 20,
  workflowName: 'Deploy',
  name: 'Deploy',
  conclusion: 'failure',
  durationSeconds: 3780,
  htmlUrl: 'https://github.com/acme/payments-api/actions/runs/1002',
});
const ciOnFeature = run({
  id: 1003,
  name: 'Add refunds',
  branch: 'feature/refunds',
  event: 'pull_request',
  status: 'in_progress',
  conclusion: null,
  runAttempt: 2,
  startedAt: ago(2 * MINUTE),
  completedAt: null,
  durationSeconds: null,
  htmlUrl: 'https://github.com/acme/payments-api/actions/runs/1003',
});

const allRuns: WorkflowRunPage = {
  version: 1,
  items: [ciOnFeature, deployOnMain, ciOnMain],
  nextCursor: null,
  lastSyncedAt: ago(5 * MINUTE),
};

const idleStatus = syncStatusFixture({
  itemsSynced: 4000,
  lastSyncedAt: ago(2 * MINUTE),
});

// The summary carries the sync status and the first page of recent runs: one request for the card.
const summary: WorkflowSummaryList = {
  version: 1,
  defaultBranch: 'main',
  items: [
    {
      workflowId: 10,
      workflowName: 'CI',
      latestRun: ciOnMain,
      successRate: 28 / 30,
      medianDurationSeconds: 240,
      sampleSize: 30,
    },
    {
      workflowId: 20,
      workflowName: 'Deploy',
      latestRun: deployOnMain,
      successRate: 0.5,
      medianDurationSeconds: 3600,
      sampleSize: 4,
    },
    {
      workflowId: 30,
      workflowName: 'Nightly',
      latestRun: null,
      successRate: null,
      medianDurationSeconds: null,
      sampleSize: 0,
    },
  ],
  lastSyncedAt: ago(5 * MINUTE),
  sync: idleStatus,
  recentRuns: allRuns,
};

async function responseError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: status === 404 ? 'NotFoundError' : 'Error', message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json', ...headers } },
    ),
  );
}

function createPulseApi(overrides: Partial<PulseApi> = {}) {
  return {
    getWorkflowSummary: jest.fn(async () => summary),
    getWorkflowRuns: jest.fn(
      async (_ref: unknown, query?: WorkflowRunQuery) => ({
        ...allRuns,
        items: allRuns.items.filter(
          r => !query?.branch || r.branch === query.branch,
        ),
      }),
    ),
    getSyncStatus: jest.fn(async () => idleStatus),
    requestSync: jest.fn(async () => ({
      ...idleStatus,
      requestedAt: new Date().toISOString(),
    })),
    ...overrides,
  };
}

async function renderCard(
  pulseApi: Partial<PulseApi>,
  options: {
    entity?: Entity;
    permissions?: ReturnType<typeof createPermissionApi>;
    probes?: PermissionQuestion[];
  } = {},
) {
  const permissions = options.permissions ?? createPermissionApi();
  return renderInTestApp(
    <FreshPermissionCache>
      <TestApiProvider
        apis={[
          [pulseApiRef, pulseApi],
          [permissionApiRef, permissions.api],
        ]}
      >
        <EntityProvider entity={options.entity ?? trackedComponent}>
          <EntityWorkflowRunsCard />
        </EntityProvider>
        <PermissionProbes questions={options.probes} />
      </TestApiProvider>
    </FreshPermissionCache>,
  );
}

function withSync(sync: Partial<SyncStatus>) {
  return jest.fn(async () => ({
    ...summary,
    sync: { ...idleStatus, ...sync },
  }));
}

function rowOf(table: HTMLElement, text: string | RegExp) {
  const cell = within(table).getByText(text);
  return within(cell.closest('tr')!);
}

describe('EntityWorkflowRunsCard', () => {
  it('shows progress while the runs load', async () => {
    await renderCard(
      createPulseApi({
        getWorkflowSummary: jest.fn(
          () => new Promise<WorkflowSummaryList>(() => {}),
        ),
      }),
    );

    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    expect(screen.getByText('Workflow runs')).toBeInTheDocument();
  });

  it("shows each workflow's latest run on the default branch with duration and success rate", async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);

    const table = await screen.findByRole('table', {
      name: 'Workflows on the default branch',
    });
    expect(screen.getByText('Latest on main')).toBeInTheDocument();

    const ci = rowOf(table, /^CI/);
    expect(ci.getByRole('link', { name: /^CI/ })).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/actions/runs/1001',
    );
    expect(ci.getByText('Succeeded')).toBeInTheDocument();
    expect(ci.getByText('4m 12s')).toBeInTheDocument();
    expect(ci.getByText('93%')).toBeInTheDocument();
    expect(ci.getByText('of 30 runs')).toBeInTheDocument();
    expect(ci.getByText('4m')).toBeInTheDocument();

    const deploy = rowOf(table, /^Deploy/);
    expect(deploy.getByText('Failed')).toBeInTheDocument();
    expect(deploy.getByText('1h 3m')).toBeInTheDocument();
    expect(deploy.getByText('50%')).toBeInTheDocument();
    expect(deploy.getByText('1h')).toBeInTheDocument();

    const nightly = rowOf(table, 'Nightly');
    expect(nightly.getByText('No runs')).toBeInTheDocument();
    expect(nightly.queryByRole('link')).not.toBeInTheDocument();

    expect(pulseApi.getWorkflowSummary).toHaveBeenCalledWith(entityRef, {
      recentRuns: 20,
    });
    expect(requestsMade(pulseApi)).toEqual(['getWorkflowSummary']);
  });

  it('lists the recent runs with links to them', async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);

    const table = await screen.findByRole('table', {
      name: 'Recent workflow runs',
    });
    expect(within(table).getAllByRole('row')).toHaveLength(4);

    const running = rowOf(table, 'feature/refunds');
    expect(running.getByRole('link', { name: /^CI/ })).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/actions/runs/1003',
    );
    expect(running.getByText('In progress')).toBeInTheDocument();
    expect(
      running.getByText('Add refunds · pull_request · attempt 2'),
    ).toBeInTheDocument();
    expect(running.getByText('2 minutes ago')).toBeInTheDocument();
    expect(running.getByText(/so far$/)).toBeInTheDocument();

    // The recent runs came with the summary.
    expect(pulseApi.getWorkflowRuns).not.toHaveBeenCalled();
    expect(requestsMade(pulseApi)).toEqual(['getWorkflowSummary']);
    expect(
      screen.getByRole('link', { name: /All workflow runs on GitHub/ }),
    ).toHaveAttribute('href', 'https://github.com/acme/payments-api/actions');
  });

  it('filters the recent runs by branch', async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);
    await screen.findByRole('table', { name: 'Recent workflow runs' });

    const filter = screen.getByLabelText('Branch');
    expect(
      within(filter)
        .getAllByRole('option')
        .map(option => option.textContent),
    ).toEqual(['All branches', 'main', 'feature/refunds']);

    fireEvent.change(filter, { target: { value: 'feature/refunds' } });

    await waitFor(() =>
      expect(pulseApi.getWorkflowRuns).toHaveBeenLastCalledWith(entityRef, {
        branch: 'feature/refunds',
        limit: 20,
      }),
    );
    await waitFor(() =>
      expect(
        within(
          screen.getByRole('table', { name: 'Recent workflow runs' }),
        ).getAllByRole('row'),
      ).toHaveLength(2),
    );
    // The other branches stay selectable.
    expect(within(filter).getAllByRole('option')).toHaveLength(3);

    fireEvent.change(filter, { target: { value: 'main' } });

    await waitFor(() =>
      expect(
        within(
          screen.getByRole('table', { name: 'Recent workflow runs' }),
        ).queryByText('feature/refunds'),
      ).not.toBeInTheDocument(),
    );
    expect(pulseApi.getWorkflowRuns).toHaveBeenLastCalledWith(entityRef, {
      branch: 'main',
      limit: 20,
    });

    // All branches again: the summary's recent runs, without a request of their own.
    fireEvent.change(filter, { target: { value: '' } });

    await waitFor(() =>
      expect(
        within(
          screen.getByRole('table', { name: 'Recent workflow runs' }),
        ).getAllByRole('row'),
      ).toHaveLength(4),
    );
    expect(requestsMade(pulseApi)).toEqual([
      'getWorkflowSummary',
      'getWorkflowRuns',
      'getWorkflowRuns',
    ]);
  });

  it('says so when a branch has no recent runs', async () => {
    const getWorkflowRuns = jest.fn(async () => ({
      version: 1,
      items: [],
      nextCursor: null,
      lastSyncedAt: null,
    }));
    await renderCard(createPulseApi({ getWorkflowRuns }));
    await screen.findByRole('table', { name: 'Recent workflow runs' });

    fireEvent.change(screen.getByLabelText('Branch'), {
      target: { value: 'feature/refunds' },
    });

    expect(
      await screen.findByText('No recent runs on feature/refunds.'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('table', { name: 'Workflows on the default branch' }),
    ).toBeInTheDocument();
  });

  it('says so when the repository has no workflow runs', async () => {
    await renderCard(
      createPulseApi({
        getWorkflowSummary: jest.fn(async () => ({
          version: 1,
          defaultBranch: 'main',
          items: [],
          lastSyncedAt: ago(MINUTE),
          sync: idleStatus,
          recentRuns: {
            version: 1,
            items: [],
            nextCursor: null,
            lastSyncedAt: ago(MINUTE),
          },
        })),
      }),
    );

    expect(await screen.findByText('No workflow runs')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('shows when the data was last synced', async () => {
    await renderCard(createPulseApi());

    expect(await screen.findByText(/^synced/)).toHaveTextContent(
      'synced 2 minutes ago',
    );
  });

  it('shows the progress of the first sync', async () => {
    await renderCard(
      createPulseApi({
        getWorkflowSummary: withSync({
          state: 'backfilling',
          progressPercent: 67.4,
          itemsSynced: 2500,
        }),
      }),
    );

    expect(
      await screen.findByRole('progressbar', { name: 'Syncing from GitHub' }),
    ).toHaveAttribute('aria-valuenow', '67');
    expect(
      screen.getByText('Syncing 67% · 2,500 items so far'),
    ).toBeInTheDocument();
  });

  it('tells that the last sync failed', async () => {
    await renderCard(
      createPulseApi({
        getWorkflowSummary: withSync({
          state: 'error',
          lastError: { message: 'Bad credentials', at: ago(MINUTE) },
        }),
      }),
    );

    expect(await screen.findByText(/^synced/)).toHaveTextContent(
      'synced 2 minutes ago · last sync failed: Bad credentials',
    );
  });

  it('requests a sync and reloads on refresh', async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);
    await screen.findByRole('table', { name: 'Recent workflow runs' });

    fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));

    await waitFor(() =>
      expect(pulseApi.getWorkflowSummary).toHaveBeenCalledTimes(2),
    );
    expect(pulseApi.requestSync).toHaveBeenCalledWith(entityRef);
    expect(requestsMade(pulseApi)).toEqual([
      'getWorkflowSummary',
      'requestSync',
      'getWorkflowSummary',
    ]);
  });

  it('reloads the runs of the chosen branch too on refresh', async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);
    await screen.findByRole('table', { name: 'Recent workflow runs' });
    fireEvent.change(screen.getByLabelText('Branch'), {
      target: { value: 'feature/refunds' },
    });
    await waitFor(() =>
      expect(pulseApi.getWorkflowRuns).toHaveBeenCalledTimes(1),
    );

    fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));

    await waitFor(() =>
      expect(pulseApi.getWorkflowRuns).toHaveBeenCalledTimes(2),
    );
    expect(pulseApi.getWorkflowSummary).toHaveBeenCalledTimes(2);
    expect(pulseApi.getWorkflowRuns).toHaveBeenLastCalledWith(entityRef, {
      branch: 'feature/refunds',
      limit: 20,
    });
    expect(pulseApi.getSyncStatus).not.toHaveBeenCalled();
  });

  it('says when to try again after refreshing too often', async () => {
    const error = await responseError(429, 'too many requests', {
      'Retry-After': '1',
    });
    await renderCard(
      createPulseApi({ requestSync: jest.fn(() => Promise.reject(error)) }),
    );
    await screen.findByRole('table', { name: 'Recent workflow runs' });

    fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Try again in 1 second.',
    );
  });

  it('explains a refresh the user is not permitted to make', async () => {
    const error = await responseError(403, 'not allowed');
    await renderCard(
      createPulseApi({ requestSync: jest.fn(() => Promise.reject(error)) }),
    );
    await screen.findByRole('table', { name: 'Recent workflow runs' });

    fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'You do not have permission to sync this repository.',
    );
  });

  it('explains why an entity is not tracked when the backend answers 404', async () => {
    const error = await responseError(
      404,
      'component:default/payments-api is not tracked by Pulse',
    );
    await renderCard(
      createPulseApi({
        getWorkflowSummary: jest.fn(() => Promise.reject(error)),
      }),
    );

    expect(await screen.findByText('Not tracked by Pulse')).toBeInTheDocument();
    expect(
      screen.getByText(
        'component:default/payments-api is not tracked by Pulse',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Refresh' }),
    ).not.toBeInTheDocument();
  });

  it('shows other failures in an error panel', async () => {
    const error = await responseError(500, 'database is unavailable');
    await renderCard(
      createPulseApi({
        getWorkflowSummary: jest.fn(() => Promise.reject(error)),
      }),
    );

    expect(
      await screen.findByText(/Request failed with 500/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/database is unavailable/).length,
    ).toBeGreaterThan(0);
  });

  it('asks for the annotation when the entity does not have it', async () => {
    const pulseApi = createPulseApi();

    await renderCard(pulseApi, { entity: createEntity() });

    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(
      screen.getAllByText(GITHUB_PROJECT_SLUG_ANNOTATION, { exact: false })
        .length,
    ).toBeGreaterThan(0);
    expect(requestsMade(pulseApi)).toEqual([]);
  });

  it('paints from one request: the summary carries the runs and the sync status', async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);

    expect(
      await screen.findByRole('table', { name: 'Recent workflow runs' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('table', { name: 'Workflows on the default branch' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/^synced/)).toHaveTextContent(
      'synced 2 minutes ago',
    );
    expect(requestsMade(pulseApi)).toEqual(['getWorkflowSummary']);
    expect(pulseApi.getSyncStatus).not.toHaveBeenCalled();
  });

  it('offers a refresh when the user may sync the entity, and asks about this entity', async () => {
    const permissions = createPermissionApi();
    await renderCard(createPulseApi(), { permissions });

    expect(
      await screen.findByRole('button', { name: 'Refresh' }),
    ).toBeEnabled();
    expect(permissions.authorize).toHaveBeenCalledWith(mayRefresh);
  });

  it('offers no refresh when the user may not sync the entity', async () => {
    const permissions = createPermissionApi(
      allowAllBut(pulseSyncRequestPermission),
    );
    const pulseApi = createPulseApi();
    await renderCard(pulseApi, { permissions, probes: [mayRefresh] });

    await screen.findByRole('table', { name: 'Recent workflow runs' });
    await findPermissionAnswer(mayRefresh);
    expect(permissions.authorize).toHaveBeenCalledWith(mayRefresh);
    expect(
      screen.queryByRole('button', { name: 'Refresh' }),
    ).not.toBeInTheDocument();
    expect(screen.getByText(/^synced/)).toBeInTheDocument();
    expect(pulseApi.requestSync).not.toHaveBeenCalled();
  });

  describe('polling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('reloads the summary faster while a sync runs, with no other request', async () => {
      const getWorkflowSummary = jest
        .fn()
        .mockResolvedValueOnce({
          ...summary,
          sync: { ...idleStatus, requestedAt: ago(0) },
        })
        .mockResolvedValue(summary);
      const pulseApi = createPulseApi({ getWorkflowSummary });
      await renderCard(pulseApi);
      await screen.findByRole('table', { name: 'Recent workflow runs' });
      expect(getWorkflowSummary).toHaveBeenCalledTimes(1);

      // A sync is queued: the next reload comes after the short interval.
      await act(async () => {
        jest.advanceTimersByTime(ACTIVE_SYNC_POLL_INTERVAL_MS);
      });
      await waitFor(() => expect(getWorkflowSummary).toHaveBeenCalledTimes(2));

      // Idle again: nothing within the short interval, one reload within the long one.
      await act(async () => {
        jest.advanceTimersByTime(ACTIVE_SYNC_POLL_INTERVAL_MS);
      });
      expect(getWorkflowSummary).toHaveBeenCalledTimes(2);
      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS);
      });
      expect(requestsMade(pulseApi)).toEqual([
        'getWorkflowSummary',
        'getWorkflowSummary',
        'getWorkflowSummary',
      ]);
    });

    it('polls the runs of a chosen branch at the same pace as the summary', async () => {
      const pulseApi = createPulseApi();
      await renderCard(pulseApi);
      await screen.findByRole('table', { name: 'Recent workflow runs' });
      fireEvent.change(screen.getByLabelText('Branch'), {
        target: { value: 'main' },
      });
      await waitFor(() =>
        expect(pulseApi.getWorkflowRuns).toHaveBeenCalledTimes(1),
      );

      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS);
      });

      expect(pulseApi.getWorkflowSummary).toHaveBeenCalledTimes(2);
      expect(pulseApi.getWorkflowRuns).toHaveBeenCalledTimes(2);
      expect(pulseApi.getSyncStatus).not.toHaveBeenCalled();
    });
  });
});
