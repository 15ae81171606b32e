import {
  CiState,
  PullRequest,
  ReviewDecision,
  SyncStatus,
  WorkflowRun,
} from '@internal/plugin-pulse-common';
import { Knex } from 'knex';
import { toApiPullRequest, toApiWorkflowRun } from './apiShapes';
import { CheckFacts, combineCiStates, RunVersion } from './derive';
import {
  CheckRecord,
  DeploymentRecord,
  PullRequestRecord,
  ReviewRecord,
  WorkflowRunRecord,
} from './mapping';

const T = {
  hosts: 'pulse_github_hosts',
  repositories: 'pulse_github_repositories',
  etags: 'pulse_github_etags',
  pulls: 'pulse_github_pull_requests',
  reviews: 'pulse_github_reviews',
  commits: 'pulse_github_commits',
  checks: 'pulse_github_checks',
  runs: 'pulse_github_workflow_runs',
  deployments: 'pulse_github_deployments',
  deliveries: 'pulse_github_webhook_deliveries',
  syncRequests: 'pulse_github_sync_requests',
};

type DbDate = Date | string | number;

function toDate(value: DbDate | null | undefined): Date | null {
  if (value === null || value === undefined) {
    return null;
  }
  return value instanceof Date ? value : new Date(value);
}

function requireDate(value: DbDate): Date {
  return value instanceof Date ? value : new Date(value);
}

/** Rows are written in batches below SQLite's and PostgreSQL's bind-parameter limits. */
const BATCH = 50;

/** The sync state of a repository. */
export type RepositorySyncState = Exclude<SyncStatus['state'], 'paused'>;

/** A repository Pulse syncs, with its sync state. */
export interface SyncedRepository {
  id: number;
  host: string;
  /** `owner/name`, lower case. */
  slug: string;
  githubId: number | null;
  defaultBranch: string | null;
  state: RepositorySyncState | 'paused';
  backfillComplete: boolean;
  progressPercent: number;
  itemsSynced: number;
  pullsCursor: Date | null;
  runsCursor: Date | null;
  deploymentsCursor: Date | null;
  lastSyncedAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: { message: string; at: Date } | null;
  consecutiveFailures: number;
  nextAttemptAt: Date | null;
  syncRequestedAt: Date | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
}

interface RepositoryRow {
  id: number;
  host: string;
  slug: string;
  github_id: number | string | null;
  default_branch: string | null;
  state: string;
  backfill_complete: boolean | number;
  progress_percent: number;
  items_synced: number;
  pulls_cursor: DbDate | null;
  runs_cursor: DbDate | null;
  deployments_cursor: DbDate | null;
  last_synced_at: DbDate | null;
  last_attempt_at: DbDate | null;
  last_error_message: string | null;
  last_error_at: DbDate | null;
  consecutive_failures: number;
  next_attempt_at: DbDate | null;
  sync_requested_at: DbDate | null;
  lease_owner: string | null;
  lease_until: DbDate | null;
  created_at: DbDate;
}

function repositoryFromRow(row: RepositoryRow): SyncedRepository {
  const lastErrorAt = toDate(row.last_error_at);
  return {
    id: Number(row.id),
    host: row.host,
    slug: row.slug,
    githubId: row.github_id === null ? null : Number(row.github_id),
    defaultBranch: row.default_branch,
    state: row.state as SyncedRepository['state'],
    backfillComplete: Boolean(row.backfill_complete),
    progressPercent: Number(row.progress_percent),
    itemsSynced: Number(row.items_synced),
    pullsCursor: toDate(row.pulls_cursor),
    runsCursor: toDate(row.runs_cursor),
    deploymentsCursor: toDate(row.deployments_cursor),
    lastSyncedAt: toDate(row.last_synced_at),
    lastAttemptAt: toDate(row.last_attempt_at),
    lastError:
      row.last_error_message && lastErrorAt
        ? { message: row.last_error_message, at: lastErrorAt }
        : null,
    consecutiveFailures: Number(row.consecutive_failures),
    nextAttemptAt: toDate(row.next_attempt_at),
    syncRequestedAt: toDate(row.sync_requested_at),
    leaseOwner: row.lease_owner,
    leaseUntil: toDate(row.lease_until),
    createdAt: requireDate(row.created_at),
  };
}

/** Changes to a repository's sync state. */
export interface RepositoryPatch {
  githubId?: number | null;
  defaultBranch?: string | null;
  state?: SyncedRepository['state'];
  backfillComplete?: boolean;
  progressPercent?: number;
  itemsSynced?: number;
  pullsCursor?: Date | null;
  runsCursor?: Date | null;
  deploymentsCursor?: Date | null;
  lastSyncedAt?: Date | null;
  lastAttemptAt?: Date | null;
  lastError?: { message: string; at: Date } | null;
  consecutiveFailures?: number;
  nextAttemptAt?: Date | null;
  syncRequestedAt?: Date | null;
}

