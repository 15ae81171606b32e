import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NewPulseDomainEvent,
  PullRequest,
  SyncStatus,
} from '@internal/plugin-pulse-common';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import {
  DeploymentEventPayload,
  GITHUB_EVENT_TYPES,
  toApiPullRequest,
  toApiWorkflowRun,
} from './apiShapes';
import {
  deriveFirstReviewAt,
  deriveReviewDecision,
  isFinalDeploymentState,
  isRunUpdate,
} from './derive';
import { Clock, GithubHostClient, RepositoryRef } from './GithubClient';
import {
  GithubStore,
  StoredDeployment,
  StoredEtag,
  SyncedRepository,
} from './GithubStore';
import {
  CheckRecord,
  DeploymentRecord,
  DeploymentStatusRecord,
  latestDeploymentStatus,
  MalformedItemError,
  parseCheck,
  parseCheckRunList,
  parseCombinedStatus,
  parseDeployment,
  parseDeploymentStatus,
  parsePullRequest,
  parsePullRequestHeader,
  parseRepository,
  parseReview,
  parseWorkflowRun,
  parseWorkflowRunList,
  PullRequestHeader,
  ReviewRecord,
  WorkflowRunRecord,
} from './mapping';

const PER_PAGE = 100;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Runs that stay incomplete longer than this no longer hold the runs cursor back. */
const STUCK_RUN_MS = DAY_MS;

/** The sync was stopped (the scheduled task timed out or the backend is shutting down). */
export class SyncAbortedError extends Error {
  constructor() {
    super('The sync was stopped before it completed');
    this.name = 'SyncAbortedError';
  }
}

/** A repository to sync and the entities that show it. */
export interface SyncTarget {
  repository: SyncedRepository;
  ref: RepositoryRef;
  /** `owner/name` as the entities spell it. */
  displaySlug: string;
  entityRefs: string[];
}

/** What one sync of a repository did. */
export interface RepositorySyncResult {
  backfill: boolean;
  itemsChanged: number;
  malformed: number;
}

/** Dependencies and knobs of a repository sync. */
export interface RepositorySyncOptions {
  store: GithubStore;
  publisher: DomainEventPublisher;
  client: GithubHostClient;
  logger: LoggerService;
  clock: Clock;
  lookbackDays: number;
  /** Send stored ETags (conditional requests). Off only to measure what they save. */
  useEtags: boolean;
  /** Open pull request heads whose CI is final are re-polled after this long. */
  ciRecheckMs: number;
  /** Called at every checkpoint of a long sync, e.g. to renew the repository's lease. */
  onCheckpoint?: () => Promise<void>;
  signal?: AbortSignal;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function clampPercent(value: number): number {
  return Math.max(0, Math.min(99, Math.floor(value)));
}

/**
 * One sync of one repository: the first backfills `lookbackDays` newest first with progress,
 * later ones read only what changed since the stored cursors, with conditional requests.
 */
export class RepositorySync {
  private readonly target: SyncTarget;
  private readonly repo: SyncedRepository;
  private readonly backfill: boolean;
  private readonly startedAt: Date;
  private readonly lookbackStart: Date;
  private etags = new Map<string, StoredEtag>();
  private readonly newEtags = new Map<string, StoredEtag | null>();
  private readonly polledHeads = new Set<string>();
  private itemsChanged = 0;
  private malformed = 0;
  private itemsSynced: number;
  private progressPercent: number;
  private lastPublishedPercent = -1;

  constructor(
    target: SyncTarget,
    private readonly options: RepositorySyncOptions,
  ) {
    this.target = target;
    this.repo = target.repository;
    this.backfill = !target.repository.backfillComplete;
    this.startedAt = options.clock.now();
    this.lookbackStart = new Date(
      this.startedAt.getTime() - options.lookbackDays * DAY_MS,
    );
    this.itemsSynced = this.backfill ? 0 : target.repository.itemsSynced;
    this.progressPercent = this.backfill ? 0 : 100;
  }

