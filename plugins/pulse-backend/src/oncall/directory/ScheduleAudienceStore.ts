import { Knex } from 'knex';

const AUDIENCE_TABLE = 'pulse_oncall_schedule_audience';

/** All SQL for who each schedule concerns beyond its members (see `scheduleAudience`). */
export class ScheduleAudienceStore {
  constructor(private readonly db: Knex) {}

  /** The owner refs per schedule id. */
  async load(scheduleIds?: string[]): Promise<Map<string, string[]>> {
    const query = this.db(AUDIENCE_TABLE)
      .select<{ schedule_id: string; owner_ref: string }[]>(
        'schedule_id',
        'owner_ref',
      )
      .orderBy(['schedule_id', 'owner_ref']);
    if (scheduleIds) {
      query.whereIn('schedule_id', scheduleIds);
    }
    const result = new Map<string, string[]>();
    for (const row of await query) {
      const list = result.get(row.schedule_id) ?? [];
      list.push(row.owner_ref);
      result.set(row.schedule_id, list);
    }
    return result;
  }

  async replace(audience: Map<string, string[]>): Promise<void> {
    const rows = [...audience].flatMap(([scheduleId, owners]) =>
      owners.map(owner => ({ schedule_id: scheduleId, owner_ref: owner })),
    );
    await this.db.transaction(async tx => {
      await tx(AUDIENCE_TABLE).delete();
      for (let i = 0; i < rows.length; i += 200) {
        await tx(AUDIENCE_TABLE).insert(rows.slice(i, i + 200));
      }
    });
  }
}
