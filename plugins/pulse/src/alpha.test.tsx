import { Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  TrackedEntity,
} from '@internal/plugin-pulse-common';
import { screen } from '@testing-library/react';
import pulsePlugin from './alpha';
import { pulseApiRef } from './api';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    annotations: { [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

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

describe('pulse plugin (new frontend system)', () => {
  it('adds the card to the pages of entities with the project slug annotation', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderTestApp({
      features: [pulsePlugin],
      extensions: [createTestEntityPage({ entity })],
      apis: [[pulseApiRef, { getTrackedEntity }]],
    });

    expect(
      await screen.findByRole('link', { name: /^acme\/payments-api/ }),
    ).toBeInTheDocument();
  });

  it('leaves the card off the pages of entities without the annotation', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderTestApp({
      features: [pulsePlugin],
      extensions: [
        createTestEntityPage({
          entity: { ...entity, metadata: { name: 'untracked' } },
        }),
      ],
      apis: [[pulseApiRef, { getTrackedEntity }]],
    });

    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(getTrackedEntity).not.toHaveBeenCalled();
  });

  it('provides the pulse API over discovery and fetch', () => {
    const factory = createExtensionTester(
      pulsePlugin.getExtension('api:pulse'),
    ).get(ApiBlueprint.dataRefs.factory);

    expect(factory.api).toBe(pulseApiRef);
    expect(factory.deps).toEqual({
      discoveryApi: discoveryApiRef,
      fetchApi: fetchApiRef,
    });
  });
});