function patchToRow(patch: RepositoryPatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const columns: Array<[keyof RepositoryPatch, string]> = [
    ['githubId', 'github_id'],
    ['defaultBranch', 'default_branch'],
    ['state', 'state'],
    ['backfillComplete', 'backfill_complete'],
    ['progressPercent', 'progress_percent'],
    ['itemsSynced', 'items_synced'],
    ['pullsCursor', 'pulls_cursor'],
    ['runsCursor', 'runs_cursor'],
    ['deploymentsCursor', 'deployments_cursor'],
    ['lastSyncedAt', 'last_synced_at'],
    ['lastAttemptAt', 'last_attempt_at'],
    ['consecutiveFailures', 'consecutive_failures'],
    ['nextAttemptAt', 'next_attempt_at'],
    ['syncRequestedAt', 'sync_requested_at'],
  ];
  for (const [key, column] of columns) {
    if (patch[key] !== undefined) {
      row[column] = patch[key];
    }
  }
  if (patch.lastError !== undefined) {
    row.last_error_message = patch.lastError?.message.slice(0, 2000) ?? null;
    row.last_error_at = patch.lastError?.at ?? null;
  }
  return row;
}

/** What Pulse derives for a pull request (reviews, CI). */
export interface PullDerived {
  firstReviewAt: Date | null;
  reviewDecision: ReviewDecision | null;
  ciState: CiState;
}

/** Rate-limit bookkeeping of a GitHub host. */
export interface HostRateState {
  host: string;
  limit: number | null;
  remaining: number | null;
  resetAt: Date | null;
  pausedUntil: Date | null;
}

/** A stored ETag and the request it belongs to. */
export interface StoredEtag {
  requestKey: string;
  etag: string;
}

interface PullRow {
  repository_id: number;
  number: number;
  github_id: number | string;
  title: string;
  author_login: string;
  author_avatar_url: string | null;
  draft: boolean | number;
  state: string;
  labels: string;
  additions: number;
  deletions: number;
  changed_files: number;
  created_at: DbDate;
  updated_at: DbDate;
  first_review_at: DbDate | null;
  merged_at: DbDate | null;
  closed_at: DbDate | null;
  head_sha: string;
  head_ref: string;
  base_ref: string;
  review_decision: string | null;
  ci_state: string;
  html_url: string;
  reviews_synced: boolean | number;
}

function pullRecordFromRow(row: PullRow): PullRequestRecord {
  return {
    number: Number(row.number),
    githubId: Number(row.github_id),
    title: row.title,
    authorLogin: row.author_login,
    authorAvatarUrl: row.author_avatar_url,
    draft: Boolean(row.draft),
    state: row.state as PullRequestRecord['state'],
    labels: JSON.parse(row.labels),
    additions: Number(row.additions),
    deletions: Number(row.deletions),
    changedFiles: Number(row.changed_files),
    createdAt: requireDate(row.created_at),
    updatedAt: requireDate(row.updated_at),
    mergedAt: toDate(row.merged_at),
    closedAt: toDate(row.closed_at),
    headSha: row.head_sha,
    headRef: row.head_ref,
    baseRef: row.base_ref,
    htmlUrl: row.html_url,
  };
}

function pullFromRow(row: PullRow): PullRequest {
  return toApiPullRequest(pullRecordFromRow(row), {
    firstReviewAt: toDate(row.first_review_at),
    reviewDecision: row.review_decision as ReviewDecision | null,
    ciState: row.ci_state as CiState,
  });
}

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

/** The state of a pull request that tells whether a list item describes a newer version. */
export interface StoredPullHeader {
  updatedAt: Date;
  headSha: string;
  state: string;
  /** False while the pull request holds only the reviews webhooks brought. */
  reviewsSynced: boolean;
}

/** A stored deployment and its latest status. */
export interface StoredDeployment extends DeploymentRecord {
  state: string | null;
  statusId: number | null;
  statusAt: Date | null;
  statusesEtag: string | null;
}

/** Pull request list filters. */
export type PullRequestStateFilter = 'open' | 'merged' | 'closed' | 'all';

/** A position in a keyset-paginated list: the sort value and the tie-breaking id. */
export interface KeysetPosition {
  at: number;
  id: number;
}

/** Workflow run list filters. */
export interface WorkflowRunFilter {
  branch?: string;
  workflow?: { id: number } | { name: string };
  status?: string;
  conclusion?: string;
}

/** All SQL of the GitHub domain. */
export class GithubStore {
  constructor(private readonly db: Knex) {}

  /** Runs `fn` in one transaction with a store bound to it. */
  async transaction<R>(
    fn: (store: GithubStore, tx: Knex.Transaction) => Promise<R>,
  ): Promise<R> {
    return this.db.transaction(tx => fn(new GithubStore(tx), tx));
  }

