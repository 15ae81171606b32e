import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  TrackedEntity,
} from '@internal/plugin-pulse-common';
import { screen } from '@testing-library/react';
import { PulseApi, pulseApiRef } from '../../api';
import { EntityPulseStatusCard } from './EntityPulseStatusCard';

function createEntity(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

const trackedEntity: TrackedEntity = {
  entityRef: 'component:default/payments-api',
  kind: 'component',
  namespace: 'default',
  name: 'payments-api',
  repository: {
    slug: 'acme/payments-api',
    owner: 'acme',
    name: 'payments-api',
    host: 'github.com',
    htmlUrl: 'https://github.com/acme/payments-api',
  },
  valid: true,
  problems: [],
  refreshedAt: new Date(Date.now() - 5 * 60 * 1000).toISOString(),
};

async function responseError(status: number, body: unknown) {
  return ResponseError.fromResponse(
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
}

async function renderCard(entity: Entity, pulseApi: Partial<PulseApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[pulseApiRef, pulseApi]]}>
      <EntityProvider entity={entity}>
        <EntityPulseStatusCard />
      </EntityProvider>
    </TestApiProvider>,
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
});
