import { renderTestApp } from '@backstage/frontend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  PulseApi,
  pulseApiRef,
  TrackedEntity,
} from '@internal/plugin-pulse';
import pulsePlugin from '@internal/plugin-pulse/alpha';
import { screen } from '@testing-library/react';

function component(name: string, annotations: Record<string, string>) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

const tracked = component('payments-api', {
  [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api',
});
const untracked = component('legacy-batch', {});

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
  refreshedAt: new Date().toISOString(),
};

function renderEntityPage(path: string, pulseApi: Partial<PulseApi>) {
  return renderTestApp({
    features: [catalogPlugin, pulsePlugin],
    initialRouteEntries: [path],
    apis: [
      [catalogApiRef, catalogApiMock({ entities: [tracked, untracked] })],
      [pulseApiRef, pulseApi],
    ],
  });
}

describe('entity page', () => {
  it('shows the Pulse card on the overview of a tracked component', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderEntityPage('/catalog/default/component/payments-api', {
      getTrackedEntity,
    });

    // The first render compiles the catalog plugin's lazily loaded pages.
    expect(
      await screen.findByRole(
        'link',
        { name: /^acme\/payments-api/ },
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Pulse')).toBeInTheDocument();
  });

  it('has no Pulse card on a component without the annotation', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderEntityPage('/catalog/default/component/legacy-batch', {
      getTrackedEntity,
    });

    expect(
      await screen.findByText('About', undefined, { timeout: 10_000 }),
    ).toBeInTheDocument();
    expect(screen.queryByText('Pulse')).not.toBeInTheDocument();
    expect(getTrackedEntity).not.toHaveBeenCalled();
  });
});
