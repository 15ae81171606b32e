import { Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  pulseSyncRequestPermission,
} from '@pulse-oss/plugin-pulse-common';
import { screen } from '@testing-library/react';
import { createPermissionApi } from './__testUtils__/permissions';
import { requestsMade } from './__testUtils__/requests';
import pulsePlugin from './alpha';
import { pulseCardsOnly } from './__testUtils__/alphaPlugin';
import { pulseApiRef } from './api';
import {
  pulseApiFixture,
  syncStatusFixture,
  trackedEntityFixture,
} from './__testUtils__/fixtures';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    annotations: { [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

const idleSync = syncStatusFixture();

/** App config that turns Pulse's entity cards off, but for `keep`. */
function entityCardsOff(keep?: string) {
  return [
    'overview',
    'status',
    'pull-requests',
    'workflow-runs',
    'oncall',
    'activity',
    'group-activity',
    'deployments',
    'delivery-metrics',
  ]
    .filter(name => name !== keep)
    .map(name => ({ [`entity-card:pulse/${name}`]: false }));
}

const trackedEntity = trackedEntityFixture();

describe('pulse plugin (new frontend system)', () => {
  it('adds the card to the pages of entities with the project slug annotation', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity })],
      apis: [
        [
          pulseApiRef,
          { getTrackedEntity, getSyncStatus: async () => idleSync },
        ],
        mockApis.permission(),
      ],
    });

    // The first render compiles the lazily loaded entity page and card.
    expect(
      await screen.findByRole(
        'link',
        { name: /^acme\/payments-api/ },
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
  });

  it('leaves the card off the pages of entities without the annotation', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [
        createTestEntityPage({
          entity: { ...entity, metadata: { name: 'untracked' } },
        }),
      ],
      // The on-call and activity cards show on every component; this test is about the GitHub cards.
      config: {
        app: {
          extensions: [
            { 'entity-card:pulse/oncall': false },
            { 'entity-card:pulse/activity': false },
          ],
        },
      },
      apis: [[pulseApiRef, { getTrackedEntity }], mockApis.permission()],
    });

    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(getTrackedEntity).not.toHaveBeenCalled();
  });

  describe('the overview card', () => {
    const onlyTheOverview = {
      app: {
        extensions: [
          ...entityCardsOff('overview'),
          { 'entity-content:pulse/pulse': false },
        ],
      },
    };

    it('shows on components and linked entities, with a link into the Pulse tab', async () => {
      renderTestApp({
        features: [pulsePlugin],
        extensions: [createTestEntityPage({ entity })],
        config: onlyTheOverview,
        apis: [[pulseApiRef, pulseApiFixture()], mockApis.permission()],
      });
      expect(
        await screen.findByText('Pulse at a glance', undefined, {
          timeout: 10_000,
        }),
      ).toBeInTheDocument();
      expect(
        await screen.findByText('1 open, 1 waiting for a first review'),
      ).toBeInTheDocument();
      expect(
        screen.getByRole('link', { name: /Open the Pulse tab/ }),
      ).toBeInTheDocument();
    });

    it('stays off other entities without a repository', async () => {
      const getPullRequests = jest.fn();
      renderTestApp({
        features: [pulsePlugin],
        extensions: [
          createTestEntityPage({
            entity: {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'API',
              metadata: { name: 'payments-openapi' },
              spec: { type: 'openapi', owner: 'team-a' },
            },
          }),
        ],
        config: onlyTheOverview,
        apis: [[pulseApiRef, { getPullRequests }], mockApis.permission()],
      });
      expect(
        await screen.findByTestId('empty-entity-page', undefined, {
          timeout: 10_000,
        }),
      ).toBeInTheDocument();
      expect(getPullRequests).not.toHaveBeenCalled();
    });
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

describe('pulse plugin GitHub cards (new frontend system)', () => {
  // The first render of an app compiles its lazily loaded pages and cards.
  jest.setTimeout(30_000);

  const pulseApi = pulseApiFixture();

  it('lays every card of an annotated component out on its Pulse tab', async () => {
    const everyCardOff = entityCardsOff();
    renderTestApp({
      features: [pulsePlugin],
      extensions: [createTestEntityPage({ entity })],
      config: { app: { extensions: everyCardOff } },
      apis: [[pulseApiRef, pulseApi], mockApis.permission()],
    });

    expect(
      await screen.findByRole(
        'link',
        { name: /^#7 Tidy up the refund flow/ },
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Workflow runs')).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: /^acme\/payments-api/ }),
    ).toBeInTheDocument();
    expect(await screen.findByText('No activity yet')).toBeInTheDocument();
  });

  it('adds the pull request and workflow run cards to annotated entities', async () => {
    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity })],
      apis: [[pulseApiRef, pulseApi], mockApis.permission()],
    });

    expect(
      await screen.findByRole(
        'link',
        { name: /^#7 Tidy up the refund flow/ },
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
    expect(
      (
        await screen.findAllByRole(
          'link',
          { name: /^Build and test/ },
          { timeout: 10_000 },
        )
      ).length,
    ).toBeGreaterThan(0);
    expect(screen.getByText('Pull requests')).toBeInTheDocument();
    expect(screen.getByText('Workflow runs')).toBeInTheDocument();
  });

  it("asks the app's permission API before offering a refresh, and paints each card from one request", async () => {
    const permissions = createPermissionApi();
    // usePermission caches answers per permission and resource for the app's lifetime, and the
    // app's root cannot be wrapped here: an entity no other test asks about gets a fresh answer.
    const checkout = {
      ...entity,
      metadata: { ...entity.metadata, name: 'checkout-api' },
    };
    const api = {
      getTrackedEntity: jest.fn(pulseApi.getTrackedEntity),
      getPullRequests: jest.fn(pulseApi.getPullRequests),
      getWorkflowSummary: jest.fn(pulseApi.getWorkflowSummary),
      getWorkflowRuns: jest.fn(),
      getSyncStatus: jest.fn(),
      requestSync: jest.fn(pulseApi.requestSync),
    };

    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity: checkout })],
      apis: [
        [pulseApiRef, api],
        [permissionApiRef, permissions.api],
      ],
      // The status, on-call and activity cards have requests of their own; this test is about the
      // GitHub cards.
      config: {
        app: {
          extensions: [
            { 'entity-card:pulse/status': false },
            { 'entity-card:pulse/oncall': false },
            { 'entity-card:pulse/activity': false },
          ],
        },
      },
    });

    expect(
      await screen.findAllByRole(
        'button',
        { name: 'Refresh' },
        { timeout: 10_000 },
      ),
    ).toHaveLength(2);
    expect(permissions.authorize).toHaveBeenCalledWith({
      permission: pulseSyncRequestPermission,
      resourceRef: 'component:default/checkout-api',
    });
    expect([...requestsMade(api)].sort()).toEqual([
      'getPullRequests',
      'getWorkflowSummary',
    ]);
  });

  it.each([
    'entity-card:pulse/pull-requests' as const,
    'entity-card:pulse/workflow-runs' as const,
  ])('%s is only for entities with the project slug annotation', id => {
    const filter = createExtensionTester(pulsePlugin.getExtension(id)).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    );

    expect(filter?.(entity)).toBe(true);
    expect(filter?.({ ...entity, metadata: { name: 'untracked' } })).toBe(
      false,
    );
  });

  it('takes the stale threshold of the pull request card from app config', async () => {
    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity })],
      apis: [[pulseApiRef, pulseApi], mockApis.permission()],
      config: {
        app: {
          extensions: [
            {
              'entity-card:pulse/pull-requests': {
                config: { staleAfterDays: 2 },
              },
            },
          ],
        },
      },
    });

    expect(
      await screen.findByText('Stale', undefined, { timeout: 10_000 }),
    ).toBeInTheDocument();
  });

  it('does not mark the same pull request stale with the default threshold', async () => {
    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity })],
      apis: [[pulseApiRef, pulseApi], mockApis.permission()],
    });

    expect(
      await screen.findByRole(
        'link',
        { name: /^#7 Tidy up the refund flow/ },
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText('Stale')).not.toBeInTheDocument();
  });

  it('rejects a stale threshold that is not a positive number', () => {
    const tester = createExtensionTester(
      pulsePlugin.getExtension('entity-card:pulse/pull-requests'),
      { config: { staleAfterDays: 0 } },
    );

    expect(() =>
      tester.get(EntityCardBlueprint.dataRefs.filterFunction),
    ).toThrow(/positive number of days/);
  });
});
