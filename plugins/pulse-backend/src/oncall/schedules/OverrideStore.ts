import { ScheduleOverride } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { Db, toDate } from '../../database/rows';

const TABLE = 'pulse_oncall_overrides';

interface OverrideRow {
  id: string;
  schedule_id: string;
  user_ref: string;
  start_at: Date | string | number;
  end_at: Date | string | number;
  layer_id: string | null;
  created_by: string;
  created_at: Date | string | number;
}

function fromRow(row: OverrideRow): ScheduleOverride {
  return {
    id: row.id,
    scheduleId: row.schedule_id,
    userRef: row.user_ref,
    start: toDate(row.start_at).toISOString(),
    end: toDate(row.end_at).toISOString(),
    layerId: row.layer_id,
    createdBy: row.created_by,
    createdAt: toDate(row.created_at).toISOString(),
  };
}

/** All SQL for schedule overrides. */
export class OverrideStore {
  constructor(private readonly db: Knex) {}

  transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Overrides overlapping [from, to), by start; all of a schedule's when no window is given. */
  async list(options: {
    scheduleId?: string;
    from?: Date;
    to?: Date;
  }): Promise<ScheduleOverride[]> {
    const query = this.db<OverrideRow>(TABLE).orderBy([
      { column: 'start_at' },
      { column: 'id' },
    ]);
    if (options.scheduleId) {
      query.where({ schedule_id: options.scheduleId });
    }
    if (options.from) {
      query.where('end_at', '>', options.from);
    }
    if (options.to) {
      query.where('start_at', '<', options.to);
    }
    return (await query).map(fromRow);
  }

  async get(
    scheduleId: string,
    id: string,
    tx: Db = this.db,
  ): Promise<ScheduleOverride | undefined> {
    const row = await tx<OverrideRow>(TABLE)
      .where({ schedule_id: scheduleId, id })
      .first();
    return row ? fromRow(row) : undefined;
  }

  async insert(tx: Db, override: ScheduleOverride): Promise<void> {
    await tx(TABLE).insert({
      id: override.id,
      schedule_id: override.scheduleId,
      user_ref: override.userRef,
      start_at: new Date(override.start),
      end_at: new Date(override.end),
      layer_id: override.layerId,
      created_by: override.createdBy,
      created_at: new Date(override.createdAt),
    });
  }

  async delete(tx: Db, scheduleId: string, id: string): Promise<boolean> {
    const count = await tx(TABLE)
      .where({ schedule_id: scheduleId, id })
      .delete();
    return count > 0;
  }

  /**
   * Deletes up to `limit` overrides that ended before `cutoff`, oldest first; returns how many.
   * An override still running or to come is never deleted.
   */
  async deleteEndedBefore(cutoff: Date, limit: number): Promise<number> {
    const ids = await this.db(TABLE)
      .where('end_at', '<', cutoff)
      .orderBy('end_at')
      .limit(limit)
      .pluck('id');
    if (ids.length === 0) {
      return 0;
    }
    return this.db(TABLE)
      .whereIn('id', ids)
      .where('end_at', '<', cutoff)
      .delete();
  }
}
