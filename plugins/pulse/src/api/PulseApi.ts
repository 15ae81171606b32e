import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import {
  ActivityPage,
  EntityDeliveryMetrics,
  EntityDeployments,
  EntityOnCall,
  MetricItemsKind,
  MetricItemsPage,
  EntityVersions,
  Incident,
  IncidentDetail,
  IncidentList,
  IncidentSeverity,
  IncidentStatus,
  IncidentTimelineEntry,
  PullRequestPage,
  ScheduleOverride,
  ScheduleShifts,
  ScheduleSummary,
  SyncStatus,
  TrackedEntity,
  TrackedEntityList,
  WorkflowRun,
  WorkflowRunPage,
  WorkflowSummaryList,
} from '@pulse-oss/plugin-pulse-common';

/**
 * Which pull requests {@link PulseApi.getPullRequests} returns, and how many.
 *
 * @public
 */
export interface PullRequestQuery {
  /** Defaults to `open` on the backend. */
  state?: 'open' | 'merged' | 'closed' | 'all';
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * Which workflow runs {@link PulseApi.getWorkflowRuns} returns, and how many.
 *
 * @public
 */
export interface WorkflowRunQuery {
  branch?: string;
  /** The workflow, as `WorkflowRun.workflowId`. */
  workflow?: number | string;
  status?: WorkflowRun['status'];
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * Which incidents {@link PulseApi.listIncidents} returns.
 *
 * @public
 */
export interface IncidentQuery {
  /** Any of these statuses; the backend's default is every status. */
  status?: IncidentStatus[];
  /** Any of these severities; every severity when empty. */
  severity?: IncidentSeverity[];
  /** Only incidents about this service (a catalog entity ref). */
  entityRef?: string;
  /** Only incidents assigned to the signed-in user. */
  mine?: boolean;
  /** Only incidents assigned to the signed-in user's teams. */
  team?: boolean;
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/**
 * Which page of an activity feed {@link PulseApi.getActivity} returns.
 *
 * @public
 */
export interface ActivityQuery {
  /** The `nextCursor` of the previous page: items older than it. */
  before?: string;
  limit?: number;
}

/**
 * `GET /schedules/{id}/versions`: the live version of each of a schedule's topics.
 *
 * @public
 */
export interface ScheduleVersions {
  scheduleId: string;
  /** Topic to version; a topic that never changed is absent (version 0). */
  versions: Record<string, number>;
}

/**
 * What {@link PulseApi.createIncident} needs to page the on-call of a service by hand.
 *
 * @public
 */
export interface CreateIncidentRequest {
  /** The service (catalog entity ref) the incident is about. */
  entityRef: string;
  title: string;
  severity: IncidentSeverity;
  details?: string;
}

/**
 * What {@link PulseApi.createScheduleOverride} needs: who covers which time range.
 *
 * @public
 */
export interface CreateScheduleOverrideRequest {
  userRef: string;
  /** ISO 8601 instants. */
  start: string;
  end: string;
  layerId?: string;
}

/**
 * Reads what the Pulse backend knows about catalog entities.
 *
 * @public
 */
export interface PulseApi {
  /** How Pulse sees one entity; rejects with a `ResponseError` (404 when the entity is not tracked). */
  getTrackedEntity(ref: CompoundEntityRef): Promise<TrackedEntity>;
  /** Every entity Pulse tracks. */
  listTrackedEntities(): Promise<TrackedEntityList>;
  /** A page of the pull requests of the entity's repository, newest first. */
  getPullRequests(
    ref: CompoundEntityRef,
    query?: PullRequestQuery,
  ): Promise<PullRequestPage>;
  /** A page of the workflow runs of the entity's repository, newest first. */
  getWorkflowRuns(
    ref: CompoundEntityRef,
    query?: WorkflowRunQuery,
  ): Promise<WorkflowRunPage>;
  /** Each workflow's latest run, success rate and median duration on the default branch. */
  getWorkflowSummary(
    ref: CompoundEntityRef,
    options?: { recentRuns?: number },
  ): Promise<WorkflowSummaryList>;
  /** How fresh Pulse's copy of the entity's repository is, and how far its first sync has got. */
  getSyncStatus(ref: CompoundEntityRef): Promise<SyncStatus>;
  /**
   * Asks for an immediate sync of the entity's repository; resolves once it is queued.
   * Rejects with a `ResponseError`: 403 when not permitted, 429 (with `retry-after`) when asked too often.
   */
  requestSync(ref: CompoundEntityRef): Promise<SyncStatus>;

