import { Knex } from 'knex';
import { toDate } from '../../database/rows';

const TABLE = 'pulse_oncall_engine_status';

/** Which of the engine's runs: the regular run or the watchdog. */
export type EngineRunKind = 'escalation' | 'watchdog';

/** When a kind of run last completed, on which replica, and how long it took. */
export interface EngineRun {
  kind: EngineRunKind;
  at: Date;
  by: string;
  durationMs: number;
}

/** All SQL for the escalation engine's run status (`pulse_oncall_engine_status`). */
export class EngineStatusStore {
  constructor(private readonly db: Knex) {}

  /** Records a completed run; the latest of each kind is kept. */
  async recordRun(run: EngineRun): Promise<void> {
    await this.db(TABLE)
      .insert({
        id: run.kind,
        last_run_at: run.at,
        last_run_by: run.by,
        last_run_ms: run.durationMs,
      })
      .onConflict('id')
      .merge();
  }

  /** The latest completed run of each kind that ever ran. */
  async lastRuns(): Promise<Map<EngineRunKind, EngineRun>> {
    const rows = await this.db(TABLE).select();
    return new Map(
      rows.map(row => [
        row.id as EngineRunKind,
        {
          kind: row.id as EngineRunKind,
          at: toDate(row.last_run_at),
          by: row.last_run_by,
          durationMs: Number(row.last_run_ms),
        },
      ]),
    );
  }
}
