import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import PhoneInTalkIcon from '@material-ui/icons/PhoneInTalk';
import ReportProblemIcon from '@material-ui/icons/ReportProblem';
import { isPulseAvailable } from '@pulse-oss/plugin-pulse-common';
import { PulseClient, pulseApiRef } from './api';
import { incidentsRouteRef, onCallRouteRef } from './routes';
import { staleAfterDaysConfigSchema } from './components/EntityPullRequestsCard/config';

const pulseApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: pulseApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new PulseClient({ discoveryApi, fetchApi }),
    }),
});

// Only for entities Pulse can track; others get no card rather than an empty state.
const pulseEntityStatusCard = EntityCardBlueprint.make({
  name: 'status',
  params: {
    filter: isPulseAvailable,
    loader: () =>
      import('./components/EntityPulseStatusCard').then(m => (
        <m.EntityPulseStatusCard />
      )),
  },
});

// For the Overview tab, beside "About": a few lines of each, linking into the Pulse tab.
const pulseOverviewCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    type: 'info',
    filter: entity =>
      entity.kind.toLocaleLowerCase('en-US') === 'component' ||
      isPulseAvailable(entity),
    loader: () =>
      import('./components/EntityPulseOverviewCard').then(m => (
        <m.EntityPulseOverviewCard />
      )),
  },
});

const pulsePullRequestsCard = EntityCardBlueprint.makeWithOverrides({
  name: 'pull-requests',
  configSchema: { staleAfterDays: staleAfterDaysConfigSchema },
  factory(originalFactory, { config }) {
    return originalFactory({
      filter: isPulseAvailable,
      loader: () =>
        import('./components/EntityPullRequestsCard').then(m => (
          <m.EntityPullRequestsCard staleAfterDays={config.staleAfterDays} />
        )),
    });
  },
});

const pulseWorkflowRunsCard = EntityCardBlueprint.make({
  name: 'workflow-runs',
  params: {
    filter: isPulseAvailable,
    loader: () =>
      import('./components/EntityWorkflowRunsCard').then(m => (
        <m.EntityWorkflowRunsCard />
      )),
  },
});

// Every component: an entity without an escalation policy gets a card that says so.
const pulseOnCallCard = EntityCardBlueprint.make({
  name: 'oncall',
  params: {
    filter: { kind: 'component' },
    loader: () =>
      import('./components/EntityOnCallCard').then(m => <m.EntityOnCallCard />),
  },
});

// Components and the other kinds Pulse has data of; a group gets the team variant below.
const pulseActivityCard = EntityCardBlueprint.make({
  name: 'activity',
  params: {
    filter: entity => {
      const kind = entity.kind.toLocaleLowerCase('en-US');
      return (
        kind === 'component' || (kind !== 'group' && isPulseAvailable(entity))
      );
    },
    loader: () =>
      import('./components/EntityActivityCard').then(m => (
        <m.EntityActivityCard />
      )),
  },
});

const pulseGroupActivityCard = EntityCardBlueprint.make({
  name: 'group-activity',
  params: {
    filter: { kind: 'group' },
    loader: () =>
      import('./components/EntityActivityCard').then(m => (
        <m.EntityGroupActivityCard />
      )),
  },
});

const pulseDeliveryMetricsCard = EntityCardBlueprint.make({
  name: 'delivery-metrics',
  params: {
    filter: isPulseAvailable,
    loader: () =>
      import('./components/EntityDeliveryMetricsCard').then(m => (
        <m.EntityDeliveryMetricsCard />
      )),
  },
});

const pulseDeploymentsCard = EntityCardBlueprint.make({
  name: 'deployments',
  params: {
    filter: isPulseAvailable,
    loader: () =>
      import('./components/EntityDeploymentsCard').then(m => (
        <m.EntityDeploymentsCard />
      )),
  },
});

const pulseGroupDeliveryMetricsCard = EntityCardBlueprint.make({
  name: 'group-delivery-metrics',
  params: {
    filter: { kind: 'group' },
    loader: () =>
      import('./components/EntityDeliveryMetricsCard').then(m => (
        <m.EntityGroupDeliveryMetricsCard />
      )),
  },
});

const pulseSystemDeliveryMetricsCard = EntityCardBlueprint.make({
  name: 'system-delivery-metrics',
  params: {
    filter: { kind: 'system' },
    loader: () =>
      import('./components/EntityDeliveryMetricsCard').then(m => (
        <m.EntitySystemDeliveryMetricsCard />
      )),
  },
});

// The entity's "Pulse" tab: every card above on one page, for the entities that have any of them.
const pulseEntityContent = EntityContentBlueprint.makeWithOverrides({
  name: 'pulse',
  configSchema: { staleAfterDays: staleAfterDaysConfigSchema },
  factory(originalFactory, { config }) {
    return originalFactory({
      path: '/pulse',
      title: 'Pulse',
      filter: entity => {
        const kind = entity.kind.toLocaleLowerCase('en-US');
        return kind === 'component' || isPulseAvailable(entity);
      },
      loader: () =>
        import('./components/EntityPulseContent').then(m => (
          <m.EntityPulseContent staleAfterDays={config.staleAfterDays} />
        )),
    });
  },
});

// A page with a title and an icon is also the sidebar's nav item.
const pulseIncidentsPage = PageBlueprint.make({
  name: 'incidents',
  params: {
    path: '/pulse/incidents',
    title: 'Incidents',
    icon: <ReportProblemIcon fontSize="inherit" />,
    routeRef: incidentsRouteRef,
    loader: () =>
      import('./components/IncidentsPage').then(m => (
        <m.IncidentsPageContent />
      )),
  },
});

const pulseOnCallPage = PageBlueprint.make({
  name: 'oncall',
  params: {
    path: '/pulse/oncall',
    title: 'On-call',
    icon: <PhoneInTalkIcon fontSize="inherit" />,
    routeRef: onCallRouteRef,
    loader: () =>
      import('./components/OnCallPage').then(m => <m.OnCallPageContent />),
  },
});

/** The Pulse plugin for apps on the new frontend system. */
export default createFrontendPlugin({
  pluginId: 'pulse',
  title: 'Pulse',
  info: { packageJson: () => import('../package.json') },
  routes: {
    incidents: incidentsRouteRef,
    onCall: onCallRouteRef,
  },
  extensions: [
    pulseApi,
    pulseOverviewCard,
    pulseEntityStatusCard,
    pulsePullRequestsCard,
    pulseWorkflowRunsCard,
    pulseOnCallCard,
    pulseDeliveryMetricsCard,
    pulseDeploymentsCard,
    pulseActivityCard,
    pulseGroupActivityCard,
    pulseGroupDeliveryMetricsCard,
    pulseSystemDeliveryMetricsCard,
    pulseEntityContent,
    pulseIncidentsPage,
    pulseOnCallPage,
  ],
});
