/**
 * Incident severity, PagerDuty Events API v2's scale.
 *
 * @public
 */
export type IncidentSeverity = 'critical' | 'error' | 'warning' | 'info';

/**
 * Where an incident is in its life.
 *
 * @public
 */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/**
 * One entry of an incident's timeline.
 *
 * @public
 */
export interface IncidentTimelineEntry {
  id: string;
  at: string;
  type:
    | 'created'
    | 'alert_absorbed'
    | 'notified'
    | 'nobody_on_call'
    | 'acknowledged'
    | 'unacknowledged'
    | 'ack_timeout'
    | 'resolved'
    | 'reassigned'
    | 'escalated'
    | 'note'
    | 'escalation_finished'
    | 'watchdog_recovered'
    | 'ignored_signal';
  /** The user or service that caused it, as an entity ref or service subject; null for the engine. */
  actor: string | null;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * An incident as served by the API.
 *
 * @public
 */
export interface Incident {
  id: string;
  title: string;
  /** The service (catalog entity ref) the incident is about. */
  entityRef: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  dedupKey: string;
  alertCount: number;
  source:
    | 'alertmanager'
    | 'grafana'
    | 'pagerduty'
    | 'json'
    | 'heartbeat'
    | 'manual';
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** Seconds from creation to first acknowledgement / resolution, stored when they happen. */
  timeToAcknowledgeSeconds: number | null;
  timeToResolveSeconds: number | null;
  /** Who the incident is assigned to (user entity refs): the last people paged or reassigned to. */
  assignees: string[];
  escalationPolicyId: string;
  /** The escalation step (0-based) and round currently reached. */
  escalationStep: number;
  escalationRound: number;
  nextEscalationAt: string | null;
  /** Set when the watchdog had to recover an overdue step. */
  flagged: boolean;
  htmlUrl?: string;
}

/**
 * `GET /incidents/{id}`
 *
 * @public
 */
export interface IncidentDetail extends Incident {
  /** The live version of this data's topic when it was read; a hint with a higher one means it changed. */
  version: number;
  timeline: IncidentTimelineEntry[];
  /** The raw payload of the alert that opened the incident. */
  rawPayload: unknown;
}

/**
 * `GET /incidents`
 *
 * @public
 */
export interface IncidentList {
  items: Incident[];
  nextCursor: string | null;
}

/**
 * A shift in a schedule's final timeline; `userRef` null is a gap with nobody on call.
 *
 * @public
 */
export interface OnCallShift {
  start: string;
  end: string;
  userRef: string | null;
  layerId?: string;
  overrideId?: string;
}

/**
 * An override: someone covers a time range of a schedule.
 *
 * @public
 */
export interface ScheduleOverride {
  id: string;
  scheduleId: string;
  userRef: string;
  start: string;
  end: string;
  layerId: string | null;
  createdBy: string;
  createdAt: string;
}

/**
 * `GET /schedules` item and `GET /schedules/{id}`
 *
 * @public
 */
export interface ScheduleSummary {
  /** The live version of this data's topic when it was read; a hint with a higher one means it changed. */
  version: number;
  id: string;
  name: string;
  timeZone: string;
  /** Who is on call now (null: a gap), and until when. */
  current: OnCallShift;
  next: OnCallShift | null;
}

/**
 * `GET /schedules/{id}/shifts?from&to`
 *
 * @public
 */
export interface ScheduleShifts {
  scheduleId: string;
  timeZone: string;
  from: string;
  to: string;
  shifts: OnCallShift[];
  /** The gaps among `shifts`, listed again so that no client can miss them. */
  gaps: Array<{ start: string; end: string }>;
}

/**
 * A step of an escalation policy as shown to users.
 *
 * @public
 */
export interface EscalationStepView {
  delayMinutes: number;
  /** One target is paged per incident, in turns across incidents. */
  roundRobin?: boolean;
  targets: Array<
    | {
        type: 'schedule';
        scheduleId: string;
        name: string;
        currentUserRef: string | null;
      }
    | { type: 'user'; userRef: string }
    | { type: 'group'; groupRef: string }
    | { type: 'webhook'; name: string }
  >;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/oncall`
 *
 * @public
 */
export interface EntityOnCall {
  /** The live version of this data's topic when it was read; a hint with a higher one means it changed. */
  version: number;
  entityRef: string;
  /** The policy that applies, and how it was chosen; null (with `problem`) when none resolves. */
  policy: {
    id: string;
    name: string;
    chosenBy: 'annotation' | 'owner-group' | 'default';
    repeat: number;
    steps: EscalationStepView[];
  } | null;
  problem: string | null;
  /** Who is paged first right now, and until when. */
  now: {
    userRef: string | null;
    until: string | null;
    scheduleId: string | null;
  };
  next: { userRef: string | null; from: string | null } | null;
  openIncidents: Incident[];
}
