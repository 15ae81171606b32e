import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NewPulseDomainEvent,
  PulseDomainEvent,
} from '@pulse-oss/plugin-pulse-common';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { scheduleSubject, topicsOf } from '../live/topics';
import { VersionKey, versionKey, VersionStore } from '../live/VersionStore';

const TABLE = 'pulse_events';

interface EventRow {
  sequence: number | string;
  id: string;
  entity_ref: string | null;
  type: string;
  payload: string;
  occurred_at: Date | string;
}

/** A subject's version of a topic after a change. */
export interface LiveVersion extends VersionKey {
  version: number;
}

/** Receives every event after it is committed, with the versions the commit raised. */
export type DomainEventListener = (
  events: PulseDomainEvent[],
  versions: LiveVersion[],
) => void;

/**
 * What an event's versions belong to: its entity (lower case, the form Pulse compares refs in),
 * or for an on-call event without one, its schedule.
 */
export function subjectOf(event: NewPulseDomainEvent): string | undefined {
  if (event.entityRef) {
    return event.entityRef.toLocaleLowerCase('en-US');
  }
  const payload = event.payload as
    | { scheduleId?: unknown; override?: { scheduleId?: unknown } }
    | null
    | undefined;
  const scheduleId = payload?.scheduleId ?? payload?.override?.scheduleId;
  return typeof scheduleId === 'string'
    ? scheduleSubject(scheduleId)
    : undefined;
}

function fromRow(row: EventRow): PulseDomainEvent {
  return {
    id: row.id,
    sequence: Number(row.sequence),
    entityRef: row.entity_ref,
    type: row.type,
    payload: JSON.parse(row.payload),
    occurredAt: new Date(row.occurred_at).toISOString(),
  };
}

/**
 * The single way every Pulse domain announces a change: the event is written to the event log
 * (inside the caller's transaction when one is given) and handed to listeners once committed. In
 * the same transaction it raises the live version of each subject and topic the events change,
 * and gives each entity event its position in the entity's feed; both follow commit order.
 */
export class DomainEventPublisher {
  private readonly listeners = new Set<DomainEventListener>();
  private readonly versions: VersionStore;

  constructor(
    private readonly db: Knex,
    private readonly logger: LoggerService,
  ) {
    this.versions = new VersionStore(db);
  }

  /**
   * Appends events to the log. With `tx`, the events commit or roll back with the caller's
   * changes, and listeners hear of them only after the commit.
   */
  async publish(
    events: NewPulseDomainEvent | NewPulseDomainEvent[],
    tx?: Knex.Transaction,
  ): Promise<PulseDomainEvent[]> {
    const list = Array.isArray(events) ? events : [events];
    if (list.length === 0) {
      return [];
    }
    const write = async (db: Knex.Transaction) => {
      const counts = new Map<string, VersionKey & { count: number }>();
      const subjects = list.map(subjectOf);
      list.forEach((event, index) => {
        const subject = subjects[index];
        if (!subject) return;
        for (const topic of topicsOf(event.type)) {
          const key = versionKey({ subject, topic });
          const entry = counts.get(key) ?? { subject, topic, count: 0 };
          entry.count += 1;
          counts.set(key, entry);
        }
      });
      const raised = await this.versions.raise(db, [...counts.values()]);
      // Feed positions: the activity versions this publish took, in the events' order.
      const nextPosition = new Map<string, number>();
      for (const [key, entry] of counts) {
        if (entry.topic === 'activity') {
          nextPosition.set(entry.subject, raised.get(key)! - entry.count + 1);
        }
      }
      const rows = list.map((event, index) => {
        const subject = subjects[index];
        let feedPosition: number | null = null;
        if (event.entityRef && subject && nextPosition.has(subject)) {
          feedPosition = nextPosition.get(subject)!;
          nextPosition.set(subject, feedPosition + 1);
        }
        return {
          id: randomUUID(),
          entity_ref:
            subjects[index] && event.entityRef ? subjects[index] : null,
          type: event.type,
          payload: JSON.stringify(event.payload ?? null),
          occurred_at: event.occurredAt ?? new Date(),
          feed_position: feedPosition,
        };
      });
      const stored: PulseDomainEvent[] = [];
      for (let i = 0; i < rows.length; i += 200) {
        const inserted: EventRow[] = await db(TABLE)
          .insert(rows.slice(i, i + 200))
          .returning([
            'sequence',
            'id',
            'entity_ref',
            'type',
            'payload',
            'occurred_at',
          ]);
        stored.push(...inserted.map(fromRow));
      }
      stored.sort((a, b) => a.sequence - b.sequence);
      const versions: LiveVersion[] = [...counts.entries()].map(
        ([key, entry]) => ({
          subject: entry.subject,
          topic: entry.topic,
          version: raised.get(key)!,
        }),
      );
      return { stored, versions };
    };

    if (tx) {
      const { stored, versions } = await write(tx);
      tx.executionPromise.then(
        () => this.notify(stored, versions),
        () => undefined,
      );
      return stored;
    }
    const { stored, versions } = await this.db.transaction(write);
    this.notify(stored, versions);
    return stored;
  }

  subscribe(listener: DomainEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `afterSequence`, oldest first, optionally for one entity. */
  async list(options: {
    afterSequence?: number;
    entityRef?: string;
    limit?: number;
  }): Promise<PulseDomainEvent[]> {
    const query = this.db<EventRow>(TABLE)
      .where('sequence', '>', options.afterSequence ?? 0)
      .orderBy('sequence')
      .limit(options.limit ?? 500);
    if (options.entityRef) {
      query.andWhere('entity_ref', options.entityRef);
    }
    return (await query).map(fromRow);
  }

  /** Deletes events older than `before`; returns how many. */
  async prune(before: Date): Promise<number> {
    return this.db(TABLE).where('occurred_at', '<', before).delete();
  }

  private notify(events: PulseDomainEvent[], versions: LiveVersion[]) {
    for (const listener of this.listeners) {
      try {
        listener(events, versions);
      } catch (error) {
        this.logger.warn(`A Pulse event listener failed: ${error}`);
      }
    }
  }
}
