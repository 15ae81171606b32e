import { Entity } from '@backstage/catalog-model';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  EntityOnCall,
  pulseIncidentCreatePermission,
} from '@pulse-oss/plugin-pulse-common';
import { screen, within } from '@testing-library/react';
import { createPermissionApi } from './__testUtils__/permissions';
import pulsePlugin from './alpha';
import { pulseCardsOnly } from './__testUtils__/alphaPlugin';
import { PulseApi, pulseApiRef } from './api';

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

const onCall: EntityOnCall = {
  version: 1,
  entityRef: 'component:default/payments-api',
  policy: {
    id: 'payments',
    name: 'Payments critical',
    chosenBy: 'default',
    repeat: 0,
    steps: [
      {
        delayMinutes: 0,
        targets: [{ type: 'user', userRef: 'user:default/amelia.chen' }],
      },
    ],
  },
  problem: null,
  now: {
    userRef: 'user:default/amelia.chen',
    until: new Date(Date.now() + 3600_000).toISOString(),
    scheduleId: 'payments-primary',
  },
  next: null,
  openIncidents: [],
};

function pulseApi(overrides: Partial<PulseApi> = {}): Partial<PulseApi> {
  return {
    getEntityOnCall: jest.fn(async () => onCall),
    listIncidents: jest.fn(async () => ({ items: [], nextCursor: null })),
    listSchedules: jest.fn(async () => ({ items: [] })),
    getActivity: jest.fn(async () => ({
      items: [],
      nextCursor: null,
      version: 0,
    })),
    ...overrides,
  };
}

describe('pulse plugin on-call extensions (new frontend system)', () => {
  it('adds the on-call card to component pages', async () => {
    const api = pulseApi();

    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity: component })],
      apis: [[pulseApiRef, api], mockApis.permission()],
    });

    // The first render compiles the lazily loaded card.
    expect(
      await screen.findByText('Payments critical', undefined, {
        timeout: 10_000,
      }),
    ).toBeInTheDocument();
    expect(screen.getByText('On call now')).toBeInTheDocument();
    expect(api.getEntityOnCall).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'payments-api',
    });
  });

  it("asks the app's permission API whether the user may page the on-call for the entity", async () => {
    const permissions = createPermissionApi();
    // usePermission caches answers per permission and resource for the app's lifetime, and the
    // app's root cannot be wrapped here: an entity no other test asks about gets a fresh answer.
    const checkout = {
      ...component,
      metadata: { ...component.metadata, name: 'checkout-web' },
    };

    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity: checkout })],
      apis: [
        [pulseApiRef, pulseApi()],
        [permissionApiRef, permissions.api],
      ],
    });

    expect(
      await screen.findByRole(
        'button',
        { name: 'Page the on-call' },
        { timeout: 10_000 },
      ),
    ).toBeInTheDocument();
    expect(permissions.authorize).toHaveBeenCalledWith({
      permission: pulseIncidentCreatePermission,
      resourceRef: 'component:default/checkout-web',
    });
  });

  it('leaves the on-call card off the pages of other kinds', async () => {
    const api = pulseApi();

    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [
        createTestEntityPage({
          entity: {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: { name: 'team-a', namespace: 'default' },
            spec: { type: 'team', children: [] },
          },
        }),
      ],
      apis: [[pulseApiRef, api], mockApis.permission()],
      // A group gets the team activity and metrics cards; this test is about the on-call card.
      config: {
        app: {
          extensions: [
            { 'entity-card:pulse/group-activity': false },
            { 'entity-card:pulse/group-delivery-metrics': false },
          ],
        },
      },
    });

    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
    expect(api.getEntityOnCall).not.toHaveBeenCalled();
  });

  it('serves the incidents page at /pulse/incidents', async () => {
    const api = pulseApi();

    renderTestApp({
      features: [pulseCardsOnly],
      initialRouteEntries: ['/pulse/incidents'],
      apis: [[pulseApiRef, api], mockApis.permission()],
    });

    expect(
      await screen.findByRole('tab', { name: 'Mine' }, { timeout: 10_000 }),
    ).toBeInTheDocument();
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
    expect(api.listIncidents).toHaveBeenCalledWith(
      expect.objectContaining({ mine: true }),
    );
  });

  it('serves the on-call page at /pulse/oncall', async () => {
    const api = pulseApi();

    renderTestApp({
      features: [pulseCardsOnly],
      initialRouteEntries: ['/pulse/oncall'],
      apis: [[pulseApiRef, api], mockApis.permission()],
    });

    expect(
      await screen.findByText('No on-call schedules', undefined, {
        timeout: 10_000,
      }),
    ).toBeInTheDocument();
  });

  it('lists both pages in the sidebar', async () => {
    renderTestApp({
      features: [pulseCardsOnly],
      initialRouteEntries: ['/pulse/oncall'],
      apis: [[pulseApiRef, pulseApi()], mockApis.permission()],
    });

    const nav = await screen.findByRole('navigation', { name: 'sidebar nav' });
    expect(
      within(nav).getByRole('link', { name: /Incidents/ }),
    ).toHaveAttribute('href', '/pulse/incidents');
    expect(within(nav).getByRole('link', { name: /On-call/ })).toHaveAttribute(
      'href',
      '/pulse/oncall',
    );
  });

  it.each([
    ['page:pulse/incidents', '/pulse/incidents', 'Incidents'],
    ['page:pulse/oncall', '/pulse/oncall', 'On-call'],
  ])(
    '%s is a page with a title and an icon, so the sidebar lists it',
    (id, path, title) => {
      const tester = createExtensionTester(pulsePlugin.getExtension(id as any));

      expect(tester.get(coreExtensionData.routePath)).toBe(path);
      expect(tester.get(coreExtensionData.title)).toBe(title);
      expect(tester.get(coreExtensionData.icon)).toBeTruthy();
      expect(tester.get(coreExtensionData.routeRef)).toBeDefined();
    },
  );
});
