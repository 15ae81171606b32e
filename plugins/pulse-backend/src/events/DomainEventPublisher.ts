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
/** Events per insert statement. */
const INSERT_CHUNK = 200;
const RETURNED = [
  'sequence',
  'id',
  'entity_ref',
  'type',
  'payload',
  'occurred_at',
];

interface EventRow {
  sequence: number | string;
  id: string;
  entity_ref: string | null;
  type: string;
  payload: string;
  occurred_at: Date | string;
}

/** An event row to insert, with where its feed position comes from (see `publish`). */
interface EventInsert {
  id: string;
  entity_ref: string | null;
  type: string;
  payload: string;
  occurred_at: Date;
  /** The subject whose activity version gives the feed position, if the event has one. */
  subject: string | null;
  /** How far below that raised version the event's position is. */
  back: number | null;
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
      // Feed positions: the activity versions this publish takes, in the events' order. Each event
      // of an entity whose activity is raised is `back` positions below the raised version.
      const remaining = new Map<string, number>();
      for (const entry of counts.values()) {
        if (entry.topic === 'activity') {
          remaining.set(entry.subject, entry.count);
        }
      }
      const rows: EventInsert[] = list.map((event, index) => {
        const subject = subjects[index];
        let back: number | null = null;
        if (event.entityRef && subject && remaining.has(subject)) {
          back = remaining.get(subject)! - 1;
          remaining.set(subject, back);
        }
        return {
          id: randomUUID(),
          entity_ref: subject && event.entityRef ? subject : null,
          type: event.type,
          payload: JSON.stringify(event.payload ?? null),
          occurred_at: event.occurredAt ?? new Date(),
          subject: back === null ? null : subject!,
          back,
        };
      });
      const keys = [...counts.values()];
      const { stored, raised } =
        db.client.config.client === 'pg' && keys.length > 0
          ? await this.insertRaisingPostgres(db, keys, rows)
          : await this.insertRaising(db, keys, rows);
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

  /** Raises the versions, then inserts the events with their feed positions. */
  private async insertRaising(
    db: Knex.Transaction,
    keys: Array<VersionKey & { count: number }>,
    rows: EventInsert[],
  ): Promise<{ stored: PulseDomainEvent[]; raised: Map<string, number> }> {
    const raised = await this.versions.raise(db, keys);
    const stored: PulseDomainEvent[] = [];
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const inserted: EventRow[] = await db(TABLE)
        .insert(
          rows.slice(i, i + INSERT_CHUNK).map(({ subject, back, ...row }) => ({
            ...row,
            feed_position:
              subject === null || back === null
                ? null
                : raised.get(versionKey({ subject, topic: 'activity' }))! -
                  back,
          })),
        )
        .returning(RETURNED);
      stored.push(...inserted.map(fromRow));
    }
    return { stored, raised };
  }

  /**
   * On PostgreSQL, raising the versions and inserting the events is one statement (the upsert
   * as a data-modifying `WITH`, the events' feed positions read from what it returns), the last
   * before commit: the version rows, which every change of the same entity waits for, are held
   * for that statement and the commit only, not for one more round trip per statement.
   */
  private async insertRaisingPostgres(
    db: Knex.Transaction,
    keys: Array<VersionKey & { count: number }>,
    rows: EventInsert[],
  ): Promise<{ stored: PulseDomainEvent[]; raised: Map<string, number> }> {
    const source = JSON.stringify(
      rows.map((row, ord) => ({
        ...row,
        occurred_at: row.occurred_at.toISOString(),
        ord,
      })),
    );
    type Raised = Array<[string, string, number | string]>;
    const result: { rows: Array<EventRow & { raised: Raised | string }> } =
      await db.raw(
        `with ?? as (?)
         insert into ?? (id, entity_ref, type, payload, occurred_at, feed_position)
         select e.id, e.entity_ref, e.type, e.payload, e.occurred_at, r.version - e.back
         from json_to_recordset(?::json) as e(
           ord integer, id text, entity_ref text, type text, payload text,
           occurred_at timestamptz, subject text, back bigint)
         left join ?? as r on r.subject = e.subject and r.topic = 'activity'
         order by e.ord
         returning sequence, id, entity_ref, type, payload, occurred_at,
           (select json_agg(json_build_array(subject, topic, version)) from ??) as raised`,
        [
          'raised',
          this.versions.raising(db, keys),
          TABLE,
          source,
          'raised',
          'raised',
        ],
      );
    const raised = new Map<string, number>();
    const [{ raised: returned }] = result.rows;
    const versions: Raised =
      typeof returned === 'string' ? JSON.parse(returned) : returned;
    for (const [subject, topic, version] of versions) {
      raised.set(versionKey({ subject, topic }), Number(version));
    }
    return { stored: result.rows.map(fromRow), raised };
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
