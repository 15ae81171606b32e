import { CiState, ReviewDecision } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { CheckFacts, combineCiStates } from '../derive';
import { CheckRecord, PullRequestRecord, ReviewRecord } from '../githubRecords';
import {
  BATCH,
  DbDate,
  fromJson,
  KeysetPage,
  KeysetPosition,
  READ_BATCH,
  requireDate,
  TABLES,
  toBoolean,
  toDate,
  toJson,
  upsertRows,
} from './rows';

/** What Pulse derives for a pull request (reviews, CI). */
export interface PullDerived {
  firstReviewAt: Date | null;
  reviewDecision: ReviewDecision | null;
  ciState: CiState;
}

/** A stored pull request: what GitHub said of it and what Pulse derived. */
export interface StoredPullRequest {
  record: PullRequestRecord;
  derived: PullDerived;
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
  merge_commit_sha: string | null;
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
    draft: toBoolean(row.draft),
    state: row.state as PullRequestRecord['state'],
    labels: fromJson<string[]>(row.labels),
    additions: Number(row.additions),
    deletions: Number(row.deletions),
    changedFiles: Number(row.changed_files),
    createdAt: requireDate(row.created_at),
    updatedAt: requireDate(row.updated_at),
    mergedAt: toDate(row.merged_at),
    mergeCommitSha: row.merge_commit_sha,
    closedAt: toDate(row.closed_at),
    headSha: row.head_sha,
    headRef: row.head_ref,
    baseRef: row.base_ref,
    htmlUrl: row.html_url,
  };
}