  /** Who is on call for the entity now and next, under which escalation policy, and its open incidents. */
  getEntityOnCall(ref: CompoundEntityRef): Promise<EntityOnCall>;
  /** A page of incidents, newest first. */
  listIncidents(query?: IncidentQuery): Promise<IncidentList>;
  /** One incident with its timeline; rejects with a 404 `ResponseError` for an unknown id. */
  getIncident(id: string): Promise<IncidentDetail>;
  /** Opens an incident by hand, which pages the service's on-call. */
  createIncident(request: CreateIncidentRequest): Promise<Incident>;
  /** Rejects with a 409 `ResponseError` when the incident is not triggered. */
  acknowledgeIncident(id: string): Promise<Incident>;
  /** Withdraws an acknowledgement; rejects with a 409 `ResponseError` unless acknowledged. */
  unacknowledgeIncident(id: string): Promise<Incident>;
  /** Rejects with a 409 `ResponseError` when the incident is already resolved. */
  resolveIncident(id: string): Promise<Incident>;
  /** Pages the next step of the incident's escalation policy now. */
  escalateIncident(id: string): Promise<Incident>;
  /** Assigns the incident to another user (an entity ref) and pages them. */
  reassignIncident(id: string, userRef: string): Promise<Incident>;
  /** Adds a note to the incident's timeline. */
  addIncidentNote(id: string, text: string): Promise<IncidentTimelineEntry>;
  /** Every configured schedule, with who is on call now and next. */
  listSchedules(): Promise<{ items: ScheduleSummary[] }>;
  /** The schedule's final shifts between two instants, with its gaps listed explicitly. */
  getScheduleShifts(
    scheduleId: string,
    range: { from: string; to: string },
  ): Promise<ScheduleShifts>;
  /** The schedule's overrides. */
  listScheduleOverrides(
    scheduleId: string,
  ): Promise<{ items: ScheduleOverride[] }>;
  /** Has someone cover a time range of the schedule. */
  createScheduleOverride(
    scheduleId: string,
    request: CreateScheduleOverrideRequest,
  ): Promise<ScheduleOverride>;
  /** Removes an override. */
  deleteScheduleOverride(scheduleId: string, overrideId: string): Promise<void>;

  /** The live version of each topic of the entity's data: cheap, to check for missed hints. */
  getEntityVersions(ref: CompoundEntityRef): Promise<EntityVersions>;
  /** The live version of each topic of a schedule (handoffs, overrides). */
  getScheduleVersions(scheduleId: string): Promise<ScheduleVersions>;
  /**
   * What changed about the entity, newest first; for a group, about what it and its child groups
   * own.
   */
  /** The entity's delivery metrics over a window of `windowDays` (the backend's default when omitted). */
  getDeliveryMetrics(
    ref: CompoundEntityRef,
    windowDays?: number,
  ): Promise<EntityDeliveryMetrics>;

  /** A page of the items one metric counts, newest first. */
  getMetricItems(
    ref: CompoundEntityRef,
    metric: MetricItemsKind,
    query: { windowDays?: number; cursor?: string; limit?: number },
  ): Promise<MetricItemsPage>;

  getActivity(
    ref: CompoundEntityRef,
    query?: ActivityQuery,
  ): Promise<ActivityPage>;

  /** Each environment's latest deployments, and a page of the history (of one environment). */
  getDeployments(
    ref: CompoundEntityRef,
    query?: { environment?: string; cursor?: string; limit?: number },
  ): Promise<EntityDeployments>;
}

/**
 * Reference to the {@link PulseApi}.
 *
 * @public
 */
export const pulseApiRef = createApiRef<PulseApi>({
  id: 'plugin.pulse.api',
});
