import { Incident, IncidentSeverity } from '@pulse-oss/plugin-pulse-common';

/**
 * One alert signal, normalised from whichever format it arrived in (Alertmanager, Grafana,
 * PagerDuty Events API v2, plain JSON, heartbeat).
 */
export interface AlertSignal {
  action: 'trigger' | 'acknowledge' | 'resolve';
  /**
   * Incidents are deduplicated on this key within the service and the integration: at most one
   * open incident per (entityRef, integrationKey, dedupKey).
   */
  dedupKey: string;
  /** The service (catalog entity ref) the alert is about. */
  entityRef: string;
  title: string;
  severity: IncidentSeverity;
  source: Incident['source'];
  /**
   * The integration it came through: the format (`alertmanager`, `json`, ...) or a PagerDuty
   * routing key's digest. A signal never meets an incident opened through another integration.
   */
  integrationKey: string;
  rawPayload: unknown;
  occurredAt?: Date;
}

/** What became of a signal. */
export interface IntakeResult {
  outcome: 'created' | 'absorbed' | 'acknowledged' | 'resolved' | 'ignored';
  incidentId: string | null;
  dedupKey: string;
  /** Why a signal was ignored (unknown key, other integration, already resolved). */
  reason?: string;
}

/**
 * Applies alert signals to incidents. Implementations commit to the database before returning,
 * so a 2xx sent after `receive` resolves means the signal is stored.
 */
export interface IncidentIntake {
  receive(signal: AlertSignal, actor: string): Promise<IntakeResult>;
  /** The signals of one delivery, in order; a failure stores none of its triggers. */
  receiveAll(signals: AlertSignal[], actor: string): Promise<IntakeResult[]>;
}