  async run(): Promise<RepositorySyncResult> {
    const { store } = this.options;
    this.etags = await store.getEtags(this.repo.id);
    if (this.backfill) {
      await this.saveProgress('backfilling');
    } else {
      await store.updateRepository(this.repo.id, {
        state: 'syncing',
        lastAttemptAt: this.startedAt,
      });
    }

    const defaultBranch = await this.syncRepositoryMetadata();
    const pullsCursor = await this.syncPullRequests();
    await this.checkpoint(55);
    await this.pollOpenHeads();
    await this.checkpoint(60);
    const runsCursor = await this.syncWorkflowRuns();
    await this.checkpoint(90);
    const deploymentsCursor = await this.syncDeployments();

    const finishedAt = this.options.clock.now();
    const wasAlreadyIdle =
      !this.backfill && this.repo.state === 'idle' && !this.repo.lastError;
    await store.transaction(async (txStore, tx) => {
      await txStore.saveEtags(this.repo.id, this.newEtags, finishedAt);
      await txStore.updateRepository(this.repo.id, {
        defaultBranch,
        state: 'idle',
        backfillComplete: true,
        progressPercent: 100,
        itemsSynced: this.itemsSynced,
        pullsCursor,
        runsCursor,
        deploymentsCursor,
        lastSyncedAt: finishedAt,
        lastAttemptAt: this.startedAt,
        lastError: null,
        consecutiveFailures: 0,
        nextAttemptAt: null,
      });
      if (!wasAlreadyIdle) {
        await this.publish(
          GITHUB_EVENT_TYPES.syncProgress,
          [this.syncStatus('idle', 100, finishedAt)],
          tx,
        );
      }
    });
    return {
      backfill: this.backfill,
      itemsChanged: this.itemsChanged,
      malformed: this.malformed,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  private throwIfAborted() {
    if (this.options.signal?.aborted) {
      throw new SyncAbortedError();
    }
  }

  private get repoParams() {
    return { owner: this.target.ref.owner, repo: this.target.ref.name };
  }

  private etagFor(resource: string, requestKey: string): string | undefined {
    if (!this.options.useEtags) {
      return undefined;
    }
    const stored = this.etags.get(resource);
    return stored && stored.requestKey === requestKey ? stored.etag : undefined;
  }

  private keepEtag(resource: string, requestKey: string, etag: string | null) {
    this.newEtags.set(resource, etag ? { requestKey, etag } : null);
  }

  private get(
    route: string,
    params: Record<string, string | number | undefined>,
    etag?: string,
  ) {
    this.throwIfAborted();
    return this.options.client.get<unknown>(
      route,
      { ...this.repoParams, ...params },
      { repo: this.target.ref, etag },
    );
  }

  private skipMalformed(error: unknown): void {
    if (error instanceof MalformedItemError) {
      this.malformed++;
      this.options.logger.warn(
        `Pulse skipped an item of ${this.target.displaySlug}: ${error.message}`,
      );
      return;
    }
    throw error;
  }

  private async publish(
    type: string,
    payloads: unknown[],
    tx: Knex.Transaction,
  ): Promise<void> {
    const events: NewPulseDomainEvent[] = [];
    for (const payload of payloads) {
      for (const entityRef of this.target.entityRefs) {
        events.push({ entityRef, type, payload });
      }
    }
    await this.options.publisher.publish(events, tx);
  }

  /** Item events are published for changes after the first backfill, not for the backfill itself. */
  private async publishItems(
    type: string,
    payloads: unknown[],
    tx: Knex.Transaction,
  ): Promise<void> {
    if (!this.backfill && payloads.length > 0) {
      await this.publish(type, payloads, tx);
    }
  }

  private syncStatus(
    state: SyncStatus['state'],
    percent: number,
    lastSyncedAt: Date | null,
  ): SyncStatus {
    return {
      repository: this.target.displaySlug,
      host: this.repo.host,
      state,
      progressPercent: percent,
      itemsSynced: this.itemsSynced,
      lastError: null,
      pausedUntil: null,
      requestedAt: null,
      lastSyncedAt: lastSyncedAt ? lastSyncedAt.toISOString() : null,
    };
  }

  private async saveProgress(state: 'backfilling'): Promise<void> {
    await this.options.store.transaction(async (txStore, tx) => {
      await txStore.updateRepository(this.repo.id, {
        state,
        progressPercent: this.progressPercent,
        itemsSynced: this.itemsSynced,
        lastAttemptAt: this.startedAt,
      });
      await this.publish(
        GITHUB_EVENT_TYPES.syncProgress,
        [
          this.syncStatus(
            state,
            this.progressPercent,
            this.repo.lastSyncedAt,
          ),
        ],
        tx,
      );
    });
    this.lastPublishedPercent = this.progressPercent;
  }

  /** Records backfill progress (when it moved) and lets the owner renew its lease. */
  private async checkpoint(percent?: number): Promise<void> {
    this.throwIfAborted();
    if (this.backfill) {
      if (percent !== undefined) {
        this.progressPercent = Math.max(this.progressPercent, clampPercent(percent));
      }
      if (this.progressPercent !== this.lastPublishedPercent) {
        await this.saveProgress('backfilling');
      }
    }
    await this.options.onCheckpoint?.();
  }

  // -------------------------------------------------------------------------------------------
  // Repository

  private async syncRepositoryMetadata(): Promise<string | null> {
    const requestKey = 'repo';
    const response = await this.get(
      '/repos/{owner}/{repo}',
      {},
      this.etagFor('repo', requestKey),
    );
    if (!response.modified) {
      return this.repo.defaultBranch;
    }
    const repository = parseRepository(response.data);
    this.keepEtag('repo', requestKey, response.etag);
    if (repository.githubId !== this.repo.githubId) {
      await this.options.store.updateRepository(this.repo.id, {
        githubId: repository.githubId,
      });
    }
    return repository.defaultBranch;
  }

  // -------------------------------------------------------------------------------------------
  // Pull requests

  private async syncPullRequests(): Promise<Date> {
    let newest = this.repo.pullsCursor;
    const seen = (updatedAt: Date) => {
      if (!newest || updatedAt > newest) {
        newest = updatedAt;
      }
    };

    if (this.backfill) {
      // Open pull requests of any age, then closed ones updated within the lookback.
      await this.walkPullRequests({ state: 'open', sort: 'created' }, seen);
      await this.checkpoint(10);
      const lookbackMs = this.startedAt.getTime() - this.lookbackStart.getTime();
      await this.walkPullRequests(
        { state: 'closed', sort: 'updated', stopBefore: this.lookbackStart },
        seen,
        oldest =>
          this.checkpoint(
            10 + (40 * (this.startedAt.getTime() - oldest.getTime())) / lookbackMs,
          ),
      );
    } else {
      await this.walkPullRequests(
        {
          state: 'all',
          sort: 'updated',
          stopBefore: this.repo.pullsCursor ?? this.lookbackStart,
          etagResource: 'pulls',
        },
        seen,
      );
    }
    return newest ?? this.lookbackStart;
  }

  private async walkPullRequests(
    query: {
      state: 'open' | 'closed' | 'all';
      sort: 'created' | 'updated';
      /** Stop at the first pull request updated before this. */
      stopBefore?: Date;
      /** Make the first page conditional, with the ETag stored under this name. */
      etagResource?: string;
    },
    seen: (updatedAt: Date) => void,
    onPage?: (oldestUpdatedAt: Date) => Promise<void>,
  ): Promise<void> {
    for (let page = 1; ; page++) {
      const params = {
        state: query.state,
        sort: query.sort,
        direction: 'desc',
        per_page: PER_PAGE,
        page,
      };
      const requestKey = JSON.stringify(params);
      const conditional = page === 1 && query.etagResource;
      const response = await this.get(
        '/repos/{owner}/{repo}/pulls',
        params,
        conditional ? this.etagFor(query.etagResource!, requestKey) : undefined,
      );
      if (!response.modified) {
        return;
      }
      if (conditional) {
        this.keepEtag(query.etagResource!, requestKey, response.etag);
      }
      const items = Array.isArray(response.data) ? response.data : [];
      const headers: Array<{ raw: unknown; header: PullRequestHeader }> = [];
      let reachedStop = false;
      let oldest: Date | undefined;
      for (const raw of items) {
        let header: PullRequestHeader;
        try {
          header = parsePullRequestHeader(raw);
        } catch (error) {
          this.skipMalformed(error);
          continue;
        }
        if (query.stopBefore && header.updatedAt < query.stopBefore) {
          reachedStop = true;
          if (query.sort === 'updated') {
            break;
          }
          continue;
        }
        oldest = header.updatedAt;
        seen(header.updatedAt);
        headers.push({ raw, header });
      }
      await this.processPullRequests(headers.map(h => h.header));
      if (oldest && onPage) {
        await onPage(oldest);
      } else {
        await this.checkpoint();
      }
      if (reachedStop || !response.hasNextPage || items.length === 0) {
        return;
      }
    }
  }

  private async processPullRequests(headers: PullRequestHeader[]) {
    if (headers.length === 0) {
      return;
    }
    const stored = await this.options.store.getPullHeaders(
      this.repo.id,
      headers.map(h => h.number),
    );
    const changed = headers.filter(header => {
      const existing = stored.get(header.number);
      return (
        !existing ||
        existing.updatedAt < header.updatedAt ||
        existing.headSha !== header.headSha ||
        existing.state !== header.state
      );
    });
    await Promise.all(
      changed.map(header =>
        this.syncPullRequest(header.number).catch(error =>
          this.skipMalformed(error),
        ),
      ),
    );
  }

  private async fetchReviews(number: number): Promise<ReviewRecord[]> {
    const reviews: ReviewRecord[] = [];
    for (let page = 1; ; page++) {
      const response = await this.get(
        '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
        { pull_number: number, per_page: PER_PAGE, page },
      );
      if (!response.modified) {
        break;
      }
      const items = Array.isArray(response.data) ? response.data : [];
      for (const raw of items) {
        try {
          reviews.push(parseReview(raw, number));
        } catch (error) {
          this.skipMalformed(error);
        }
      }
      if (!response.hasNextPage || items.length === 0) {
        break;
      }
    }
    return reviews;
  }

  private async syncPullRequest(number: number): Promise<void> {
    const detail = await this.get('/repos/{owner}/{repo}/pulls/{pull_number}', {
      pull_number: number,
    });
    if (!detail.modified) {
      return;
    }
    const pull = parsePullRequest(detail.data);
    const reviews = await this.fetchReviews(number);
    if (pull.state === 'open') {
      const commit = await this.options.store.getCommit(this.repo.id, pull.headSha);
      if (!commit?.checkedAt) {
        await this.pollCi(pull.headSha, false);
      }
    }
    const { store } = this.options;
    await store.transaction(async (txStore, tx) => {
      const current = await txStore.getPullRecord(this.repo.id, number);
      // A webhook may have stored a newer version while this one was being fetched.
      if (current && current.record.updatedAt > pull.updatedAt) {
        return;
      }
      await txStore.replaceReviews(this.repo.id, number, reviews);
      const derived = {
        firstReviewAt: deriveFirstReviewAt(reviews, pull.authorLogin),
        reviewDecision: deriveReviewDecision(reviews, pull.authorLogin),
        ciState: await txStore.getCiState(this.repo.id, pull.headSha),
      };
      await txStore.upsertPull(this.repo.id, pull, derived);
      this.itemsChanged++;
      this.itemsSynced++;
      await this.publishItems(
        GITHUB_EVENT_TYPES.pullRequestUpdated,
        [toApiPullRequest(pull, derived)],
        tx,
      );
    });
  }

  // -------------------------------------------------------------------------------------------
  // CI state of open pull request heads

  private async pollOpenHeads(): Promise<void> {
    const now = this.options.clock.now();
    const heads = await this.options.store.listOpenPullHeads(this.repo.id);
    const due = new Set<string>();
    for (const head of heads) {
      if (this.polledHeads.has(head.headSha)) {
        continue;
      }
      const stale =
        !head.checkedAt ||
        now.getTime() - head.checkedAt.getTime() >= this.options.ciRecheckMs;
      if (stale || head.ciState === 'pending' || head.ciState === 'none') {
        due.add(head.headSha);
      }
    }
    await Promise.all([...due].map(sha => this.pollCi(sha, true)));
  }

  /**
   * Reads a commit's check runs and commit statuses (conditionally) and recomputes its CI state.
   * With `publishChanges`, pull requests whose CI state changed are published.
   */
  private async pollCi(sha: string, publishChanges: boolean): Promise<void> {
    this.polledHeads.add(sha);
    const { store } = this.options;
    const commit = await store.getCommit(this.repo.id, sha);
    const checks = await this.get(
      '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      { ref: sha, per_page: PER_PAGE },
      this.options.useEtags ? commit?.checksEtag ?? undefined : undefined,
    );
    let checkRuns: CheckRecord[] | undefined;
    if (checks.modified) {
      checkRuns = [];
      let list = parseCheckRunList(checks.data);
      let hasNext = checks.hasNextPage;
      for (let page = 2; ; page++) {
        for (const raw of list.items) {
          try {
            checkRuns.push(parseCheck(raw, 'check_run'));
          } catch (error) {
            this.skipMalformed(error);
          }
        }
        if (!hasNext) {
          break;
        }
        const next = await this.get(
          '/repos/{owner}/{repo}/commits/{ref}/check-runs',
          { ref: sha, per_page: PER_PAGE, page },
        );
        if (!next.modified) {
          break;
        }
        list = parseCheckRunList(next.data);
        hasNext = next.hasNextPage && list.items.length > 0;
      }
    }
    const combined = await this.get(
      '/repos/{owner}/{repo}/commits/{ref}/status',
      { ref: sha, per_page: PER_PAGE },
      this.options.useEtags ? commit?.statusesEtag ?? undefined : undefined,
    );
    const statuses = combined.modified
      ? parseCombinedStatus(combined.data, sha)
      : undefined;

    const now = this.options.clock.now();
    if (!checkRuns && !statuses) {
      await store.touchCommit(this.repo.id, sha, now);
      return;
    }
    await store.transaction(async (txStore, tx) => {
      await txStore.replaceChecks(
        this.repo.id,
        sha,
        {
          checkRuns,
          statuses,
          checksEtag: checks.modified ? checks.etag : commit?.checksEtag ?? null,
          statusesEtag: combined.modified
            ? combined.etag
            : commit?.statusesEtag ?? null,
        },
        now,
      );
      const changed: PullRequest[] = await txStore.recomputeCiState(
        this.repo.id,
        sha,
        now,
      );
      if (publishChanges) {
        await this.publishItems(
          GITHUB_EVENT_TYPES.pullRequestUpdated,
          changed,
          tx,
        );
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Workflow runs

  /**
   * Walks a list newest first with one conditional request per page. An unchanged page ends the
   * walk unless the page after it existed last time; `onPage` returns false to stop early.
   */
  private async walkPages(
    resource: string,
    route: string,
    params: Record<string, string | number>,
    onPage: (data: unknown) => Promise<boolean>,
  ): Promise<void> {
    const touched = new Set<string>();
    const keyOf = (page: number) =>
      JSON.stringify({ ...params, per_page: PER_PAGE, page });
    for (let page = 1; ; page++) {
      const pageResource = `${resource}:p${page}`;
      const requestKey = keyOf(page);
      touched.add(pageResource);
      const response = await this.get(
        route,
        { ...params, per_page: PER_PAGE, page },
        this.etagFor(pageResource, requestKey),
      );
      if (!response.modified) {
        if (this.etagFor(`${resource}:p${page + 1}`, keyOf(page + 1))) {
          continue;
        }
        break;
      }
      this.keepEtag(pageResource, requestKey, response.etag);
      const more = await onPage(response.data);
      if (!more || !response.hasNextPage) {
        break;
      }
    }
    for (const stored of this.etags.keys()) {
      if (stored.startsWith(`${resource}:p`) && !touched.has(stored)) {
        this.newEtags.set(stored, null);
      }
    }
  }

  private async syncWorkflowRuns(): Promise<Date> {
    const { store } = this.options;
    const since = this.backfill
      ? this.lookbackStart
      : this.repo.runsCursor ?? this.lookbackStart;
    let processed = 0;
    // Runs are listed by creation; the cursor stays at the oldest run still in progress so that
    // status changes are seen. Re-runs of older runs arrive by webhook.
    await this.walkPages(
      'runs',
      '/repos/{owner}/{repo}/actions/runs',
      { created: `>=${isoSeconds(since)}` },
      async data => {
        const list = parseWorkflowRunList(data);
        await this.applyRuns(list.items);
        processed += list.items.length;
        if (this.backfill && list.totalCount > 0) {
          await this.checkpoint(60 + (30 * processed) / list.totalCount);
        } else {
          await this.checkpoint();
        }
        return list.items.length > 0;
      },
    );

    const now = this.options.clock.now();
    const newest = await store.newestRunCreatedAt(this.repo.id);
    const oldestIncomplete = await store.oldestIncompleteRunSince(
      this.repo.id,
      new Date(Math.max(since.getTime(), now.getTime() - STUCK_RUN_MS)),
    );
    const candidates = [newest, oldestIncomplete].filter(
      (d): d is Date => d !== null,
    );
    if (candidates.length === 0) {
      return since;
    }
    const cursor = new Date(Math.min(...candidates.map(d => d.getTime())));
    return cursor < since ? since : cursor;
  }

  private async applyRuns(items: unknown[]): Promise<void> {
    const runs: WorkflowRunRecord[] = [];
    for (const raw of items) {
      try {
        runs.push(parseWorkflowRun(raw));
      } catch (error) {
        this.skipMalformed(error);
      }
    }
    if (runs.length === 0) {
      return;
    }
    await this.options.store.transaction(async (txStore, tx) => {
      const stored = await txStore.getRunVersions(
        this.repo.id,
        runs.map(run => run.id),
      );
      const changed = runs.filter(run => {
        const existing = stored.get(run.id);
        return !existing || isRunUpdate(existing, run);
      });
      await txStore.upsertRuns(this.repo.id, changed);
      this.itemsChanged += changed.length;
      this.itemsSynced += changed.length;
      await this.publishItems(
        GITHUB_EVENT_TYPES.workflowRunUpdated,
        changed.map(toApiWorkflowRun),
        tx,
      );
    });
  }

  // -------------------------------------------------------------------------------------------
  // Deployments

  private async syncDeployments(): Promise<Date> {
    const { store } = this.options;
    let newest = this.repo.deploymentsCursor;
    const visited = new Set<number>();
    const lookbackMs = this.startedAt.getTime() - this.lookbackStart.getTime();

    // Older deployments change too (GitHub marks them inactive when a newer one succeeds), so
    // the walk covers the lookback, page by conditional page.
    await this.walkPages(
      'deployments',
      '/repos/{owner}/{repo}/deployments',
      {},
      async data => {
        const items = Array.isArray(data) ? data : [];
        const deployments: DeploymentRecord[] = [];
        let reachedStop = false;
        for (const raw of items) {
          try {
            const deployment = parseDeployment(raw);
            if (deployment.createdAt < this.lookbackStart) {
              reachedStop = true;
              break;
            }
            deployments.push(deployment);
          } catch (error) {
            this.skipMalformed(error);
          }
        }
        const stored = await store.getDeployments(
          this.repo.id,
          deployments.map(d => d.id),
        );
        await Promise.all(
          deployments.map(async deployment => {
            visited.add(deployment.id);
            if (!newest || deployment.createdAt > newest) {
              newest = deployment.createdAt;
            }
            const existing = stored.get(deployment.id);
            if (
              existing &&
              existing.updatedAt >= deployment.updatedAt &&
              isFinalDeploymentState(existing.state)
            ) {
              return;
            }
            await this.syncDeploymentStatus(
              {
                ...deployment,
                state: existing?.state ?? null,
                statusId: existing?.statusId ?? null,
                statusAt: existing?.statusAt ?? null,
                statusesEtag: existing?.statusesEtag ?? null,
              },
              Boolean(existing),
            );
          }),
        );
        const oldest = deployments[deployments.length - 1];
        if (this.backfill && oldest) {
          await this.checkpoint(
            90 +
              (10 * (this.startedAt.getTime() - oldest.createdAt.getTime())) /
                lookbackMs,
          );
        } else {
          await this.checkpoint();
        }
        return !reachedStop && items.length > 0;
      },
    );

    const unfinished = await store.listUnfinishedDeployments(
      this.repo.id,
      this.lookbackStart,
    );
    await Promise.all(
      unfinished
        .filter(deployment => !visited.has(deployment.id))
        .map(deployment => this.syncDeploymentStatus(deployment, true)),
    );
    return newest ?? this.lookbackStart;
  }

  private async syncDeploymentStatus(
    deployment: StoredDeployment,
    known: boolean,
  ): Promise<void> {
    const response = await this.get(
      '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      { deployment_id: deployment.id, per_page: PER_PAGE },
      known && this.options.useEtags
        ? deployment.statusesEtag ?? undefined
        : undefined,
    );
    if (!response.modified && known) {
      return;
    }
    let next: StoredDeployment = deployment;
    if (response.modified) {
      const items = Array.isArray(response.data) ? response.data : [];
      const statuses: DeploymentStatusRecord[] = [];
      for (const raw of items) {
        try {
          statuses.push(parseDeploymentStatus(raw));
        } catch (error) {
          this.skipMalformed(error);
        }
      }
      const latest = latestDeploymentStatus(statuses);
      next = {
        ...deployment,
        statusesEtag: response.etag,
        ...(latest &&
        (!deployment.statusAt || latest.createdAt >= deployment.statusAt)
          ? { state: latest.state, statusId: latest.id, statusAt: latest.createdAt }
          : {}),
      };
    }
    await this.options.store.transaction(async (txStore, tx) => {
      await txStore.upsertDeployment(this.repo.id, next);
      const changed =
        !known ||
        next.state !== deployment.state ||
        next.statusId !== deployment.statusId;
      if (changed) {
        this.itemsChanged++;
        this.itemsSynced++;
        const payload: DeploymentEventPayload = {
          id: next.id,
          environment: next.environment,
          sha: next.sha,
          ref: next.ref,
          state: next.state,
          createdAt: next.createdAt.toISOString(),
          updatedAt: next.updatedAt.toISOString(),
        };
        await this.publishItems(GITHUB_EVENT_TYPES.deploymentUpdated, [payload], tx);
      }
    });
  }
}
