import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { PulseClient, pulseApiRef } from './api';
import type { EntityPulseContentProps } from './components/EntityPulseContent';
import { incidentsRouteRef, onCallRouteRef } from './routes';

/**
 * The Pulse plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const pulsePlugin = createPlugin({
  id: 'pulse',
  routes: {
    incidents: incidentsRouteRef,
    onCall: onCallRouteRef,
  },
  apis: [
    createApiFactory({
      api: pulseApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new PulseClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/**
 * Entity card with the entity's linked GitHub repository and the health of that link.
 *
 * @public
 */
export const EntityPulseStatusCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityPulseStatusCard',
    component: {
      lazy: () =>
        import('./components/EntityPulseStatusCard').then(
          m => m.EntityPulseStatusCard,
        ),
    },
  }),
);

/**
 * The content of a "Pulse" entity tab: every Pulse card of the entity in one responsive grid. Mount
 * it under `EntityLayout.Route path="/pulse"` on the pages of components and tracked entities.
 *
 * @public
 */
export const EntityPulseContent: (
  props: EntityPulseContentProps,
) => JSX.Element = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityPulseContent',
    component: {
      lazy: () =>
        import('./components/EntityPulseContent').then(
          m => m.EntityPulseContent,
        ),
    },
  }),
);

/**
 * Entity card with the open and recently merged pull requests of the entity's GitHub repository.
 *
 * @public
 */
export const EntityPullRequestsCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityPullRequestsCard',
    component: {
      lazy: () =>
        import('./components/EntityPullRequestsCard').then(
          m => m.EntityPullRequestsCard,
        ),
    },
  }),
);

/**
 * Entity card with the GitHub Actions workflow runs of the entity's repository.
 *
 * @public
 */
export const EntityWorkflowRunsCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityWorkflowRunsCard',
    component: {
      lazy: () =>
        import('./components/EntityWorkflowRunsCard').then(
          m => m.EntityWorkflowRunsCard,
        ),
    },
  }),
);

/**
 * Entity card with who is on call for the entity now and next, its escalation policy and its open incidents.
 *
 * @public
 */
export const EntityOnCallCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityOnCallCard',
    component: {
      lazy: () =>
        import('./components/EntityOnCallCard').then(m => m.EntityOnCallCard),
    },
  }),
);

/**
 * Entity card with what changed about the entity, one sentence each, live.
 *
 * @public
 */
export const EntityActivityCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityActivityCard',
    component: {
      lazy: () =>
        import('./components/EntityActivityCard').then(
          m => m.EntityActivityCard,
        ),
    },
  }),
);

/**
 * Entity card with the entity's delivery metrics (DORA four keys, pull request flow, CI health),
 * each number opening what it counts, live.
 *
 * @public
 */
export const EntityDeliveryMetricsCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityDeliveryMetricsCard',
    component: {
      lazy: () =>
        import('./components/EntityDeliveryMetricsCard').then(
          m => m.EntityDeliveryMetricsCard,
        ),
    },
  }),
);

/**
 * A compact card for the Overview tab: open pull requests waiting for review, the default
 * branch's CI, who is on call now and the open incidents, each one line, live, with a link into
 * the entity's Pulse tab (at `/pulse` of the entity page).
 *
 * @public
 */
export const EntityPulseOverviewCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityPulseOverviewCard',
    component: {
      lazy: () =>
        import('./components/EntityPulseOverviewCard').then(
          m => m.EntityPulseOverviewCard,
        ),
    },
  }),
);

/**
 * Entity card with the entity's deployments: each environment's latest and last successful
 * deployment with the pull requests it shipped, and the history by environment, live.
 *
 * @public
 */
export const EntityDeploymentsCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityDeploymentsCard',
    component: {
      lazy: () =>
        import('./components/EntityDeploymentsCard').then(
          m => m.EntityDeploymentsCard,
        ),
    },
  }),
);

/**
 * Card for a group's page with the delivery metrics of everything the group and its child groups
 * own, counted together and side by side, each number opening what it counts, live.
 *
 * @public
 */
export const EntityGroupDeliveryMetricsCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityGroupDeliveryMetricsCard',
    component: {
      lazy: () =>
        import('./components/EntityDeliveryMetricsCard').then(
          m => m.EntityGroupDeliveryMetricsCard,
        ),
    },
  }),
);

/**
 * Card for a system's page with the delivery metrics of the entities it contains, counted
 * together and side by side, each number opening what it counts, live.
 *
 * @public
 */
export const EntitySystemDeliveryMetricsCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntitySystemDeliveryMetricsCard',
    component: {
      lazy: () =>
        import('./components/EntityDeliveryMetricsCard').then(
          m => m.EntitySystemDeliveryMetricsCard,
        ),
    },
  }),
);

/**
 * Card for a group's page with what changed about everything the group and its child groups own, live.
 *
 * @public
 */
export const EntityGroupActivityCard = pulsePlugin.provide(
  createComponentExtension({
    name: 'EntityGroupActivityCard',
    component: {
      lazy: () =>
        import('./components/EntityActivityCard').then(
          m => m.EntityGroupActivityCard,
        ),
    },
  }),
);

/**
 * Page listing the incidents of the signed-in user, their teams and everyone, with each incident's detail below it.
 *
 * @public
 */
export const PulseIncidentsPage: () => JSX.Element = pulsePlugin.provide(
  createRoutableExtension({
    name: 'PulseIncidentsPage',
    component: () =>
      import('./components/IncidentsPage').then(m => m.IncidentsPage),
    mountPoint: incidentsRouteRef,
  }),
);

/**
 * Page with every on-call schedule, who is on call, its next two weeks and its overrides.
 *
 * @public
 */
export const PulseOnCallPage: () => JSX.Element = pulsePlugin.provide(
  createRoutableExtension({
    name: 'PulseOnCallPage',
    component: () => import('./components/OnCallPage').then(m => m.OnCallPage),
    mountPoint: onCallRouteRef,
  }),
);
