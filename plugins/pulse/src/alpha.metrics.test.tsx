import { Entity } from '@backstage/catalog-model';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { screen } from '@testing-library/react';
import pulsePlugin from './alpha';
import { deliveryMetricsFixture } from './__testUtils__/fixtures';
import { pulseCardsOnly } from './__testUtils__/alphaPlugin';
import { pulseApiRef } from './api';

// The first render of an app compiles its lazily loaded pages and cards.
jest.setTimeout(30_000);

const group: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'team-a', namespace: 'default' },
  spec: { type: 'team', children: [] },
};
const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};
const system: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: { name: 'payments', namespace: 'default' },
  spec: { owner: 'team-a' },
};

type CardId =
  | 'entity-card:pulse/group-delivery-metrics'
  | 'entity-card:pulse/system-delivery-metrics';

describe('pulse plugin team and system metrics cards (new frontend system)', () => {
  it('adds the team card to group pages', async () => {
    const getDeliveryMetrics = jest.fn(async () =>
      deliveryMetricsFixture({
        entityRef: 'group:default/team-a',
        members: [],
      }),
    );
    renderTestApp({
      features: [pulseCardsOnly],
      extensions: [createTestEntityPage({ entity: group })],
      apis: [[pulseApiRef, { getDeliveryMetrics }], mockApis.permission()],
      config: {
        app: { extensions: [{ 'entity-card:pulse/group-activity': false }] },
      },
    });
    expect(
      await screen.findByText('No delivery metrics yet', undefined, {
        timeout: 10_000,
      }),
    ).toBeInTheDocument();
    expect(getDeliveryMetrics).toHaveBeenCalledWith(
      { kind: 'Group', namespace: 'default', name: 'team-a' },
      undefined,
    );
  });

  it.each<[string, Entity, boolean, boolean]>([
    ['a group', group, true, false],
    ['a system', system, false, true],
    ['a component', component, false, false],
  ])('on %s: team card %s, system card %s', (_name, entity, team, sys) => {
    const shows = (id: CardId) =>
      createExtensionTester(pulsePlugin.getExtension(id)).get(
        EntityCardBlueprint.dataRefs.filterFunction,
      )?.(entity);
    expect(shows('entity-card:pulse/group-delivery-metrics')).toBe(team);
    expect(shows('entity-card:pulse/system-delivery-metrics')).toBe(sys);
  });
});
