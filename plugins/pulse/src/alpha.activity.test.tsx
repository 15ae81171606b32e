import { Entity } from '@backstage/catalog-model';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import {
  ActivityPage,
  GITHUB_PROJECT_SLUG_ANNOTATION,
} from '@pulse-oss/plugin-pulse-common';
import { screen } from '@testing-library/react';
import pulsePlugin from './alpha';
import { pulseCardsOnly } from './__testUtils__/alphaPlugin';
import { pulseApiRef } from './api';

// The first render of an app compiles its lazily loaded pages and cards.
jest.setTimeout(30_000);

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-api', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

const group: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'team-a', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

const feed: ActivityPage = {
  items: [
    {
      id: 'e1',
      type: 'github.workflow_run.updated',
      entityRef: 'component:default/payments-api',
      occurredAt: new Date().toISOString(),
      payload: {
        id: 7,
        workflowId: 1,
        workflowName: 'CI',
        name: 'CI',
        branch: 'main',
        event: 'push',
        status: 'completed',
        conclusion: 'failure',
        runAttempt: 1,
        headSha: 'abc',
        startedAt: null,
        completedAt: null,
        durationSeconds: null,
        htmlUrl: 'https://github.com/acme/payments-api/actions/runs/7',
      },
    },
  ],
  nextCursor: null,
  version: 1,
};

function render(entity: Entity, getActivity = jest.fn(async () => feed)) {
  renderTestApp({
    features: [pulseCardsOnly],
    extensions: [createTestEntityPage({ entity })],
    apis: [
      [
        pulseApiRef,
        {
          getActivity,
          // The page's other Pulse cards stay loading: this test is about the activity cards.
          getEntityOnCall: () => new Promise<never>(() => {}),
          getDeliveryMetrics: () => new Promise<never>(() => {}),
          getDeployments: () => new Promise<never>(() => {}),
        },
      ],
      mockApis.permission(),
    ],
    config: {
      app: { extensions: [{ 'entity-card:pulse/oncall': false }] },
    },
  });
  return getActivity;
}

describe('pulse plugin activity cards (new frontend system)', () => {
  it("adds the activity card to component pages, telling the entity's changes", async () => {
    const getActivity = render(component);

    expect(
      await screen.findByText('Activity', undefined, { timeout: 10_000 }),
    ).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: /^CI/ })).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/actions/runs/7',
    );
    expect(screen.getByText('failed on main')).toBeInTheDocument();
    expect(getActivity).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'default', name: 'payments-api' },
      { limit: 25 },
    );
  });

  it("adds the team activity card to group pages, naming each change's entity", async () => {
    const getActivity = render(group);

    expect(
      await screen.findByText('Team activity', undefined, { timeout: 10_000 }),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: /^CI/ }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /payments-api/ }),
    ).toBeInTheDocument();
    expect(getActivity).toHaveBeenCalledWith(
      { kind: 'Group', namespace: 'default', name: 'team-a' },
      { limit: 25 },
    );
    expect(screen.queryByText('Activity')).not.toBeInTheDocument();
  });

  it.each<[string, Entity, boolean, boolean]>([
    ['a component', component, true, false],
    ['a group', group, false, true],
    [
      'an API without the project slug',
      { ...component, kind: 'API', spec: {} },
      false,
      false,
    ],
    [
      'a system with the project slug',
      {
        ...component,
        kind: 'System',
        metadata: {
          name: 'payments',
          annotations: { [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments' },
        },
      },
      true,
      false,
    ],
  ])(
    'on %s: activity %s, team activity %s',
    (_name, entity, entityCard, teamCard) => {
      const shows = (
        id: 'entity-card:pulse/activity' | 'entity-card:pulse/group-activity',
      ) =>
        createExtensionTester(pulsePlugin.getExtension(id)).get(
          EntityCardBlueprint.dataRefs.filterFunction,
        )?.(entity);

      expect(shows('entity-card:pulse/activity')).toBe(entityCard);
      expect(shows('entity-card:pulse/group-activity')).toBe(teamCard);
    },
  );
});
