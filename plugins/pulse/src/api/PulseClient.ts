import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ActivityPage,
  EntityDeliveryMetrics,
  EntityDeployments,
  MetricItemsKind,
  MetricItemsPage,
  EntityOnCall,
  EntityVersions,
  Incident,
  IncidentDetail,
  IncidentList,
  IncidentTimelineEntry,
  PullRequestPage,
  ScheduleOverride,
  ScheduleShifts,
  ScheduleSummary,
  SyncStatus,
  TrackedEntity,
  TrackedEntityList,
  WorkflowRunPage,
  WorkflowSummaryList,
} from '@pulse-oss/plugin-pulse-common';
import {
  ActivityQuery,
  CreateIncidentRequest,
  CreateScheduleOverrideRequest,
  IncidentQuery,
  PullRequestQuery,
  PulseApi,
  ScheduleVersions,
  WorkflowRunQuery,
} from './PulseApi';

function entityPath(ref: CompoundEntityRef): string {
  const path = [ref.kind, ref.namespace, ref.name]
    .map(segment => encodeURIComponent(segment))
    .join('/');
  return `/v1/entities/${path}`;
}

function withQuery(
  path: string,
  query: Record<string, string | number | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function incidentPath(id: string): string {
  return `/v1/incidents/${encodeURIComponent(id)}`;
}

function schedulePath(id: string): string {
  return `/v1/schedules/${encodeURIComponent(id)}`;
}

/**
 * The {@link PulseApi} over the Pulse backend's REST API.
 *
 * @public
 */
export class PulseClient implements PulseApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getTrackedEntity(ref: CompoundEntityRef): Promise<TrackedEntity> {
    return this.get<TrackedEntity>(entityPath(ref));
  }

  async listTrackedEntities(): Promise<TrackedEntityList> {
    return this.get<TrackedEntityList>('/v1/entities');
  }

  async getPullRequests(
    ref: CompoundEntityRef,
    query: PullRequestQuery = {},
  ): Promise<PullRequestPage> {
    return this.get<PullRequestPage>(
      withQuery(`${entityPath(ref)}/pull-requests`, {
        state: query.state,
        limit: query.limit,
        cursor: query.cursor,
      }),
    );
  }

  async getWorkflowRuns(
    ref: CompoundEntityRef,
    query: WorkflowRunQuery = {},
  ): Promise<WorkflowRunPage> {
    return this.get<WorkflowRunPage>(
      withQuery(`${entityPath(ref)}/workflow-runs`, {
        branch: query.branch,
        workflow: query.workflow,
        status: query.status,
        limit: query.limit,
        cursor: query.cursor,
      }),
    );
  }

  async getWorkflowSummary(
    ref: CompoundEntityRef,
    options: { recentRuns?: number } = {},
  ): Promise<WorkflowSummaryList> {
    return this.get<WorkflowSummaryList>(
      withQuery(`${entityPath(ref)}/workflow-summary`, {
        recentRuns: options.recentRuns,
      }),
    );
  }

  async getSyncStatus(ref: CompoundEntityRef): Promise<SyncStatus> {
    return this.get<SyncStatus>(`${entityPath(ref)}/sync`);
  }

  async requestSync(ref: CompoundEntityRef): Promise<SyncStatus> {
    return this.post<SyncStatus>(`${entityPath(ref)}/sync`);
  }

  async getEntityOnCall(ref: CompoundEntityRef): Promise<EntityOnCall> {
    return this.get<EntityOnCall>(`${entityPath(ref)}/oncall`);
  }

  async listIncidents(query: IncidentQuery = {}): Promise<IncidentList> {
    return this.get<IncidentList>(
      withQuery('/v1/incidents', {
        status: query.status?.join(','),
        severity: query.severity?.join(','),
        entityRef: query.entityRef,
        mine: query.mine ? 'true' : undefined,
        team: query.team ? 'true' : undefined,
        limit: query.limit,
        cursor: query.cursor,
      }),
    );
  }

  async getIncident(id: string): Promise<IncidentDetail> {
    return this.get<IncidentDetail>(incidentPath(id));
  }

  async createIncident(request: CreateIncidentRequest): Promise<Incident> {
    return this.send<Incident>('POST', '/v1/incidents', request);
  }

  async acknowledgeIncident(id: string): Promise<Incident> {
    return this.send<Incident>('POST', `${incidentPath(id)}/acknowledge`);
  }

  async unacknowledgeIncident(id: string): Promise<Incident> {
    return this.send<Incident>('POST', `${incidentPath(id)}/unacknowledge`);
  }

  async resolveIncident(id: string): Promise<Incident> {
    return this.send<Incident>('POST', `${incidentPath(id)}/resolve`);
  }

  async escalateIncident(id: string): Promise<Incident> {
    return this.send<Incident>('POST', `${incidentPath(id)}/escalate`);
  }

  async reassignIncident(id: string, userRef: string): Promise<Incident> {
    return this.send<Incident>('POST', `${incidentPath(id)}/reassign`, {
      userRef,
    });
  }

  async addIncidentNote(
    id: string,
    text: string,
  ): Promise<IncidentTimelineEntry> {
    return this.send<IncidentTimelineEntry>(
      'POST',
      `${incidentPath(id)}/notes`,
      { text },
    );
  }

  async listSchedules(): Promise<{ items: ScheduleSummary[] }> {
    return this.get<{ items: ScheduleSummary[] }>('/v1/schedules');
  }

  async getScheduleShifts(
    scheduleId: string,
    range: { from: string; to: string },
  ): Promise<ScheduleShifts> {
    return this.get<ScheduleShifts>(
      withQuery(`${schedulePath(scheduleId)}/shifts`, {
        from: range.from,
        to: range.to,
      }),
    );
  }

  async listScheduleOverrides(
    scheduleId: string,
  ): Promise<{ items: ScheduleOverride[] }> {
    return this.get<{ items: ScheduleOverride[] }>(
      `${schedulePath(scheduleId)}/overrides`,
    );
  }

  async createScheduleOverride(
    scheduleId: string,
    request: CreateScheduleOverrideRequest,
  ): Promise<ScheduleOverride> {
    return this.send<ScheduleOverride>(
      'POST',
      `${schedulePath(scheduleId)}/overrides`,
      request,
    );
  }

  async deleteScheduleOverride(
    scheduleId: string,
    overrideId: string,
  ): Promise<void> {
    await this.send<void>(
      'DELETE',
      `${schedulePath(scheduleId)}/overrides/${encodeURIComponent(overrideId)}`,
    );
  }

  async getEntityVersions(ref: CompoundEntityRef): Promise<EntityVersions> {
    return this.get<EntityVersions>(`${entityPath(ref)}/versions`);
  }

  async getScheduleVersions(scheduleId: string): Promise<ScheduleVersions> {
    return this.get<ScheduleVersions>(`${schedulePath(scheduleId)}/versions`);
  }

  async getDeliveryMetrics(
    ref: CompoundEntityRef,
    windowDays?: number,
  ): Promise<EntityDeliveryMetrics> {
    return this.get<EntityDeliveryMetrics>(
      withQuery(`${entityPath(ref)}/metrics`, {
        window: windowDays ? `${windowDays}d` : undefined,
      }),
    );
  }

  async getMetricItems(
    ref: CompoundEntityRef,
    metric: MetricItemsKind,
    query: { windowDays?: number; cursor?: string; limit?: number },
  ): Promise<MetricItemsPage> {
    return this.get<MetricItemsPage>(
      withQuery(
        `${entityPath(ref)}/metrics/${encodeURIComponent(metric)}/items`,
        {
          window: query.windowDays ? `${query.windowDays}d` : undefined,
          cursor: query.cursor,
          limit: query.limit,
        },
      ),
    );
  }

  async getDeployments(
    ref: CompoundEntityRef,
    query: { environment?: string; cursor?: string; limit?: number } = {},
  ): Promise<EntityDeployments> {
    return this.get<EntityDeployments>(
      withQuery(`${entityPath(ref)}/deployments`, {
        environment: query.environment,
        cursor: query.cursor,
        limit: query.limit,
      }),
    );
  }

  async getActivity(
    ref: CompoundEntityRef,
    query: ActivityQuery = {},
  ): Promise<ActivityPage> {
    return this.get<ActivityPage>(
      withQuery(`${entityPath(ref)}/activity`, {
        before: query.before,
        limit: query.limit,
      }),
    );
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('pulse');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async post<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('pulse');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method: 'POST',
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async send<T>(
    method: 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('pulse');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          }),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }
}