  /** Inserts rows, replacing those whose `conflict` columns match, several rows per statement. */
  private async upsertRows(
    table: string,
    rows: Record<string, unknown>[],
    conflict: string[],
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.db(table)
        .insert(rows.slice(i, i + BATCH))
        .onConflict(conflict)
        .merge();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Repositories

  /** Makes sure every repository has a row; returns all of them. */
  async ensureRepositories(
    repositories: Array<{ host: string; slug: string }>,
    now: Date,
  ): Promise<SyncedRepository[]> {
    const unique = new Map<string, { host: string; slug: string }>();
    for (const repo of repositories) {
      const slug = repo.slug.toLowerCase();
      unique.set(`${repo.host} ${slug}`, { host: repo.host, slug });
    }
    const existing = await this.listRepositories();
    for (const row of existing) {
      unique.delete(`${row.host} ${row.slug}`);
    }
    if (unique.size === 0) {
      return existing;
    }
    // Only rows that are missing are written: a reload of an unchanged tracked set is one read.
    const rows = [...unique.values()].map(repo => ({
      ...repo,
      created_at: now,
    }));
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.db(T.repositories)
        .insert(rows.slice(i, i + BATCH))
        .onConflict(['host', 'slug'])
        .ignore();
    }
    return this.listRepositories();
  }

  async listRepositories(): Promise<SyncedRepository[]> {
    const rows = await this.db<RepositoryRow>(T.repositories).orderBy('id');
    return rows.map(repositoryFromRow);
  }

  async getRepository(
    host: string,
    slug: string,
  ): Promise<SyncedRepository | undefined> {
    const row = await this.db<RepositoryRow>(T.repositories)
      .where({ host, slug: slug.toLowerCase() })
      .first();
    return row ? repositoryFromRow(row) : undefined;
  }

  async getRepositoryById(id: number): Promise<SyncedRepository | undefined> {
    const row = await this.db<RepositoryRow>(T.repositories)
      .where({ id })
      .first();
    return row ? repositoryFromRow(row) : undefined;
  }

  async updateRepository(id: number, patch: RepositoryPatch): Promise<void> {
    const row = patchToRow(patch);
    if (Object.keys(row).length > 0) {
      await this.db(T.repositories).where({ id }).update(row);
    }
  }

