import { Knex } from 'knex';
import { DbDate, toDate } from '../../../database/rows';

const TABLE = 'pulse_heartbeats';

interface HeartbeatRow {
  id: string;
  created_at: DbDate;
  last_ping_at: DbDate | null;
  expired_at: DbDate | null;
}

/** What the database knows of one heartbeat monitor. */
export interface HeartbeatState {
  id: string;
  /** When the monitor was first seen; its first interval counts from here. */
  createdAt: Date;
  lastPingAt: Date | null;
  /** When its missed interval was reported; null while it is alive. */
  expiredAt: Date | null;
}

function fromRow(row: HeartbeatRow): HeartbeatState {
  return {
    id: row.id,
    createdAt: toDate(row.created_at),
    lastPingAt: toDate(row.last_ping_at),
    expiredAt: toDate(row.expired_at),
  };
}

/**
 * All SQL for heartbeat monitors (`pulse_heartbeats`). Every change is a single statement whose
 * `where` re-checks the state it expects, so replicas and a racing ping never undo each other.
 */
export class HeartbeatStore {
  constructor(private readonly db: Knex) {}

  /** Adds rows for monitors seen for the first time; existing rows are left alone. */
  async ensure(ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    await this.db(TABLE)
      .insert(
        ids.map(id => ({
          id,
          created_at: now,
          last_ping_at: null,
          expired_at: null,
        })),
      )
      .onConflict('id')
      .ignore();
  }

  async get(id: string): Promise<HeartbeatState | undefined> {
    const row = await this.db<HeartbeatRow>(TABLE).where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  async list(ids: string[]): Promise<HeartbeatState[]> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await this.db<HeartbeatRow>(TABLE).whereIn('id', ids);
    return rows.map(fromRow);
  }

  /** Records a ping and returns the monitor's state after it. */
  async recordPing(id: string, now: Date): Promise<HeartbeatState> {
    await this.db(TABLE)
      .insert({ id, created_at: now, last_ping_at: now, expired_at: null })
      .onConflict('id')
      .merge({ last_ping_at: now });
    return (await this.get(id))!;
  }

  /**
   * Marks the monitor expired, only if it still is: not already marked, and no ping since
   * `cutoff` (now minus its interval). False when a ping or another replica got there first.
   */
  async markExpired(id: string, cutoff: Date, now: Date): Promise<boolean> {
    const updated = await this.db(TABLE)
      .where({ id })
      .whereNull('expired_at')
      .where(query =>
        query
          .where(q =>
            q.whereNull('last_ping_at').where('created_at', '<', cutoff),
          )
          .orWhere('last_ping_at', '<', cutoff),
      )
      .update({ expired_at: now });
    return updated > 0;
  }

  /** Clears the expired mark after the monitor's incident was resolved. */
  async clearExpired(id: string): Promise<void> {
    await this.db(TABLE)
      .where({ id })
      .whereNotNull('expired_at')
      .update({ expired_at: null });
  }

  /**
   * Forgets monitors that are no longer configured and have not been pinged (or, never pinged,
   * were first seen) since `silentSince`; up to `limit` a call. A configured monitor is kept
   * whatever its age. Returns how many went.
   */
  async deleteUnconfigured(
    configuredIds: string[],
    silentSince: Date,
    limit: number,
  ): Promise<number> {
    const forgettable = (query: Knex.QueryBuilder) =>
      query
        .whereNotIn('id', configuredIds)
        .where(silent =>
          silent
            .where(q =>
              q.whereNull('last_ping_at').where('created_at', '<', silentSince),
            )
            .orWhere('last_ping_at', '<', silentSince),
        );
    const ids = await forgettable(this.db(TABLE))
      .orderBy('id')
      .limit(limit)
      .pluck('id');
    if (ids.length === 0) {
      return 0;
    }
    // Checked again: a replica still configured with the monitor may have recorded a ping.
    return forgettable(this.db(TABLE).whereIn('id', ids)).delete();
  }
}
