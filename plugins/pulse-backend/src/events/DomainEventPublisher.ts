import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NewPulseDomainEvent,
  PulseDomainEvent,
} from '@internal/plugin-pulse-common';
import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';

const TABLE = 'pulse_events';

interface EventRow {
  sequence: number | string;
  id: string;
  entity_ref: string | null;
  type: string;
  payload: string;
  occurred_at: Date | string;
}

/** Receives every event after it is committed. */
export type DomainEventListener = (events: PulseDomainEvent[]) => void;

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
 * (inside the caller's transaction when one is given) and handed to listeners once committed.
 */
export class DomainEventPublisher {
  private readonly listeners = new Set<DomainEventListener>();

  constructor(
    private readonly db: Knex,
    private readonly logger: LoggerService,
  ) {}

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
    const rows = list.map(event => ({
      id: randomUUID(),
      entity_ref: event.entityRef,
      type: event.type,
      payload: JSON.stringify(event.payload ?? null),
      occurred_at: event.occurredAt ?? new Date(),
    }));
    const db = tx ?? this.db;
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

    if (tx) {
      tx.executionPromise.then(
        () => this.notify(stored),
        () => undefined,
      );
    } else {
      this.notify(stored);
    }
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

  private notify(events: PulseDomainEvent[]) {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (error) {
        this.logger.warn(`A Pulse event listener failed: ${error}`);
      }
    }
  }
}