  /**
   * Takes the sync lease of a repository unless another holder's lease is still running, so that
   * one repository is never synced twice at once, across replicas too.
   */
  async claimRepository(
    id: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<boolean> {
    const updated = await this.db(T.repositories)
      .where({ id })
      .andWhere(q =>
        q
          .whereNull('lease_until')
          .orWhere('lease_until', '<', now)
          .orWhere('lease_owner', owner),
      )
      .update({
        lease_owner: owner,
        lease_until: new Date(now.getTime() + leaseMs),
      });
    return updated === 1;
  }

  /** Extends a lease its owner still holds; false when another holder has taken it over. */
  async renewLease(
    id: number,
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<boolean> {
    const updated = await this.db(T.repositories)
      .where({ id, lease_owner: owner })
      .update({ lease_until: new Date(now.getTime() + leaseMs) });
    return updated === 1;
  }

  /**
   * Whether `owner` still holds the repository's lease. Called first in a sync's transactions:
   * on PostgreSQL the row stays locked until the transaction ends, so a takeover waits for it,
   * and a transaction that begins after a takeover writes nothing.
   */
  async holdsLease(id: number, owner: string): Promise<boolean> {
    const query = this.db(T.repositories).where({ id }).first('lease_owner');
    if (this.db.client.config.client === 'pg') {
      query.forUpdate();
    }
    const row = await query;
    return row?.lease_owner === owner;
  }

  async releaseRepository(id: number, owner: string): Promise<void> {
    await this.db(T.repositories)
      .where({ id, lease_owner: owner })
      .update({ lease_owner: null, lease_until: null });
  }

  /**
   * Deletes repositories (and all their data) that are not in `keep` and have not been synced
   * since `notSyncedSince`; returns how many. The grace period keeps a catalog hiccup from
   * wiping data.
   */
  async deleteRepositoriesExcept(
    keep: Array<{ host: string; slug: string }>,
    notSyncedSince: Date,
  ): Promise<number> {
    const wanted = new Set(
      keep.map(repo => `${repo.host} ${repo.slug.toLowerCase()}`),
    );
    const stale = (await this.listRepositories()).filter(
      repo =>
        !wanted.has(`${repo.host} ${repo.slug}`) &&
        (repo.lastSyncedAt ?? repo.createdAt) < notSyncedSince,
    );
    for (const repo of stale) {
      await this.transaction(async (_store, tx) => {
        for (const table of [
          T.etags,
          T.reviews,
          T.checks,
          T.commits,
          T.pulls,
          T.runs,
          T.deployments,
        ]) {
          await tx(table).where({ repository_id: repo.id }).delete();
        }
        await tx(T.repositories).where({ id: repo.id }).delete();
      });
    }
    return stale.length;
  }

  // -------------------------------------------------------------------------------------------
  // Manual sync requests

  /**
   * Records a manual sync request of an entity unless one was made within the cooldown.
   * Returns how many seconds remain when refused.
   */
  async recordSyncRequest(
    entityRef: string,
    now: Date,
    cooldownSeconds: number,
  ): Promise<
    { accepted: true } | { accepted: false; retryAfterSeconds: number }
  > {
    const threshold = new Date(now.getTime() - cooldownSeconds * 1000);
    const updated = await this.db(T.syncRequests)
      .where({ entity_ref: entityRef })
      .andWhere('requested_at', '<=', threshold)
      .update({ requested_at: now });
    if (updated === 1) {
      return { accepted: true };
    }
    const existing = await this.db(T.syncRequests)
      .where({ entity_ref: entityRef })
      .first();
    if (!existing) {
      try {
        await this.db(T.syncRequests).insert({
          entity_ref: entityRef,
          requested_at: now,
        });
        return { accepted: true };
      } catch {
        // Another request for the same entity won the race.
      }
    }
    const last = toDate(existing?.requested_at) ?? now;
    const remainingMs = last.getTime() + cooldownSeconds * 1000 - now.getTime();
    return {
      accepted: false,
      retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Hosts

  async getHost(host: string): Promise<HostRateState | undefined> {
    const row = await this.db(T.hosts).where({ host }).first();
    if (!row) {
      return undefined;
    }
    return {
      host: row.host,
      limit: row.rate_limit === null ? null : Number(row.rate_limit),
      remaining:
        row.rate_remaining === null ? null : Number(row.rate_remaining),
      resetAt: toDate(row.rate_reset_at),
      pausedUntil: toDate(row.paused_until),
    };
  }

  async saveHost(state: HostRateState, now: Date): Promise<void> {
    await this.db(T.hosts)
      .insert({
        host: state.host,
        rate_limit: state.limit,
        rate_remaining: state.remaining,
        rate_reset_at: state.resetAt,
        paused_until: state.pausedUntil,
        updated_at: now,
      })
      .onConflict('host')
      .merge();
  }

  // -------------------------------------------------------------------------------------------
  // ETags

  async getEtags(repositoryId: number): Promise<Map<string, StoredEtag>> {
    const rows = await this.db(T.etags).where({ repository_id: repositoryId });
    return new Map(
      rows.map(row => [
        row.resource as string,
        { requestKey: row.request_key as string, etag: row.etag as string },
      ]),
    );
  }

  /** Replaces the repository's ETags of the given resources; a null ETag removes one. */
  async saveEtags(
    repositoryId: number,
    etags: Map<string, StoredEtag | null>,
    now: Date,
  ): Promise<void> {
    const removed = [...etags].filter(([, v]) => !v).map(([k]) => k);
    if (removed.length > 0) {
      await this.db(T.etags)
        .where({ repository_id: repositoryId })
        .whereIn('resource', removed)
        .delete();
    }
    const rows = [...etags]
      .filter((entry): entry is [string, StoredEtag] => Boolean(entry[1]))
      .map(([resource, value]) => ({
        repository_id: repositoryId,
        resource,
        request_key: value.requestKey,
        etag: value.etag,
        updated_at: now,
      }));
    await this.upsertRows(T.etags, rows, ['repository_id', 'resource']);
  }

  async deleteEtags(repositoryId: number): Promise<void> {
    await this.db(T.etags).where({ repository_id: repositoryId }).delete();
  }

  // -------------------------------------------------------------------------------------------
  // Pull requests and reviews

  async getPullHeaders(
    repositoryId: number,
    numbers: number[],
  ): Promise<Map<number, StoredPullHeader>> {
    const result = new Map<number, StoredPullHeader>();
    for (let i = 0; i < numbers.length; i += 500) {
      const rows = await this.db<PullRow>(T.pulls)
        .where({ repository_id: repositoryId })
        .whereIn('number', numbers.slice(i, i + 500))
        .select('number', 'updated_at', 'head_sha', 'state', 'reviews_synced');
      for (const row of rows) {
        result.set(Number(row.number), {
          updatedAt: requireDate(row.updated_at),
          headSha: row.head_sha,
          state: row.state,
          reviewsSynced: Boolean(row.reviews_synced),
        });
      }
    }
    return result;
  }

  async getPullRecord(
    repositoryId: number,
    number: number,
  ): Promise<
    | { record: PullRequestRecord; api: PullRequest; reviewsSynced: boolean }
    | undefined
  > {
    const row = await this.db<PullRow>(T.pulls)
      .where({ repository_id: repositoryId, number })
      .first();
    return row
      ? {
          record: pullRecordFromRow(row),
          api: pullFromRow(row),
          reviewsSynced: Boolean(row.reviews_synced),
        }
      : undefined;
  }

  async getPullRequestsByHead(
    repositoryId: number,
    sha: string,
  ): Promise<PullRequest[]> {
    const rows = await this.db<PullRow>(T.pulls).where({
      repository_id: repositoryId,
      head_sha: sha,
    });
    return rows.map(pullFromRow);
  }

  /**
   * Inserts or replaces a pull request from a webhook; `reviewsSynced` says whether its stored
   * reviews are all it has (see {@link StoredPullHeader.reviewsSynced}).
   */
  async upsertPull(
    repositoryId: number,
    pull: PullRequestRecord,
    derived: PullDerived,
    reviewsSynced: boolean,
  ): Promise<void> {
    await this.upsertPulls(repositoryId, [{ pull, derived, reviewsSynced }]);
  }

  /** Inserts or replaces pull requests, several rows per statement; the sync read their reviews. */
  async upsertPulls(
    repositoryId: number,
    items: Array<{
      pull: PullRequestRecord;
      derived: PullDerived;
      reviewsSynced?: boolean;
    }>,
  ): Promise<void> {
    const rows = items.map(({ pull, derived, reviewsSynced = true }) => ({
      repository_id: repositoryId,
      number: pull.number,
      github_id: pull.githubId,
      title: pull.title,
      author_login: pull.authorLogin,
      author_avatar_url: pull.authorAvatarUrl,
      draft: pull.draft,
      state: pull.state,
      labels: JSON.stringify(pull.labels),
      additions: pull.additions,
      deletions: pull.deletions,
      changed_files: pull.changedFiles,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      first_review_at: derived.firstReviewAt,
      merged_at: pull.mergedAt,
      closed_at: pull.closedAt,
      head_sha: pull.headSha,
      head_ref: pull.headRef,
      base_ref: pull.baseRef,
      review_decision: derived.reviewDecision,
      ci_state: derived.ciState,
      html_url: pull.htmlUrl,
      reviews_synced: reviewsSynced,
    }));
    await this.upsertRows(T.pulls, rows, ['repository_id', 'number']);
  }

  async listReviews(
    repositoryId: number,
    pullNumber: number,
  ): Promise<ReviewRecord[]> {
    const rows = await this.db(T.reviews)
      .where({ repository_id: repositoryId, pull_number: pullNumber })
      .orderBy('id');
    return rows.map(row => ({
      id: Number(row.id),
      pullNumber: Number(row.pull_number),
      reviewerLogin: row.reviewer_login,
      state: row.state,
      submittedAt: toDate(row.submitted_at),
      commitId: row.commit_id,
    }));
  }

  /** Replaces all reviews of the given pull requests. */
  async replaceReviews(
    repositoryId: number,
    pullNumbers: number[],
    reviews: ReviewRecord[],
  ): Promise<void> {
    for (let i = 0; i < pullNumbers.length; i += 500) {
      await this.db(T.reviews)
        .where({ repository_id: repositoryId })
        .whereIn('pull_number', pullNumbers.slice(i, i + 500))
        .delete();
    }
    await this.upsertReviews(repositoryId, reviews);
  }

  async upsertReviews(
    repositoryId: number,
    reviews: ReviewRecord[],
  ): Promise<void> {
    const rows = reviews.map(review => ({
      repository_id: repositoryId,
      id: review.id,
      pull_number: review.pullNumber,
      reviewer_login: review.reviewerLogin,
      state: review.state,
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
    }));
    await this.upsertRows(T.reviews, rows, ['repository_id', 'id']);
  }

  /** Open pull requests' heads and when their CI state was last polled. */
  async listOpenPullHeads(repositoryId: number): Promise<
    Array<{
      number: number;
      headSha: string;
      ciState: CiState;
      checkedAt: Date | null;
    }>
  > {
    const rows = await this.db(`${T.pulls} as p`)
      .leftJoin(`${T.commits} as c`, join =>
        join
          .on('c.repository_id', '=', 'p.repository_id')
          .andOn('c.sha', '=', 'p.head_sha'),
      )
      .where({ 'p.repository_id': repositoryId, 'p.state': 'open' })
      .select('p.number', 'p.head_sha', 'p.ci_state', 'c.checked_at');
    return rows.map(row => ({
      number: Number(row.number),
      headSha: row.head_sha,
      ciState: row.ci_state,
      checkedAt: toDate(row.checked_at),
    }));
  }

  async countPullRequests(repositoryId: number): Promise<number> {
    const [{ count }] = await this.db(T.pulls)
      .where({ repository_id: repositoryId })
      .count({ count: '*' });
    return Number(count);
  }

  /** A page of pull requests, newest first by the column that suits the filter. */
  async listPullRequests(
    repositoryId: number,
    options: {
      state: PullRequestStateFilter;
      limit: number;
      after?: KeysetPosition;
    },
  ): Promise<{ items: PullRequest[]; last?: KeysetPosition; more: boolean }> {
    const column = pullSortColumn(options.state);
    const query = this.db<PullRow>(T.pulls).where({
      repository_id: repositoryId,
    });
    if (options.state !== 'all') {
      query.andWhere({ state: options.state });
    }
    if (options.after) {
      const at = new Date(options.after.at);
      const id = options.after.id;
      query.andWhere(q =>
        q
          .where(column, '<', at)
          .orWhere(q2 => q2.where(column, '=', at).andWhere('number', '<', id)),
      );
    }
    const rows = await query
      .orderBy([
        { column, order: 'desc' },
        { column: 'number', order: 'desc' },
      ])
      .limit(options.limit + 1);
    const more = rows.length > options.limit;
    const page = rows.slice(0, options.limit);
    const lastRow = page[page.length - 1];
    return {
      items: page.map(pullFromRow),
      more,
      last: lastRow
        ? {
            at: requireDate(lastRow[column] as DbDate).getTime(),
            id: Number(lastRow.number),
          }
        : undefined,
    };
  }

  // -------------------------------------------------------------------------------------------
  // CI state

  async getCommit(
    repositoryId: number,
    sha: string,
  ): Promise<
    | {
        ciState: CiState;
        checksEtag: string | null;
        statusesEtag: string | null;
        checkedAt: Date | null;
      }
    | undefined
  > {
    const row = await this.db(T.commits)
      .where({ repository_id: repositoryId, sha })
      .first();
    return row
      ? {
          ciState: row.ci_state,
          checksEtag: row.checks_etag,
          statusesEtag: row.statuses_etag,
          checkedAt: toDate(row.checked_at),
        }
      : undefined;
  }

  /**
   * Replaces what polling knows of a commit: its check runs (when `checkRuns` is given) and its
   * commit statuses (when `statuses` is given). Check suites come only from webhooks and are
   * dropped once polling has seen the commit's check runs.
   */
  async replaceChecks(
    repositoryId: number,
    sha: string,
    update: {
      checkRuns?: CheckRecord[];
      statuses?: CheckRecord[];
      checksEtag: string | null;
      statusesEtag: string | null;
    },
    now: Date,
  ): Promise<void> {
    const kinds: string[] = [];
    if (update.checkRuns) {
      kinds.push('check_run', 'check_suite');
    }
    if (update.statuses) {
      kinds.push('status');
    }
    if (kinds.length > 0) {
      await this.db(T.checks)
        .where({ repository_id: repositoryId, sha })
        .whereIn('kind', kinds)
        .delete();
    }
    const rows = new Map<string, Record<string, unknown>>();
    for (const check of [
      ...(update.checkRuns ?? []),
      ...(update.statuses ?? []),
    ]) {
      rows.set(`${check.kind} ${check.key}`, checkRow(repositoryId, check));
    }
    const list = [...rows.values()];
    for (let i = 0; i < list.length; i += BATCH) {
      await this.db(T.checks).insert(list.slice(i, i + BATCH));
    }
    await this.db(T.commits)
      .insert({
        repository_id: repositoryId,
        sha,
        ci_state: 'none',
        checks_etag: update.checksEtag,
        statuses_etag: update.statusesEtag,
        checked_at: now,
        updated_at: now,
      })
      .onConflict(['repository_id', 'sha'])
      .merge(['checks_etag', 'statuses_etag', 'checked_at', 'updated_at']);
  }

  /** Marks a commit's CI as polled without changes (its ETags matched). */
  async touchCommit(
    repositoryId: number,
    sha: string,
    now: Date,
  ): Promise<void> {
    await this.db(T.commits)
      .where({ repository_id: repositoryId, sha })
      .update({ checked_at: now });
  }

  /**
   * Applies one check run, suite or status from a webhook. A stored observation further along
   * (completed over in progress) or newer is kept. Returns whether anything changed.
   */
  async applyCheck(repositoryId: number, check: CheckRecord): Promise<boolean> {
    const key = {
      repository_id: repositoryId,
      sha: check.sha,
      kind: check.kind,
      key: check.key,
    };
    const existing = await this.db(T.checks).where(key).first();
    if (existing) {
      const storedRank = Number(existing.rank);
      const storedAt = toDate(existing.observed_at);
      if (check.rank < storedRank) {
        return false;
      }
      if (
        check.rank === storedRank &&
        storedAt &&
        check.observedAt &&
        check.observedAt < storedAt
      ) {
        return false;
      }
      if (
        check.rank === storedRank &&
        existing.state === check.state &&
        (storedAt?.getTime() ?? null) === (check.observedAt?.getTime() ?? null)
      ) {
        return false;
      }
      await this.db(T.checks).where(key).update({
        state: check.state,
        rank: check.rank,
        observed_at: check.observedAt,
      });
      return true;
    }
    await this.db(T.checks).insert(checkRow(repositoryId, check));
    return true;
  }

  /**
   * Recomputes a commit's CI state from its checks and writes it to the commit and to the pull
   * requests whose head it is. Returns the pull requests whose CI state changed.
   */
  async recomputeCiState(
    repositoryId: number,
    sha: string,
    now: Date,
  ): Promise<PullRequest[]> {
    const states: Array<CheckFacts['state']> = (
      await this.db(T.checks)
        .where({ repository_id: repositoryId, sha })
        .select('state')
    ).map(row => row.state);
    const ciState = combineCiStates(states);
    await this.db(T.commits)
      .insert({
        repository_id: repositoryId,
        sha,
        ci_state: ciState,
        updated_at: now,
      })
      .onConflict(['repository_id', 'sha'])
      .merge(['ci_state', 'updated_at']);
    const changed = await this.db<PullRow>(T.pulls)
      .where({ repository_id: repositoryId, head_sha: sha })
      .andWhereNot({ ci_state: ciState });
    if (changed.length === 0) {
      return [];
    }
    await this.db(T.pulls)
      .where({ repository_id: repositoryId, head_sha: sha })
      .update({ ci_state: ciState });
    return changed.map(row => pullFromRow({ ...row, ci_state: ciState }));
  }

  /** The CI state of each commit that has one, and which were polled. */
  async getCommits(
    repositoryId: number,
    shas: string[],
  ): Promise<Map<string, { ciState: CiState; checked: boolean }>> {
    const result = new Map<string, { ciState: CiState; checked: boolean }>();
    const unique = [...new Set(shas)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db(T.commits)
        .where({ repository_id: repositoryId })
        .whereIn('sha', unique.slice(i, i + 500))
        .select('sha', 'ci_state', 'checked_at');
      for (const row of rows) {
        result.set(row.sha, {
          ciState: row.ci_state,
          checked: row.checked_at !== null,
        });
      }
    }
    return result;
  }

  async getCiState(repositoryId: number, sha: string): Promise<CiState> {
    const commit = await this.db(T.commits)
      .where({ repository_id: repositoryId, sha })
      .first();
    return (commit?.ci_state as CiState) ?? 'none';
  }

  // -------------------------------------------------------------------------------------------
  // Workflow runs

  async getRunVersions(
    repositoryId: number,
    ids: number[],
  ): Promise<Map<number, RunVersion>> {
    const result = new Map<number, RunVersion>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db(T.runs)
        .where({ repository_id: repositoryId })
        .whereIn('id', ids.slice(i, i + 500))
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
    await this.upsertRows(T.runs, rows, ['repository_id', 'id']);
  }

  /** The creation time of the oldest run created since `since` that has not completed. */
  async oldestIncompleteRunSince(
    repositoryId: number,
    since: Date,
  ): Promise<Date | null> {
    const row = await this.db(T.runs)
      .where({ repository_id: repositoryId })
      .andWhereNot({ status: 'completed' })
      .andWhere('created_at', '>=', since)
      .min({ at: 'created_at' })
      .first();
    return toDate(row?.at);
  }

  async newestRunCreatedAt(repositoryId: number): Promise<Date | null> {
    const row = await this.db(T.runs)
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
  ): Promise<{ items: WorkflowRun[]; last?: KeysetPosition; more: boolean }> {
    const { filter } = options;
    const query = this.db<RunRow>(T.runs).where({
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
      items: page.map(row => toApiWorkflowRun(runRecordFromRow(row))),
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
      await this.db(`${T.runs} as r`)
        .where('r.repository_id', repositoryId)
        .where(
          'r.created_at',
          this.db(`${T.runs} as newest`)
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
  ): Promise<WorkflowRun[]> {
    const runs = await this.workflowRunsForSummaries(
      repositoryId,
      [workflowId],
      branch,
      sampleSize,
    );
    return runs.get(workflowId) ?? [];
  }

  /**
   * {@link GithubStore.workflowRunsForSummary} for several workflows at once: one statement of
   * two index-ordered parts per workflow.
   */
  async workflowRunsForSummaries(
    repositoryId: number,
    workflowIds: number[],
    branch: string,
    sampleSize: number,
  ): Promise<Map<number, WorkflowRun[]>> {
    const result = new Map<number, WorkflowRun[]>(
      workflowIds.map(id => [id, []]),
    );
    if (workflowIds.length === 0) {
      return result;
    }
    const part = (workflowId: number, completed: boolean) => {
      const query = this.db<RunRow>(T.runs)
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
      result.set(
        workflowId,
        rowsOf.map(row => toApiWorkflowRun(runRecordFromRow(row))),
      );
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Deployments

  async getDeployments(
    repositoryId: number,
    ids: number[],
  ): Promise<Map<number, StoredDeployment>> {
    const result = new Map<number, StoredDeployment>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db(T.deployments)
        .where({ repository_id: repositoryId })
        .whereIn('id', ids.slice(i, i + 500));
      for (const row of rows) {
        result.set(Number(row.id), deploymentFromRow(row));
      }
    }
    return result;
  }

  async listUnfinishedDeployments(
    repositoryId: number,
    since: Date,
  ): Promise<StoredDeployment[]> {
    const rows = await this.db(T.deployments)
      .where({ repository_id: repositoryId })
      .andWhere('created_at', '>=', since)
      .andWhere(q =>
        q
          .whereNull('state')
          .orWhereIn('state', ['pending', 'queued', 'in_progress']),
      );
    return rows.map(deploymentFromRow);
  }

  async upsertDeployment(
    repositoryId: number,
    deployment: StoredDeployment,
  ): Promise<void> {
    await this.upsertDeployments(repositoryId, [deployment]);
  }

  async upsertDeployments(
    repositoryId: number,
    deployments: StoredDeployment[],
  ): Promise<void> {
    const rows = deployments.map(deployment => ({
      repository_id: repositoryId,
      id: deployment.id,
      environment: deployment.environment.slice(0, 255),
      sha: deployment.sha,
      ref: deployment.ref.slice(0, 255),
      state: deployment.state,
      created_at: deployment.createdAt,
      updated_at: deployment.updatedAt,
      status_id: deployment.statusId,
      status_at: deployment.statusAt,
      statuses_etag: deployment.statusesEtag,
    }));
    await this.upsertRows(T.deployments, rows, ['repository_id', 'id']);
  }

  // -------------------------------------------------------------------------------------------
  // Webhook deliveries

  /** Records a delivery id; false when it was already recorded (a duplicate delivery). */
  async recordDelivery(
    deliveryId: string,
    event: string,
    now: Date,
  ): Promise<boolean> {
    const existing = await this.db(T.deliveries)
      .where({ delivery_id: deliveryId })
      .first();
    if (existing) {
      return false;
    }
    await this.db(T.deliveries).insert({
      delivery_id: deliveryId,
      event,
      received_at: now,
    });
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Retention

  /**
   * Deletes closed and merged pull requests, completed runs and deployments older than
   * `before`, CI records of commits no open pull request points at, and webhook deliveries
   * older than `deliveriesBefore`.
   */
  async deleteExpired(
    before: Date,
    deliveriesBefore: Date,
  ): Promise<{
    pullRequests: number;
    workflowRuns: number;
    deployments: number;
    commits: number;
    deliveries: number;
  }> {
    const expiredPulls = this.db(T.pulls)
      .whereIn('state', ['closed', 'merged'])
      .andWhere('updated_at', '<', before);
    const expiredPullKeys = await expiredPulls
      .clone()
      .select('repository_id', 'number');
    for (let i = 0; i < expiredPullKeys.length; i += 200) {
      const chunk = expiredPullKeys.slice(i, i + 200);
      await this.db(T.reviews)
        .where(q => {
          for (const key of chunk) {
            q.orWhere({
              repository_id: key.repository_id,
              pull_number: key.number,
            });
          }
        })
        .delete();
    }
    const pullRequests = await expiredPulls.clone().delete();
    const workflowRuns = await this.db(T.runs)
      .where({ status: 'completed' })
      .andWhere('updated_at', '<', before)
      .delete();
    const deployments = await this.db(T.deployments)
      .where('created_at', '<', before)
      .delete();

    const openHeads = this.db(T.pulls)
      .where({ state: 'open' })
      .select('repository_id', 'head_sha');
    const staleCommits = await this.db(`${T.commits} as c`)
      .where('c.updated_at', '<', before)
      .whereNotExists(
        openHeads
          .clone()
          .whereRaw('?? = ??', [`${T.pulls}.repository_id`, 'c.repository_id'])
          .whereRaw('?? = ??', [`${T.pulls}.head_sha`, 'c.sha']),
      )
      .select('c.repository_id', 'c.sha');
    for (let i = 0; i < staleCommits.length; i += 200) {
      const chunk = staleCommits.slice(i, i + 200);
      for (const table of [T.checks, T.commits]) {
        await this.db(table)
          .where(q => {
            for (const key of chunk) {
              q.orWhere({ repository_id: key.repository_id, sha: key.sha });
            }
          })
          .delete();
      }
    }
    const deliveries = await this.db(T.deliveries)
      .where('received_at', '<', deliveriesBefore)
      .delete();
    return {
      pullRequests,
      workflowRuns,
      deployments,
      commits: staleCommits.length,
      deliveries,
    };
  }
}

function checkRow(repositoryId: number, check: CheckRecord) {
  return {
    repository_id: repositoryId,
    sha: check.sha,
    kind: check.kind,
    key: check.key.slice(0, 255),
    state: check.state,
    rank: check.rank,
    observed_at: check.observedAt,
  };
}

function deploymentFromRow(row: Record<string, any>): StoredDeployment {
  return {
    id: Number(row.id),
    environment: row.environment,
    sha: row.sha,
    ref: row.ref,
    createdAt: requireDate(row.created_at),
    updatedAt: requireDate(row.updated_at),
    state: row.state,
    statusId: row.status_id === null ? null : Number(row.status_id),
    statusAt: toDate(row.status_at),
    statusesEtag: row.statuses_etag,
  };
}

function pullSortColumn(
  state: PullRequestStateFilter,
): 'updated_at' | 'merged_at' | 'closed_at' {
  switch (state) {
    case 'merged':
      return 'merged_at';
    case 'closed':
      return 'closed_at';
    default:
      return 'updated_at';
  }
}
