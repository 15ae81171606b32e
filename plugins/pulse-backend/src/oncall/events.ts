import { Incident, ScheduleOverride } from '@pulse-oss/plugin-pulse-common';

/**
 * The domain events the on-call domain publishes through the shared publisher. Incident events
 * carry the incident as the API serves it, so a live card can replace its copy.
 */
export type OncallEventType =
  | 'incident.created'
  | 'incident.alert_absorbed'
  | 'incident.notified'
  | 'incident.acknowledged'
  | 'incident.unacknowledged'
  | 'incident.resolved'
  | 'incident.reassigned'
  | 'incident.escalated'
  | 'incident.note_added'
  | 'incident.flagged'
  | 'oncall.override_created'
  | 'oncall.override_deleted'
  | 'oncall.handoff';

export interface IncidentEventPayload {
  incident: Incident;
  /** Who caused it: a user or service ref, or null for the escalation engine. */
  actor: string | null;
  /** Event-specific facts, e.g. the recipients and step of a notification. */
  details?: Record<string, unknown>;
}

export interface OverrideEventPayload {
  override: ScheduleOverride;
  actor: string;
}

export interface HandoffEventPayload {
  scheduleId: string;
  scheduleName: string;
  /** Who was on call before; null when it was a gap. */
  from: string | null;
  /** Who is on call now; null when it is a gap. */
  to: string | null;
  at: string;
}
