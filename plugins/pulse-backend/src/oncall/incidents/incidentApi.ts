/**
 * The wire format of incidents: how stored incidents and timeline entries look in the REST API
 * (`/v1/incidents...`) and in the payloads of incident domain events. Pure: the caller reads the
 * records (and the assignees) and gives the link.
 */
import {
  Incident,
  IncidentTimelineEntry,
} from '@pulse-oss/plugin-pulse-common';
import { StoredIncident, StoredTimelineEntry } from './IncidentStore';

/** The API shape of a stored incident; `htmlUrl` only when a link is given. */
export function incidentToApi(
  incident: StoredIncident,
  assignees: string[],
  htmlUrl?: string,
): Incident {
  const state = incident.escalation;
  const level = state.lastPaged ?? { stepIndex: 0, round: 0 };
  return {
    id: incident.id,
    title: incident.title,
    entityRef: incident.entityRef,
    severity: incident.severity,
    status: incident.status,
    dedupKey: incident.dedupKey,
    alertCount: incident.alertCount,
    source: incident.source as Incident['source'],
    createdAt: incident.createdAt.toISOString(),
    acknowledgedAt: incident.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: incident.resolvedAt?.toISOString() ?? null,
    timeToAcknowledgeSeconds: incident.timeToAcknowledgeSeconds,
    timeToResolveSeconds: incident.timeToResolveSeconds,
    assignees,
    escalationPolicyId: incident.escalationPolicyId,
    escalationStep: level.stepIndex,
    escalationRound: level.round,
    nextEscalationAt:
      state.status === 'triggered' && !state.finished ? state.nextStepAt : null,
    flagged: incident.flagged,
    ...(htmlUrl && { htmlUrl }),
  };
}

/** The API shape of a stored timeline entry. */
export function timelineEntryToApi(
  entry: StoredTimelineEntry,
): IncidentTimelineEntry {
  return {
    id: String(entry.seq),
    at: entry.at.toISOString(),
    type: entry.type,
    actor: entry.actor,
    message: entry.message,
    ...(entry.details ? { details: entry.details } : {}),
  };
}