function storedPullFromRow(row: PullRow): StoredPullRequest {
  return {
    record: pullRecordFromRow(row),
    derived: {
      firstReviewAt: toDate(row.first_review_at),
      reviewDecision: row.review_decision as ReviewDecision | null,
      ciState: row.ci_state as CiState,
    },
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

/** When a pull request's flow began, as read from its commits and issue timeline. */
export interface PullFlow {
  number: number;
  /** The earliest author date among its commits. */
  firstCommitAt: Date | null;
  readyForReviewAt: Date | null;
}

/** Pull request list filters. */
export type PullRequestStateFilter = 'open' | 'merged' | 'closed' | 'all';

/** Pull requests, their reviews, and the CI state of commits (check runs, suites, statuses). */
export class PullRequestStore {
  constructor(private readonly db: Knex) {}

  // -------------------------------------------------------------------------------------------
  // Pull requests and reviews

  async getPullHeaders(
    repositoryId: number,
    numbers: number[],
  ): Promise<Map<number, StoredPullHeader>> {
    const result = new Map<number, StoredPullHeader>();
    for (let i = 0; i < numbers.length; i += READ_BATCH) {
      const rows = await this.db<PullRow>(TABLES.pulls)
        .where({ repository_id: repositoryId })
        .whereIn('number', numbers.slice(i, i + READ_BATCH))
        .select('number', 'updated_at', 'head_sha', 'state', 'reviews_synced');
      for (const row of rows) {
        result.set(Number(row.number), {
          updatedAt: requireDate(row.updated_at),
          headSha: row.head_sha,
          state: row.state,
          reviewsSynced: toBoolean(row.reviews_synced),
        });
      }
    }
    return result;
  }

  async getPullRecord(
    repositoryId: number,
    number: number,
  ): Promise<(StoredPullRequest & { reviewsSynced: boolean }) | undefined> {
    const row = await this.db<PullRow>(TABLES.pulls)
      .where({ repository_id: repositoryId, number })
      .first();
    return row
      ? {
          ...storedPullFromRow(row),
          reviewsSynced: toBoolean(row.reviews_synced),
        }
      : undefined;
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
      labels: toJson(pull.labels),
      additions: pull.additions,
      deletions: pull.deletions,
      changed_files: pull.changedFiles,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      first_review_at: derived.firstReviewAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      closed_at: pull.closedAt,
      head_sha: pull.headSha,
      head_ref: pull.headRef,
      base_ref: pull.baseRef,
      review_decision: derived.reviewDecision,
      ci_state: derived.ciState,
      html_url: pull.htmlUrl,
      reviews_synced: reviewsSynced,
    }));
    await upsertRows(this.db, TABLES.pulls, rows, ['repository_id', 'number']);
  }

  /**
   * Merged pull requests (merged since `mergedSince`) whose commits and timeline the sync has not
   * read yet, most recently merged first.
   */
  async listPullsAwaitingFlow(
    repositoryId: number,
    mergedSince: Date,
    limit: number,
  ): Promise<Array<{ number: number; createdAt: Date; draft: boolean }>> {
    const rows = await this.db(TABLES.pulls)
      .where({ repository_id: repositoryId, flow_synced: false })
      .andWhere('merged_at', '>=', mergedSince)
      .orderBy([
        { column: 'merged_at', order: 'desc' },
        { column: 'number', order: 'desc' },
      ])
      .limit(limit)
      .select('number', 'created_at', 'draft');
    return rows.map(row => ({
      number: Number(row.number),
      createdAt: requireDate(row.created_at),
      draft: toBoolean(row.draft),
    }));
  }

  /**
   * Stores what the sync read of pull requests' flow. The timeline's ready-for-review time
   * replaces one a webhook stored (a webhook may have seen only a later return from draft); when
   * the timeline told nothing, the stored time is kept.
   */
  async recordFlow(repositoryId: number, flows: PullFlow[]): Promise<void> {
    for (const flow of flows) {
      await this.db(TABLES.pulls)
        .where({ repository_id: repositoryId, number: flow.number })
        .update({
          first_commit_at: flow.firstCommitAt,
          ...(flow.readyForReviewAt
            ? { ready_for_review_at: flow.readyForReviewAt }
            : {}),
          flow_synced: true,
        });
    }
  }

  /**
   * Records when a pull request became ready for review, unless a time is stored already.
   * Returns whether a row changed.
   */
  async markReadyForReview(
    repositoryId: number,
    number: number,
    at: Date,
  ): Promise<boolean> {
    const changed = await this.db(TABLES.pulls)
      .where({ repository_id: repositoryId, number })
      .whereNull('ready_for_review_at')
      .update({ ready_for_review_at: at });
    return changed > 0;
  }

  /** A pull request's flow as stored; undefined when the pull request is not. */
  async getPullFlow(
    repositoryId: number,
    number: number,
  ): Promise<(PullFlow & { flowSynced: boolean }) | undefined> {
    const row = await this.db(TABLES.pulls)
      .where({ repository_id: repositoryId, number })
      .first('number', 'first_commit_at', 'ready_for_review_at', 'flow_synced');
    return row
      ? {
          number: Number(row.number),
          firstCommitAt: toDate(row.first_commit_at),
          readyForReviewAt: toDate(row.ready_for_review_at),
          flowSynced: toBoolean(row.flow_synced),
        }
      : undefined;
  }

  async listReviews(
    repositoryId: number,
    pullNumber: number,
  ): Promise<ReviewRecord[]> {
    const rows = await this.db(TABLES.reviews)
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
    for (let i = 0; i < pullNumbers.length; i += READ_BATCH) {
      await this.db(TABLES.reviews)
        .where({ repository_id: repositoryId })
        .whereIn('pull_number', pullNumbers.slice(i, i + READ_BATCH))
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
    await upsertRows(this.db, TABLES.reviews, rows, ['repository_id', 'id']);
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
    const rows = await this.db(`${TABLES.pulls} as p`)
      .leftJoin(`${TABLES.commits} as c`, join =>
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
    const [{ count }] = await this.db(TABLES.pulls)
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
  ): Promise<KeysetPage<StoredPullRequest>> {
    const column = pullSortColumn(options.state);
    const query = this.db<PullRow>(TABLES.pulls).where({
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
      items: page.map(storedPullFromRow),
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
    const row = await this.db(TABLES.commits)
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
      await this.db(TABLES.checks)
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
      await this.db(TABLES.checks).insert(list.slice(i, i + BATCH));
    }
    await this.db(TABLES.commits)
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
    await this.db(TABLES.commits)
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
    const existing = await this.db(TABLES.checks).where(key).first();
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
      await this.db(TABLES.checks).where(key).update({
        state: check.state,
        rank: check.rank,
        observed_at: check.observedAt,
      });
      return true;
    }
    await this.db(TABLES.checks).insert(checkRow(repositoryId, check));
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
  ): Promise<StoredPullRequest[]> {
    const states: Array<CheckFacts['state']> = (
      await this.db(TABLES.checks)
        .where({ repository_id: repositoryId, sha })
        .select('state')
    ).map(row => row.state);
    const ciState = combineCiStates(states);
    await this.db(TABLES.commits)
      .insert({
        repository_id: repositoryId,
        sha,
        ci_state: ciState,
        updated_at: now,
      })
      .onConflict(['repository_id', 'sha'])
      .merge(['ci_state', 'updated_at']);
    const changed = await this.db<PullRow>(TABLES.pulls)
      .where({ repository_id: repositoryId, head_sha: sha })
      .andWhereNot({ ci_state: ciState });
    if (changed.length === 0) {
      return [];
    }
    await this.db(TABLES.pulls)
      .where({ repository_id: repositoryId, head_sha: sha })
      .update({ ci_state: ciState });
    return changed.map(row => storedPullFromRow({ ...row, ci_state: ciState }));
  }

  /** The CI state of each commit that has one, and which were polled. */
  async getCommits(
    repositoryId: number,
    shas: string[],
  ): Promise<Map<string, { ciState: CiState; checked: boolean }>> {
    const result = new Map<string, { ciState: CiState; checked: boolean }>();
    const unique = [...new Set(shas)];
    for (let i = 0; i < unique.length; i += READ_BATCH) {
      const rows = await this.db(TABLES.commits)
        .where({ repository_id: repositoryId })
        .whereIn('sha', unique.slice(i, i + READ_BATCH))
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
    const commit = await this.db(TABLES.commits)
      .where({ repository_id: repositoryId, sha })
      .first();
    return (commit?.ci_state as CiState) ?? 'none';
  }

  /**
   * Deletes closed and merged pull requests (with their reviews) not updated since `before`, and
   * CI records of commits older than `before` that no open pull request points at.
   */
  async deleteExpired(
    before: Date,
  ): Promise<{ pullRequests: number; commits: number }> {
    const expiredPulls = this.db(TABLES.pulls)
      .whereIn('state', ['closed', 'merged'])
      .andWhere('updated_at', '<', before);
    const expiredPullKeys = await expiredPulls
      .clone()
      .select('repository_id', 'number');
    for (let i = 0; i < expiredPullKeys.length; i += 200) {
      const chunk = expiredPullKeys.slice(i, i + 200);
      await this.db(TABLES.reviews)
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

    const openHeads = this.db(TABLES.pulls)
      .where({ state: 'open' })
      .select('repository_id', 'head_sha');
    const staleCommits = await this.db(`${TABLES.commits} as c`)
      .where('c.updated_at', '<', before)
      .whereNotExists(
        openHeads
          .clone()
          .whereRaw('?? = ??', [
            `${TABLES.pulls}.repository_id`,
            'c.repository_id',
          ])
          .whereRaw('?? = ??', [`${TABLES.pulls}.head_sha`, 'c.sha']),
      )
      .select('c.repository_id', 'c.sha');
    for (let i = 0; i < staleCommits.length; i += 200) {
      const chunk = staleCommits.slice(i, i + 200);
      for (const table of [TABLES.checks, TABLES.commits]) {
        await this.db(table)
          .where(q => {
            for (const key of chunk) {
              q.orWhere({ repository_id: key.repository_id, sha: key.sha });
            }
          })
          .delete();
      }
    }
    return { pullRequests, commits: staleCommits.length };
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
