import { Knex } from 'knex';
import { toDate } from '../../database/rows';

const TABLE = 'pulse_oncall_schedule_state';

/** Who was last seen on call on a schedule, and since when. */
export interface LastSeenOnCall {
  userRef: string | null;
  since: Date;
}

/** All SQL for who was last seen on call per schedule (`pulse_oncall_schedule_state`): handoffs. */
export class ScheduleStateStore {
  constructor(private readonly db: Knex) {}

  transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Who was last seen on call, per schedule id. */
  async lastSeen(): Promise<Map<string, LastSeenOnCall>> {
    const rows = await this.db(TABLE).select();
    return new Map(
      rows.map(row => [
        row.schedule_id,
        { userRef: row.user_ref, since: toDate(row.since) },
      ]),
    );
  }

  /** Records the first sighting of a schedule; a row already there (another replica's) stays. */
  async recordFirstSeen(
    scheduleId: string,
    userRef: string | null,
    since: Date,
  ): Promise<void> {
    await this.db(TABLE)
      .insert({ schedule_id: scheduleId, user_ref: userRef, since })
      .onConflict('schedule_id')
      .ignore();
  }

  /**
   * Moves the schedule from `from` to `to`, only if it is still at `from`: true for the one
   * caller (of any replica) that made the change, which then publishes the handoff in `tx`.
   */
  async handOver(
    tx: Knex.Transaction,
    scheduleId: string,
    from: string | null,
    to: string | null,
    since: Date,
  ): Promise<boolean> {
    const changed = await tx(TABLE)
      .where({ schedule_id: scheduleId, user_ref: from })
      .update({ user_ref: to, since });
    return changed === 1;
  }
}
