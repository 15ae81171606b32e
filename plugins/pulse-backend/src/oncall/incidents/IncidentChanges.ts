/**
 * The helpers the three incident rooms share (people's actions, alert intake, the escalation
 * ledger): one change to an incident — its patch, timeline entries, assignees and domain event —
 * applied in the caller's transaction, and the API shape the events (and responses) carry.
 */
import { ConflictError } from '@backstage/errors';
import { Incident, NewPulseDomainEvent } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../../events/DomainEventPublisher';
import { Clock } from '../../service/clock';
import {
  acknowledge,
  EscalationResult,
  EscalationState,
  resolve,
} from '../escalation';
import { IncidentEventPayload, OncallEventType } from '../events';
import { incidentToApi } from './incidentApi';
import {
  IncidentPatch,
  IncidentStore,
  NewTimelineEntry,
  StoredIncident,
} from './IncidentStore';

/** The actor of the escalation engine's own changes (timeline and events show no person). */
export const ENGINE_ACTOR = null;

/** One change to an incident, applied with {@link IncidentChanges.apply}. */
export interface IncidentChange {
  patch: IncidentPatch;
  timeline: NewTimelineEntry[];
  event?: { type: OncallEventType; details?: Record<string, unknown> };
  /** Replaces the assignees. */
  assignees?: string[];
}

/** Thrown inside a transaction to roll it back and try again: what it read changed meanwhile. */
export class RetryableConflict extends Error {}

/** PostgreSQL aborted the transaction to break a lock cycle; trying again succeeds. */
export function isDeadlock(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === '40P01';
}

/** The new escalation state, or a 409 saying why the transition is not possible now. */
export function unwrapEscalation(result: EscalationResult): EscalationState {
  if (!result.ok) {
    throw new ConflictError(result.error.message);
  }
  return result.state;
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

/** Acknowledging an incident, by a person or by an alert's acknowledge signal. */
export function acknowledgeChange(
  incident: StoredIncident,
  now: Date,
  actor: string,
): IncidentChange {
  const escalation = unwrapEscalation(acknowledge(incident.escalation, now));
  const first = incident.acknowledgedAt === null;
  return {
    patch: {
      escalation,
      ...(first && {
        acknowledgedAt: now,
        timeToAcknowledgeSeconds: secondsBetween(incident.createdAt, now),
      }),
    },
    timeline: [
      {
        at: now,
        type: 'acknowledged',
        actor,
        message: `Acknowledged by ${actor}${
          escalation.ackTimeoutAt
            ? `; escalation resumes at ${escalation.ackTimeoutAt} unless resolved`
            : ''
        }`,
      },
    ],
    event: { type: 'incident.acknowledged' },
  };
}

/** Resolving an incident, by a person or by an alert's resolve signal. */
export function resolveChange(
  incident: StoredIncident,
  now: Date,
  actor: string,
  message: string,
): IncidentChange {
  const escalation = unwrapEscalation(resolve(incident.escalation));
  return {
    patch: {
      escalation,
      resolvedAt: now,
      timeToResolveSeconds: secondsBetween(incident.createdAt, now),
    },
    timeline: [{ at: now, type: 'resolved', actor, message }],
    event: { type: 'incident.resolved' },
  };
}

/** A change to publish: the incident as it is after the change, and the event's type. */
export interface PublishedChange {
  incident: StoredIncident;
  type: OncallEventType;
  details?: Record<string, unknown>;
}

/**
 * Applies changes to incidents with their timeline, assignees and domain events, in the caller's
 * transaction, and describes incidents in their API shape (with assignees and link).
 */
export class IncidentChanges {
  constructor(
    private readonly options: {
      store: IncidentStore;
      publisher: DomainEventPublisher;
      clock: Clock;
      /** Absolute or app-relative link to an incident; `htmlUrl` in the API and notifications. */
      incidentLink?: (incidentId: string) => string;
    },
  ) {}

  /** The API shape of stored incidents, with their assignees (read in `tx` when given). */
  async describe(
    incidents: StoredIncident[],
    tx?: Knex.Transaction,
  ): Promise<Incident[]> {
    const assignees = await this.options.store.assignees(
      incidents.map(i => i.id),
      tx,
    );
    return incidents.map(incident =>
      incidentToApi(
        incident,
        assignees.get(incident.id) ?? [],
        this.options.incidentLink?.(incident.id),
      ),
    );
  }

  /**
   * Applies the change if the incident is still as read; false when someone changed it in
   * between (the caller retries or gives up).
   */
  async apply(
    tx: Knex.Transaction,
    incident: StoredIncident,
    change: IncidentChange,
    now: Date,
    actor: string | null,
  ): Promise<boolean> {
    const { store } = this.options;
    if (!(await store.update(tx, incident, change.patch, now))) {
      return false;
    }
    if (change.assignees) {
      await store.setAssignees(tx, incident.id, change.assignees);
    }
    await store.appendTimeline(tx, incident.id, change.timeline);
    if (change.event) {
      const updated = (await store.get(incident.id, { tx }))!;
      await this.publish(
        tx,
        [
          {
            incident: updated,
            type: change.event.type,
            details: change.event.details,
          },
        ],
        actor,
      );
    }
    return true;
  }

  /** Publishes one event per change, in order, with one read of assignees and one insert. */
  async publish(
    tx: Knex.Transaction,
    changes: PublishedChange[],
    actor: string | null,
  ): Promise<void> {
    if (changes.length === 0) {
      return;
    }
    const apis = await this.describe(
      changes.map(change => change.incident),
      tx,
    );
    const occurredAt = this.options.clock.now();
    const events: NewPulseDomainEvent<OncallEventType, IncidentEventPayload>[] =
      changes.map(({ incident, type, details }, index) => ({
        entityRef: incident.entityRef,
        type,
        payload: { incident: apis[index], actor, ...(details && { details }) },
        occurredAt,
      }));
    await this.options.publisher.publish(events, tx);
  }
}
