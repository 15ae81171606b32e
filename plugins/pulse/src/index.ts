/**
 * Pulse frontend plugin: live pull requests, workflow runs, on-call and incidents on Backstage entity pages.
 *
 * @packageDocumentation
 */

export {
  pulsePlugin,
  EntityPulseStatusCard,
  EntityPulseContent,
} from './plugin';
export type { EntityPulseContentProps } from './components/EntityPulseContent';
export { pulseApiRef, PulseClient } from './api';
export type { PulseApi } from './api';
export {
  isPulseAvailable,
  GITHUB_PROJECT_SLUG_ANNOTATION,
} from '@pulse-oss/plugin-pulse-common';
export type {
  TrackedEntity,
  TrackedEntityList,
  LinkedRepository,
} from '@pulse-oss/plugin-pulse-common';

export { EntityPullRequestsCard, EntityWorkflowRunsCard } from './plugin';
export type { EntityPullRequestsCardProps } from './components/EntityPullRequestsCard';
export type { PullRequestQuery, WorkflowRunQuery } from './api';
export type {
  PullRequest,
  PullRequestPage,
  ReviewDecision,
  CiState,
  WorkflowRun,
  WorkflowRunPage,
  WorkflowSummary,
  WorkflowSummaryList,
  SyncStatus,
  SyncFreshness,
} from '@pulse-oss/plugin-pulse-common';

export {
  EntityOnCallCard,
  PulseIncidentsPage,
  PulseOnCallPage,
} from './plugin';

export {
  EntityActivityCard,
  EntityDeliveryMetricsCard,
  EntityDeploymentsCard,
  EntityGroupActivityCard,
  EntityGroupDeliveryMetricsCard,
  EntityPulseOverviewCard,
  EntitySystemDeliveryMetricsCard,
} from './plugin';
export type { ActivityQuery, ScheduleVersions } from './api';
export type {
  ActivityItem,
  ActivityPage,
  EntityVersions,
} from '@pulse-oss/plugin-pulse-common';
export { incidentsRouteRef, incidentRouteRef, onCallRouteRef } from './routes';
export type {
  IncidentQuery,
  CreateIncidentRequest,
  CreateScheduleOverrideRequest,
} from './api';
export { ESCALATION_POLICY_ANNOTATION } from '@pulse-oss/plugin-pulse-common';
export type {
  EntityOnCall,
  EscalationStepView,
  Incident,
  IncidentDetail,
  IncidentList,
  IncidentSeverity,
  IncidentStatus,
  IncidentTimelineEntry,
  OnCallShift,
  ScheduleOverride,
  ScheduleShifts,
  ScheduleSummary,
} from '@pulse-oss/plugin-pulse-common';
