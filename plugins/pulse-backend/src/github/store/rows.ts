import { Knex } from 'knex';

/** The GitHub domain's tables. */
export const TABLES = {
  hosts: 'pulse_github_hosts',
  repositories: 'pulse_github_repositories',
  etags: 'pulse_github_etags',
  pulls: 'pulse_github_pull_requests',
  reviews: 'pulse_github_reviews',
  commits: 'pulse_github_commits',
  branchCommits: 'pulse_github_branch_commits',
  checks: 'pulse_github_checks',
  runs: 'pulse_github_workflow_runs',
  runAttempts: 'pulse_github_workflow_run_attempts',
  deployments: 'pulse_github_deployments',
  deliveries: 'pulse_github_webhook_deliveries',
  syncRequests: 'pulse_github_sync_requests',
};

/** A date column as the drivers return it: a `Date` on PostgreSQL, a number or string on SQLite. */
export type DbDate = Date | string | number;

/** A nullable date column as a `Date`. */
export function toDate(value: DbDate | null | undefined): Date | null {
  if (value === null || value === undefined) {
    return null;
  }
  return value instanceof Date ? value : new Date(value);
}

/** A required date column as a `Date`. */
export function requireDate(value: DbDate): Date {
  return value instanceof Date ? value : new Date(value);
}

/** A nullable number column (bigints arrive as strings on PostgreSQL) as a number. */
export function toNumberOrNull(
  value: number | string | null | undefined,
): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** A boolean column (SQLite stores 0 and 1) as a boolean. */
export function toBoolean(value: boolean | number | null | undefined): boolean {
  return Boolean(value);
}

/** A JSON text column, parsed. */
export function fromJson<T>(value: string): T {
  return JSON.parse(value);
}

/** A value for a JSON text column. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Rows are written in batches below SQLite's and PostgreSQL's bind-parameter limits. */
export const BATCH = 50;

/** Keys read per `WHERE ... IN` statement. */
export const READ_BATCH = 500;

/** Inserts rows, replacing those whose `conflict` columns match, several rows per statement. */
export async function upsertRows(
  db: Knex,
  table: string,
  rows: Record<string, unknown>[],
  conflict: string[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    await db(table)
      .insert(rows.slice(i, i + BATCH))
      .onConflict(conflict)
      .merge();
  }
}

/** A position in a keyset-paginated list: the sort value and the tie-breaking id. */
export interface KeysetPosition {
  at: number;
  id: number;
}

/** One page of a keyset-paginated list. */
export interface KeysetPage<T> {
  items: T[];
  last?: KeysetPosition;
  more: boolean;
}
