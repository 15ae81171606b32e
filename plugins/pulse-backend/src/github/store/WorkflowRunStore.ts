import { WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { isRunUpdate, RunVersion } from '../derive';
import { WorkflowRunRecord } from '../githubRecords';
import {
  DbDate,
  KeysetPage,
  KeysetPosition,
  READ_BATCH,
  requireDate,
  TABLES,
  toDate,
  upsertRows,
} from './rows';

interface RunRow {
  repository_id: number;
  id: number | string;
  workflow_id: number | string;
  workflow_name: string;
  name: string;
  branch: string;
  event: string;
  status: string;
  conclusion: string | null;
  run_attempt: number;
  head_sha: string;
  created_at: DbDate;
  started_at: DbDate | null;
  completed_at: DbDate | null;
  updated_at: DbDate;
  html_url: string;
}

function runRecordFromRow(row: RunRow): WorkflowRunRecord {
  return {
    id: Number(row.id),
    workflowId: Number(row.workflow_id),
    workflowName: row.workflow_name,
    name: row.name,
    branch: row.branch,
    event: row.event,
    status: row.status as WorkflowRun['status'],
    conclusion: row.conclusion as WorkflowRun['conclusion'],
    runAttempt: Number(row.run_attempt),
    headSha: row.head_sha,
    createdAt: requireDate(row.created_at),
    startedAt: toDate(row.started_at),
    completedAt: toDate(row.completed_at),
    updatedAt: requireDate(row.updated_at),
    htmlUrl: row.html_url,
  };
}

interface AttemptRow {
  repository_id: number;
  run_id: number | string;
  attempt: number | string;
  workflow_id: number | string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: DbDate | null;
  completed_at: DbDate | null;
  updated_at: DbDate;
}

/** One attempt of a workflow run: a re-run keeps the run id and raises the attempt number. */
export interface WorkflowRunAttemptRecord {
  runId: number;
  attempt: number;
  workflowId: number;
  headSha: string;
  status: WorkflowRun['status'];
  conclusion: WorkflowRun['conclusion'];
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
}

/** The attempt a run record describes (a run as read from GitHub is its latest attempt). */
export function attemptOfRun(run: WorkflowRunRecord): WorkflowRunAttemptRecord {
  return {
    runId: run.id,
    attempt: run.runAttempt,
    workflowId: run.workflowId,
    headSha: run.headSha,
    status: run.status,
    conclusion: run.conclusion,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
    updatedAt: run.updatedAt,
  };
}

function attemptRecordFromRow(row: AttemptRow): WorkflowRunAttemptRecord {
  return {
    runId: Number(row.run_id),
    attempt: Number(row.attempt),
    workflowId: Number(row.workflow_id),
    headSha: row.head_sha,
    status: row.status as WorkflowRun['status'],
    conclusion: row.conclusion as WorkflowRun['conclusion'],
    startedAt: toDate(row.started_at),
    completedAt: toDate(row.completed_at),
    updatedAt: requireDate(row.updated_at),
  };
}

const attemptKey = (runId: number, attempt: number) => `${runId}:${attempt}`;

/** Workflow run list filters. */
export interface WorkflowRunFilter {
  branch?: string;
  workflow?: { id: number } | { name: string };
  status?: string;
  conclusion?: string;
}

/** Workflow runs. */
export class WorkflowRunStore {
  constructor(private readonly db: Knex) {}

  // -------------------------------------------------------------------------------------------
  // Workflow runs

  async getRunVersions(
    repositoryId: number,
    ids: number[],
  ): Promise<Map<number, RunVersion>> {
    const result = new Map<number, RunVersion>();
    for (let i = 0; i < ids.length; i += READ_BATCH) {
      const rows = await this.db(TABLES.runs)
        .where({ repository_id: repositoryId })
        .whereIn('id', ids.slice(i, i + READ_BATCH))
        .select('id', 'run_attempt', 'updated_at', 'status');
      for (const row of rows) {
        result.set(Number(row.id), {
          runAttempt: Number(row.run_attempt),
          updatedAt: requireDate(row.updated_at),
          status: row.status,
        });
      }
    }
    return result;
  }

  async upsertRuns(
    repositoryId: number,
    runs: WorkflowRunRecord[],
  ): Promise<void> {
    const rows = runs.map(run => ({
      repository_id: repositoryId,
      id: run.id,
      workflow_id: run.workflowId,
      workflow_name: run.workflowName.slice(0, 255),
      name: run.name,
      branch: run.branch.slice(0, 255),
      event: run.event.slice(0, 50),
      status: run.status,
      conclusion: run.conclusion,
      run_attempt: run.runAttempt,
      head_sha: run.headSha,
      created_at: run.createdAt,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      updated_at: run.updatedAt,
      html_url: run.htmlUrl,
    }));
    await upsertRows(this.db, TABLES.runs, rows, ['repository_id', 'id']);
  }

  // -------------------------------------------------------------------------------------------
  // Attempts

  /**
   * Stores each run's attempt unless the stored copy of that attempt is as new; an attempt read
   * late (an older attempt's webhook after a re-run) still lands. Returns how many were written.
   */
  async recordAttempts(
    repositoryId: number,
    attempts: WorkflowRunAttemptRecord[],
  ): Promise<number> {
    const newest = new Map<string, WorkflowRunAttemptRecord>();
    for (const attempt of attempts) {
      const key = attemptKey(attempt.runId, attempt.attempt);
      const seen = newest.get(key);
      if (!seen || isRunUpdate(attemptVersion(seen), attemptVersion(attempt))) {
        newest.set(key, attempt);
      }
    }
    const stored = await this.getAttempts(repositoryId, [
      ...new Set([...newest.values()].map(a => a.runId)),
    ]);
    const storedByKey = new Map(
      stored.map(a => [attemptKey(a.runId, a.attempt), a]),
    );
    const changed = [...newest].filter(([key, attempt]) => {
      const existing = storedByKey.get(key);
      return (
        !existing ||
        isRunUpdate(attemptVersion(existing), attemptVersion(attempt))
      );
    });
    await upsertRows(
      this.db,
      TABLES.runAttempts,
      changed.map(([, attempt]) => ({
        repository_id: repositoryId,
        run_id: attempt.runId,
        attempt: attempt.attempt,
        workflow_id: attempt.workflowId,
        head_sha: attempt.headSha,
        status: attempt.status,
        conclusion: attempt.conclusion,
        started_at: attempt.startedAt,
        completed_at: attempt.completedAt,
        updated_at: attempt.updatedAt,
      })),
      ['repository_id', 'run_id', 'attempt'],
    );
    return changed.length;
  }

  /** The stored attempts of these runs, by run and attempt number. */
  async getAttempts(
    repositoryId: number,
    runIds: number[],
  ): Promise<WorkflowRunAttemptRecord[]> {
    const result: WorkflowRunAttemptRecord[] = [];
    for (let i = 0; i < runIds.length; i += READ_BATCH) {
      const rows = await this.db<AttemptRow>(TABLES.runAttempts)
        .where({ repository_id: repositoryId })
        .whereIn('run_id', runIds.slice(i, i + READ_BATCH))
        .orderBy(['run_id', 'attempt']);
      result.push(...rows.map(attemptRecordFromRow));
    }
    return result.sort((a, b) => a.runId - b.runId || a.attempt - b.attempt);
  }

  /** The earlier attempts (before each run's latest) that are not stored yet. */
  async missingEarlierAttempts(
    repositoryId: number,
    runs: Array<{ id: number; runAttempt: number }>,
  ): Promise<Array<{ runId: number; attempt: number }>> {
    const rerun = runs.filter(run => run.runAttempt > 1);
    const stored = new Set(
      (
        await this.getAttempts(
          repositoryId,
          rerun.map(run => run.id),
        )
      ).map(a => attemptKey(a.runId, a.attempt)),
    );
    return rerun.flatMap(run =>
      Array.from({ length: run.runAttempt - 1 }, (_, i) => i + 1)
        .filter(attempt => !stored.has(attemptKey(run.id, attempt)))
        .map(attempt => ({ runId: run.id, attempt })),
    );
  }

  /** The creation time of the oldest run created since `since` that has not completed. */
  async oldestIncompleteRunSince(
    repositoryId: number,
    since: Date,
  ): Promise<Date | null> {
    const row = await this.db(TABLES.runs)
      .where({ repository_id: repositoryId })
      .andWhereNot({ status: 'completed' })
      .andWhere('created_at', '>=', since)
      .min({ at: 'created_at' })
      .first();
    return toDate(row?.at);
  }

  async newestRunCreatedAt(repositoryId: number): Promise<Date | null> {
    const row = await this.db(TABLES.runs)
      .where({ repository_id: repositoryId })
      .max({ at: 'created_at' })
      .first();
    return toDate(row?.at);
  }

  async listWorkflowRuns(
    repositoryId: number,
    options: {
      filter: WorkflowRunFilter;
      limit: number;
      after?: KeysetPosition;
    },
  ): Promise<KeysetPage<WorkflowRunRecord>> {
    const { filter } = options;
    const query = this.db<RunRow>(TABLES.runs).where({
      repository_id: repositoryId,
    });
    if (filter.branch !== undefined) {
      query.andWhere({ branch: filter.branch });
    }
    if (filter.workflow && 'id' in filter.workflow) {
      query.andWhere({ workflow_id: filter.workflow.id });
    } else if (filter.workflow) {
      query.andWhere({ workflow_name: filter.workflow.name });
    }
    if (filter.status !== undefined) {
      query.andWhere({ status: filter.status });
    }
    if (filter.conclusion !== undefined) {
      query.andWhere({ conclusion: filter.conclusion });
    }
    if (options.after) {
      const at = new Date(options.after.at);
      const id = options.after.id;
      query.andWhere(q =>
        q
          .where('created_at', '<', at)
          .orWhere(q2 =>
            q2.where('created_at', '=', at).andWhere('id', '<', id),
          ),
      );
    }
    const rows = await query
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit + 1);
    const more = rows.length > options.limit;
    const page = rows.slice(0, options.limit);
    const lastRow = page[page.length - 1];
    return {
      items: page.map(runRecordFromRow),
      more,
      last: lastRow
        ? {
            at: requireDate(lastRow.created_at).getTime(),
            id: Number(lastRow.id),
          }
        : undefined,
    };
  }

  /** Every workflow that has runs, with the name of its newest run (one query). */
  async listWorkflows(
    repositoryId: number,
  ): Promise<Array<{ id: number; name: string }>> {
    const rows: Array<{ workflow_id: number | string; workflow_name: string }> =
      await this.db(`${TABLES.runs} as r`)
        .where('r.repository_id', repositoryId)
        .where(
          'r.created_at',
          this.db(`${TABLES.runs} as newest`)
            .max('newest.created_at')
            .where('newest.repository_id', repositoryId)
            .whereRaw('?? = ??', ['newest.workflow_id', 'r.workflow_id']),
        )
        .select('r.workflow_id', 'r.workflow_name');
    const byId = new Map<number, string>();
    for (const row of rows) {
      const id = Number(row.workflow_id);
      if (!byId.has(id)) {
        byId.set(id, row.workflow_name);
      }
    }
    return [...byId]
      .map(([id, name]) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  }

  /**
   * A workflow's runs on a branch, newest first: the latest run and the newest `sampleSize`
   * completed ones.
   */
  async workflowRunsForSummary(
    repositoryId: number,
    workflowId: number,
    branch: string,
    sampleSize: number,
  ): Promise<WorkflowRunRecord[]> {
    const runs = await this.workflowRunsForSummaries(
      repositoryId,
      [workflowId],
      branch,
      sampleSize,
    );
    return runs.get(workflowId) ?? [];
  }

  /**
   * {@link WorkflowRunStore.workflowRunsForSummary} for several workflows at once: one statement of
   * two index-ordered parts per workflow.
   */
  async workflowRunsForSummaries(
    repositoryId: number,
    workflowIds: number[],
    branch: string,
    sampleSize: number,
  ): Promise<Map<number, WorkflowRunRecord[]>> {
    const result = new Map<number, WorkflowRunRecord[]>(
      workflowIds.map(id => [id, []]),
    );
    if (workflowIds.length === 0) {
      return result;
    }
    const part = (workflowId: number, completed: boolean) => {
      const query = this.db<RunRow>(TABLES.runs)
        .where({ repository_id: repositoryId, workflow_id: workflowId, branch })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(completed ? sampleSize : 1)
        .select('*', this.db.raw('? as summary_part', [completed ? 1 : 0]));
      if (completed) {
        query.andWhere({ status: 'completed' });
      }
      // SQLite takes ORDER BY and LIMIT in a compound statement only inside a subquery.
      return this.db
        .select('*')
        .from(query.as(`p${workflowId}_${completed ? 1 : 0}`));
    };
    const rows: Array<RunRow & { summary_part: number | string }> = [];
    // SQLite allows at most 500 parts in one compound statement.
    for (let i = 0; i < workflowIds.length; i += 100) {
      const [first, ...rest] = workflowIds
        .slice(i, i + 100)
        .flatMap(id => [part(id, false), part(id, true)]);
      rows.push(...(await first.unionAll(rest)));
    }
    const latest = new Map<number, RunRow>();
    const completed = new Map<number, RunRow[]>();
    for (const row of rows) {
      const workflowId = Number(row.workflow_id);
      if (Number(row.summary_part) === 0) {
        latest.set(workflowId, row);
      } else {
        const list = completed.get(workflowId) ?? [];
        list.push(row);
        completed.set(workflowId, list);
      }
    }
    const newestFirst = (a: RunRow, b: RunRow) =>
      requireDate(b.created_at).getTime() -
        requireDate(a.created_at).getTime() || Number(b.id) - Number(a.id);
    for (const workflowId of workflowIds) {
      const done = (completed.get(workflowId) ?? []).sort(newestFirst);
      const newest = latest.get(workflowId);
      const rowsOf =
        newest && newest.status !== 'completed' ? [newest, ...done] : done;
      result.set(workflowId, rowsOf.map(runRecordFromRow));
    }
    return result;
  }

  /** Deletes completed runs not updated since `before`, with their attempts; returns how many runs. */
  async deleteExpired(before: Date): Promise<number> {
    const runs = await this.db(TABLES.runs)
      .where({ status: 'completed' })
      .andWhere('updated_at', '<', before)
      .delete();
    await this.db(TABLES.runAttempts)
      .whereNotExists(
        this.db(TABLES.runs)
          .select(this.db.raw('1'))
          .whereRaw('?? = ??', [
            `${TABLES.runs}.repository_id`,
            `${TABLES.runAttempts}.repository_id`,
          ])
          .andWhereRaw('?? = ??', [
            `${TABLES.runs}.id`,
            `${TABLES.runAttempts}.run_id`,
          ]),
      )
      .delete();
    return runs;
  }
}

function attemptVersion(attempt: WorkflowRunAttemptRecord): RunVersion {
  return {
    runAttempt: attempt.attempt,
    updatedAt: attempt.updatedAt,
    status: attempt.status,
  };
}
