import { LoggerService } from '@backstage/backend-plugin-api';
import {
  NewPulseDomainEvent,
  PullRequest,
  SyncStatus,
} from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import {
  DeploymentEventPayload,
  GITHUB_EVENT_TYPES,
  toApiPullRequest,
  toApiStoredPullRequest,
  toApiWorkflowRun,
} from './responses';
import {
  deriveFirstReviewAt,
  deriveReadyForReviewAt,
  deriveReviewDecision,
  DraftEvent,
  isFinalDeploymentState,
  isRunUpdate,
} from './derive';
import { Clock, GithubHostClient, RepositoryRef } from './GithubClient';
import {
  attemptOfRun,
  GithubStore,
  StoredDeployment,
  StoredEtag,
  SyncedRepository,
  WorkflowRunAttemptRecord,
} from './store';
import {
  CheckRecord,
  CommitRecord,
  DeploymentRecord,
  earlierSuccess,
  firstSuccessAt,
  latestDeploymentStatus,
  MalformedItemError,
  parseCheck,
  parseCheckRunList,
  parseCombinedStatus,
  parseCommit,
  parseDeployment,
  parseDeploymentStatus,
  parsePullRequest,
  parsePullRequestHeader,
  parseRepository,
  parseReview,
  parseTimelineEvent,
  namesItsWorkflow,
  parseWorkflowList,
  parseWorkflowRun,
  parseWorkflowRunList,
  PullRequestHeader,
  PullRequestRecord,
  ReviewRecord,
  WorkflowRunRecord,
} from './githubRecords';

const PER_PAGE = 100;
/** Merged pull requests whose commits and timeline one sync reads, at most. */
const FLOW_PULLS_PER_SYNC = 100;
/** Timeline pages read per pull request while looking for its first draft event. */
const TIMELINE_PAGES = 10;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Runs that stay incomplete longer than this no longer hold the runs cursor back. */
const STUCK_RUN_MS = DAY_MS;

/** A commit's CI as read from GitHub; absent lists were unchanged (`304`). */
interface FetchedCi {
  sha: string;
  checkRuns?: CheckRecord[];
  statuses?: CheckRecord[];
  checksEtag: string | null;
  statusesEtag: string | null;
}

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
  /**
   * Called first in every transaction that writes what the sync read; throws when the sync may
   * no longer write (its lease was taken over), which rolls the transaction back.
   */
  fence?: (store: GithubStore) => Promise<void>;
  signal?: AbortSignal;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Phase = 'pulls' | 'runs' | 'deployments';

/** Shares of a typical backfill's requests: pull requests (with reviews and CI), runs, deployments. */
const PHASE_WEIGHTS: Record<Phase, number> = {
  pulls: 0.6,
  runs: 0.1,
  deployments: 0.3,
};

/** Like Promise.all, but waits for every task to settle before throwing the first failure. */
async function allSettledOrThrow<T extends readonly unknown[]>(
  tasks: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (failed) {
    throw failed.reason;
  }
  return results.map(
    r => (r as PromiseFulfilledResult<unknown>).value,
  ) as unknown as T;
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
  private workflowNames?: Map<number, string>;
  private itemsChanged = 0;
  private malformed = 0;
  private itemsSynced: number;
  private progressPercent: number;
  private readonly phaseProgress: Record<Phase, number> = {
    pulls: 0,
    runs: 0,
    deployments: 0,
  };
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
    this.etags = await store.repositories.getEtags(this.repo.id);
    if (this.backfill) {
      await this.saveProgress('backfilling');
    } else {
      await this.transaction(txStore =>
        txStore.repositories.updateRepository(this.repo.id, {
          state: 'syncing',
          lastAttemptAt: this.startedAt,
        }),
      );
    }

    const defaultBranch = await this.syncRepositoryMetadata();
    // The three lists are independent: reading them side by side keeps more requests in flight.
    const [pullsCursor, runsCursor, deploymentsCursor] =
      await allSettledOrThrow([
        (async () => {
          const cursor = await this.syncPullRequests();
          await this.pollOpenHeads();
          if (!this.backfill) {
            await this.syncPullFlows();
          }
          await this.checkpoint('pulls', 1);
          return cursor;
        })(),
        this.syncWorkflowRuns(),
        this.syncDeployments(),
        this.syncBranchCommits(defaultBranch),
      ]);

    const finishedAt = this.options.clock.now();
    const wasAlreadyIdle =
      !this.backfill && this.repo.state === 'idle' && !this.repo.lastError;
    await this.transaction(async (txStore, tx) => {
      await txStore.repositories.saveEtags(
        this.repo.id,
        this.newEtags,
        finishedAt,
      );
      await txStore.repositories.updateRepository(this.repo.id, {
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

  /** A transaction of this sync's writes, behind its fence. */
  private transaction<T>(
    fn: (store: GithubStore, tx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    return this.options.store.transaction(async (txStore, tx) => {
      await this.options.fence?.(txStore);
      return fn(txStore, tx);
    });
  }

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

  /**
   * A GET of this repository's, parsed by `parse` before anything else runs: the raw response
   * is never held across an await (under load, held responses are what fills the heap).
   */
  private async get<T>(
    route: string,
    params: Record<string, string | number | undefined>,
    etag: string | undefined,
    parse: (data: unknown) => T,
  ): Promise<
    | { modified: false }
    | { modified: true; etag: string | null; hasNextPage: boolean; value: T }
  > {
    this.throwIfAborted();
    const response = await this.options.client.get<unknown>(
      route,
      { ...this.repoParams, ...params },
      { repo: this.target.ref, etag },
    );
    if (!response.modified) {
      return response;
    }
    return {
      modified: true,
      etag: response.etag,
      hasNextPage: response.hasNextPage,
      value: parse(response.data),
    };
  }

  /**
   * Parses the items of a list, skipping (and logging) malformed ones. A response that is not a
   * list at all fails the sync: read as an empty list, it would end a walk early.
   */
  private items<T>(
    data: unknown,
    parse: (raw: unknown) => T,
  ): { values: T[]; count: number } {
    if (!Array.isArray(data)) {
      throw new Error(
        `GitHub answered a list request for ${this.target.displaySlug} with ${
          data === '' ? 'an empty body' : typeof data
        }`,
      );
    }
    const list = data;
    const values: T[] = [];
    for (const raw of list) {
      try {
        values.push(parse(raw));
      } catch (error) {
        this.skipMalformed(error);
      }
    }
    return { values, count: list.length };
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
  ): Omit<SyncStatus, 'version'> {
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
    await this.transaction(async (txStore, tx) => {
      await txStore.repositories.updateRepository(this.repo.id, {
        state,
        progressPercent: this.progressPercent,
        itemsSynced: this.itemsSynced,
        lastAttemptAt: this.startedAt,
      });
      await this.publish(
        GITHUB_EVENT_TYPES.syncProgress,
        [this.syncStatus(state, this.progressPercent, this.repo.lastSyncedAt)],
        tx,
      );
    });
    this.lastPublishedPercent = this.progressPercent;
  }

  /**
   * Records backfill progress (when it moved) and lets the owner renew its lease. Progress is
   * each phase's share of its work, weighted by how much of the backfill it usually is.
   */
  private async checkpoint(phase?: Phase, fraction?: number): Promise<void> {
    this.throwIfAborted();
    if (this.backfill) {
      if (phase && fraction !== undefined) {
        this.phaseProgress[phase] = Math.max(
          this.phaseProgress[phase],
          Math.min(1, fraction),
        );
        const percent =
          100 *
          (PHASE_WEIGHTS.pulls * this.phaseProgress.pulls +
            PHASE_WEIGHTS.runs * this.phaseProgress.runs +
            PHASE_WEIGHTS.deployments * this.phaseProgress.deployments);
        this.progressPercent = Math.max(
          this.progressPercent,
          clampPercent(percent),
        );
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
      parseRepository,
    );
    if (!response.modified) {
      return this.repo.defaultBranch;
    }
    const repository = response.value;
    this.keepEtag('repo', requestKey, response.etag);
    if (repository.githubId !== this.repo.githubId) {
      await this.transaction(txStore =>
        txStore.repositories.updateRepository(this.repo.id, {
          githubId: repository.githubId,
        }),
      );
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
      await this.checkpoint('pulls', 0.15);
      const lookbackMs =
        this.startedAt.getTime() - this.lookbackStart.getTime();
      await this.walkPullRequests(
        { state: 'closed', sort: 'updated', stopBefore: this.lookbackStart },
        seen,
        oldest =>
          this.checkpoint(
            'pulls',
            0.15 +
              (0.8 * (this.startedAt.getTime() - oldest.getTime())) /
                lookbackMs,
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
        data => this.items(data, parsePullRequestHeader),
      );
      if (!response.modified) {
        return;
      }
      if (conditional) {
        this.keepEtag(query.etagResource!, requestKey, response.etag);
      }
      const headers: PullRequestHeader[] = [];
      let reachedStop = false;
      let oldest: Date | undefined;
      for (const header of response.value.values) {
        if (query.stopBefore && header.updatedAt < query.stopBefore) {
          reachedStop = true;
          if (query.sort === 'updated') {
            break;
          }
          continue;
        }
        oldest = header.updatedAt;
        seen(header.updatedAt);
        headers.push(header);
      }
      await this.processPullRequests(headers);
      if (oldest && onPage) {
        await onPage(oldest);
      } else {
        await this.checkpoint();
      }
      if (reachedStop || !response.hasNextPage || response.value.count === 0) {
        return;
      }
    }
  }

  /**
   * Fetches the pull requests of a list page that changed (detail, reviews, and the CI of new
   * heads) concurrently, then writes them in one transaction.
   */
  private async processPullRequests(headers: PullRequestHeader[]) {
    if (headers.length === 0) {
      return;
    }
    const { store } = this.options;
    const stored = await store.pullRequests.getPullHeaders(
      this.repo.id,
      headers.map(h => h.number),
    );
    const changed = headers.filter(header => {
      const existing = stored.get(header.number);
      return (
        !existing ||
        !existing.reviewsSynced ||
        existing.updatedAt < header.updatedAt ||
        existing.headSha !== header.headSha ||
        existing.state !== header.state
      );
    });
    const commits = await store.pullRequests.getCommits(
      this.repo.id,
      changed.map(h => h.headSha),
    );
    const numbers = new Set<number>();
    const fetched = (
      await Promise.all(
        changed.map(header =>
          this.fetchPullRequest(
            header.number,
            sha => commits.get(sha)?.checked ?? false,
          ).catch(error => {
            this.skipMalformed(error);
            return undefined;
          }),
        ),
      )
    )
      .filter(<T>(item: T | undefined): item is T => item !== undefined)
      // A list page names each pull request once; this keeps multi-row upserts safe regardless.
      .filter(
        ({ pull }) => !numbers.has(pull.number) && numbers.add(pull.number),
      );
    if (fetched.length === 0) {
      return;
    }
    const now = this.options.clock.now();
    await this.transaction(async (txStore, tx) => {
      for (const { ci } of fetched) {
        if (ci) {
          await this.writeCi(txStore, ci, now);
        }
      }
      // A webhook may have stored a newer version while these were being fetched.
      const current = await txStore.pullRequests.getPullHeaders(
        this.repo.id,
        fetched.map(f => f.pull.number),
      );
      const fresh = fetched.filter(({ pull }) => {
        const newest = current.get(pull.number);
        return !newest || newest.updatedAt <= pull.updatedAt;
      });
      const ciStates = await txStore.pullRequests.getCommits(
        this.repo.id,
        fresh.map(f => f.pull.headSha),
      );
      const items = fresh.map(({ pull, reviews }) => ({
        pull,
        derived: {
          firstReviewAt: deriveFirstReviewAt(reviews, pull.authorLogin),
          reviewDecision: deriveReviewDecision(reviews, pull.authorLogin),
          ciState: ciStates.get(pull.headSha)?.ciState ?? ('none' as const),
        },
      }));
      await txStore.pullRequests.replaceReviews(
        this.repo.id,
        fresh.map(f => f.pull.number),
        fresh.flatMap(f => f.reviews),
      );
      await txStore.pullRequests.upsertPulls(this.repo.id, items);
      this.itemsChanged += items.length;
      this.itemsSynced += items.length;
      await this.publishItems(
        GITHUB_EVENT_TYPES.pullRequestUpdated,
        items.map(({ pull, derived }) => toApiPullRequest(pull, derived)),
        tx,
      );
    });
  }

  private async fetchReviews(number: number): Promise<ReviewRecord[]> {
    const reviews: ReviewRecord[] = [];
    for (let page = 1; ; page++) {
      const response = await this.get(
        '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
        { pull_number: number, per_page: PER_PAGE, page },
        undefined,
        data => this.items(data, raw => parseReview(raw, number)),
      );
      if (!response.modified) {
        break;
      }
      reviews.push(...response.value.values);
      if (!response.hasNextPage || response.value.count === 0) {
        break;
      }
    }
    return reviews;
  }

  private async fetchPullRequest(
    number: number,
    ciChecked: (sha: string) => boolean,
  ): Promise<
    | { pull: PullRequestRecord; reviews: ReviewRecord[]; ci?: FetchedCi }
    | undefined
  > {
    const detail = await this.get(
      '/repos/{owner}/{repo}/pulls/{pull_number}',
      { pull_number: number },
      undefined,
      parsePullRequest,
    );
    if (!detail.modified) {
      return undefined;
    }
    const pull = detail.value;
    const reviews = await this.fetchReviews(number);
    let ci: FetchedCi | undefined;
    if (
      pull.state === 'open' &&
      !this.polledHeads.has(pull.headSha) &&
      !ciChecked(pull.headSha)
    ) {
      ci = await this.fetchCi(pull.headSha);
    }
    return { pull, reviews, ci };
  }

  // -------------------------------------------------------------------------------------------
  // Flow of merged pull requests (for delivery metrics)

  /**
   * Reads, once per merged pull request within the lookback, its first commit's author date and
   * when it became ready for review. Runs after the backfill, a bounded number per sync, so the
   * first sync shows the cards as soon as it can; nothing is requested when nothing is pending.
   */
  private async syncPullFlows(): Promise<void> {
    const pending = await this.options.store.pullRequests.listPullsAwaitingFlow(
      this.repo.id,
      this.lookbackStart,
      FLOW_PULLS_PER_SYNC,
    );
    if (pending.length === 0) {
      return;
    }
    const flows = await Promise.all(
      pending.map(async pull => {
        const [firstCommitAt, draftEvents] = await Promise.all([
          this.fetchFirstCommitAt(pull.number),
          this.fetchFirstDraftEvent(pull.number),
        ]);
        return {
          number: pull.number,
          firstCommitAt,
          readyForReviewAt: deriveReadyForReviewAt(
            pull.createdAt,
            pull.draft,
            draftEvents,
          ),
        };
      }),
    );
    await this.transaction(txStore =>
      txStore.pullRequests.recordFlow(this.repo.id, flows),
    );
    await this.checkpoint();
  }

  /** A GET whose answer is `undefined` when GitHub no longer has the resource (404). */
  private async getUnlessGone<T>(
    route: string,
    params: Record<string, string | number>,
    parse: (data: unknown) => T,
  ): Promise<{ value: T; hasNextPage: boolean } | undefined> {
    try {
      const response = await this.get(route, params, undefined, parse);
      return response.modified ? response : undefined;
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /** The earliest author date of a pull request's first page of commits (listed oldest first). */
  private async fetchFirstCommitAt(number: number): Promise<Date | null> {
    const response = await this.getUnlessGone(
      '/repos/{owner}/{repo}/pulls/{pull_number}/commits',
      { pull_number: number, per_page: PER_PAGE },
      data => this.items(data, parseCommit).values,
    );
    if (!response) {
      return null;
    }
    let first: Date | null = null;
    for (const commit of response.value) {
      const at = commit.authoredAt ?? commit.committedAt;
      if (at && (!first || at < first)) {
        first = at;
      }
    }
    return first;
  }

  /** The first draft transition on a pull request's timeline (listed oldest first), if any. */
  private async fetchFirstDraftEvent(number: number): Promise<DraftEvent[]> {
    for (let page = 1; page <= TIMELINE_PAGES; page++) {
      const response = await this.getUnlessGone(
        '/repos/{owner}/{repo}/issues/{issue_number}/timeline',
        { issue_number: number, per_page: PER_PAGE, page },
        data => this.items(data, parseTimelineEvent),
      );
      if (!response) {
        return [];
      }
      for (const item of response.value.values) {
        if (
          item.createdAt &&
          (item.event === 'ready_for_review' ||
            item.event === 'convert_to_draft')
        ) {
          return [{ event: item.event, at: item.createdAt }];
        }
      }
      if (!response.hasNextPage || response.value.count === 0) {
        return [];
      }
    }
    return [];
  }

  // -------------------------------------------------------------------------------------------
  // CI state of open pull request heads

  private async pollOpenHeads(): Promise<void> {
    const now = this.options.clock.now();
    const heads = await this.options.store.pullRequests.listOpenPullHeads(
      this.repo.id,
    );
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
    const fetched = await Promise.all([...due].map(sha => this.fetchCi(sha)));
    const writtenAt = this.options.clock.now();
    for (let i = 0; i < fetched.length; i += PER_PAGE) {
      await this.transaction(async (txStore, tx) => {
        const changed: PullRequest[] = [];
        for (const ci of fetched.slice(i, i + PER_PAGE)) {
          changed.push(...(await this.writeCi(txStore, ci, writtenAt)));
        }
        await this.publishItems(
          GITHUB_EVENT_TYPES.pullRequestUpdated,
          changed,
          tx,
        );
      });
    }
  }

  /** Reads a commit's check runs and commit statuses, conditionally. */
  private async fetchCi(sha: string): Promise<FetchedCi> {
    this.polledHeads.add(sha);
    const commit = await this.options.store.pullRequests.getCommit(
      this.repo.id,
      sha,
    );
    const checkRunPage = (data: unknown) => {
      const list = parseCheckRunList(data);
      return {
        count: list.items.length,
        values: this.items(list.items, raw => parseCheck(raw, 'check_run'))
          .values,
      };
    };
    const checks = await this.get(
      '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      { ref: sha, per_page: PER_PAGE },
      this.options.useEtags ? commit?.checksEtag ?? undefined : undefined,
      checkRunPage,
    );
    let checkRuns: CheckRecord[] | undefined;
    if (checks.modified) {
      checkRuns = [...checks.value.values];
      let hasNext = checks.hasNextPage && checks.value.count > 0;
      for (let page = 2; hasNext; page++) {
        const next = await this.get(
          '/repos/{owner}/{repo}/commits/{ref}/check-runs',
          { ref: sha, per_page: PER_PAGE, page },
          undefined,
          checkRunPage,
        );
        if (!next.modified) {
          break;
        }
        checkRuns.push(...next.value.values);
        hasNext = next.hasNextPage && next.value.count > 0;
      }
    }
    const combined = await this.get(
      '/repos/{owner}/{repo}/commits/{ref}/status',
      { ref: sha, per_page: PER_PAGE },
      this.options.useEtags ? commit?.statusesEtag ?? undefined : undefined,
      data => parseCombinedStatus(data, sha),
    );
    return {
      sha,
      checkRuns,
      statuses: combined.modified ? combined.value : undefined,
      checksEtag: checks.modified ? checks.etag : commit?.checksEtag ?? null,
      statusesEtag: combined.modified
        ? combined.etag
        : commit?.statusesEtag ?? null,
    };
  }

  /** Stores what `fetchCi` read; returns the pull requests whose CI state changed. */
  private async writeCi(
    txStore: GithubStore,
    ci: FetchedCi,
    now: Date,
  ): Promise<PullRequest[]> {
    if (!ci.checkRuns && !ci.statuses) {
      await txStore.pullRequests.touchCommit(this.repo.id, ci.sha, now);
      return [];
    }
    await txStore.pullRequests.replaceChecks(this.repo.id, ci.sha, ci, now);
    const changed = await txStore.pullRequests.recomputeCiState(
      this.repo.id,
      ci.sha,
      now,
    );
    return changed.map(toApiStoredPullRequest);
  }

  // -------------------------------------------------------------------------------------------
  // Workflow runs

  /**
   * Walks a list newest first with one conditional request per page. An unchanged page ends the
   * walk unless the page after it existed last time; `onPage` returns false to stop early.
   */
  private async walkPages<T>(
    resource: string,
    route: string,
    params: Record<string, string | number>,
    parse: (data: unknown) => T,
    onPage: (page: T) => Promise<boolean>,
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
        parse,
      );
      if (!response.modified) {
        if (this.etagFor(`${resource}:p${page + 1}`, keyOf(page + 1))) {
          continue;
        }
        break;
      }
      this.keepEtag(pageResource, requestKey, response.etag);
      const more = await onPage(response.value);
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
      data => {
        const list = parseWorkflowRunList(data);
        const names = this.workflowNames;
        // Runs without a name of their own wait for their workflow's name (one request a sync).
        const unnamed = names
          ? []
          : list.items.filter(raw => !namesItsWorkflow(raw));
        const runs = this.items(
          unnamed.length
            ? list.items.filter(raw => !unnamed.includes(raw))
            : list.items,
          raw =>
            parseWorkflowRun(
              raw,
              names?.get((raw as { workflow_id?: number }).workflow_id ?? -1),
            ),
        ).values;
        return {
          totalCount: list.totalCount,
          count: list.items.length,
          runs,
          unnamed,
        };
      },
      async page => {
        if (page.unnamed.length > 0) {
          const names = await this.loadWorkflowNames();
          page.runs.push(
            ...this.items(page.unnamed, raw =>
              parseWorkflowRun(
                raw,
                names.get((raw as { workflow_id?: number }).workflow_id ?? -1),
              ),
            ).values,
          );
        }
        await this.applyRuns(page.runs);
        processed += page.count;
        if (this.backfill && page.totalCount > 0) {
          await this.checkpoint('runs', processed / page.totalCount);
        } else {
          await this.checkpoint();
        }
        return page.count > 0;
      },
    );

    const now = this.options.clock.now();
    const newest = await store.workflowRuns.newestRunCreatedAt(this.repo.id);
    const oldestIncomplete = await store.workflowRuns.oldestIncompleteRunSince(
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

  /** The names of the repository's workflows, read once per sync. */
  private async loadWorkflowNames(): Promise<Map<number, string>> {
    if (this.workflowNames) {
      return this.workflowNames;
    }
    const names = new Map<number, string>();
    for (let page = 1; ; page++) {
      const response = await this.get(
        '/repos/{owner}/{repo}/actions/workflows',
        { per_page: PER_PAGE, page },
        undefined,
        parseWorkflowList,
      );
      if (!response.modified) {
        break;
      }
      for (const workflow of response.value.workflows) {
        if (workflow.name) {
          names.set(workflow.id, workflow.name);
        }
      }
      if (!response.hasNextPage || response.value.workflows.length === 0) {
        break;
      }
    }
    this.workflowNames = names;
    return names;
  }

  private async applyRuns(runs: WorkflowRunRecord[]): Promise<void> {
    if (runs.length === 0) {
      return;
    }
    const earlierAttempts = await this.fetchEarlierAttempts(runs);
    await this.transaction(async (txStore, tx) => {
      await txStore.workflowRuns.recordAttempts(this.repo.id, [
        ...earlierAttempts,
        ...runs.map(attemptOfRun),
      ]);
      const stored = await txStore.workflowRuns.getRunVersions(
        this.repo.id,
        runs.map(run => run.id),
      );
      const changed = runs.filter(run => {
        const existing = stored.get(run.id);
        return !existing || isRunUpdate(existing, run);
      });
      await txStore.workflowRuns.upsertRuns(this.repo.id, changed);
      this.itemsChanged += changed.length;
      this.itemsSynced += changed.length;
      await this.publishItems(
        GITHUB_EVENT_TYPES.workflowRunUpdated,
        changed.map(toApiWorkflowRun),
        tx,
      );
    });
  }

  /**
   * A re-run's list item is its latest attempt; each earlier attempt not stored yet is read once
   * (`attempts/{n}`), so a conclusion the re-run replaced is kept. One GitHub has lost is skipped.
   */
  private async fetchEarlierAttempts(
    runs: WorkflowRunRecord[],
  ): Promise<WorkflowRunAttemptRecord[]> {
    const missing =
      await this.options.store.workflowRuns.missingEarlierAttempts(
        this.repo.id,
        runs,
      );
    const fetched = await Promise.all(
      missing.map(({ runId, attempt }) =>
        this.getUnlessGone(
          '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}',
          { run_id: runId, attempt_number: attempt },
          raw => parseWorkflowRun(raw),
        ).then(
          response =>
            response &&
            response.value.id === runId &&
            response.value.runAttempt === attempt
              ? attemptOfRun(response.value)
              : undefined,
          error => {
            this.skipMalformed(error);
            return undefined;
          },
        ),
      ),
    );
    return fetched.filter(
      (attempt): attempt is WorkflowRunAttemptRecord => attempt !== undefined,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Default-branch history

  /**
   * Reads the default branch's new commits, newest first. The first page is conditional (an
   * unchanged branch costs nothing); the walk ends once every new commit's parents are stored,
   * which holds whatever the commits' dates (a merged branch brings older commits), or at the
   * lookback. A repository with no stored history yet is read from the lookback (`since`).
   */
  private async syncBranchCommits(branch: string | null): Promise<void> {
    if (!branch) {
      return;
    }
    const { branchCommits } = this.options.store;
    const fromLookback =
      this.backfill || !(await branchCommits.hasCommits(this.repo.id));
    const seen = new Set<string>();
    const missingParents = new Set<string>();
    for (let page = 1; ; page++) {
      const params = {
        sha: branch,
        ...(fromLookback ? { since: isoSeconds(this.lookbackStart) } : {}),
        per_page: PER_PAGE,
        page,
      };
      const requestKey = JSON.stringify(params);
      const response = await this.get(
        '/repos/{owner}/{repo}/commits',
        params,
        page === 1 ? this.etagFor('branch-commits', requestKey) : undefined,
        data => this.items(data, parseCommit),
      );
      if (!response.modified) {
        return;
      }
      if (page === 1) {
        this.keepEtag('branch-commits', requestKey, response.etag);
      }
      const commits = response.value.values;
      // One query tells which of the page's commits and of their parents are stored.
      const known = await branchCommits.knownShas(
        this.repo.id,
        commits.flatMap(commit => [commit.sha, ...commit.parentShas]),
      );
      const fresh: CommitRecord[] = [];
      for (const commit of commits) {
        missingParents.delete(commit.sha);
        if (
          known.has(commit.sha) ||
          seen.has(commit.sha) ||
          (commit.committedAt && commit.committedAt < this.lookbackStart)
        ) {
          continue;
        }
        seen.add(commit.sha);
        fresh.push(commit);
        for (const parent of commit.parentShas) {
          if (!seen.has(parent) && !known.has(parent)) {
            missingParents.add(parent);
          }
        }
      }
      if (fresh.length > 0) {
        await this.transaction(txStore =>
          txStore.branchCommits.addCommits(this.repo.id, fresh),
        );
      }
      await this.checkpoint();
      const pastLookback = commits.every(
        commit => commit.committedAt && commit.committedAt < this.lookbackStart,
      );
      if (
        missingParents.size === 0 ||
        pastLookback ||
        !response.hasNextPage ||
        response.value.count === 0
      ) {
        return;
      }
    }
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
      data => this.items(data, parseDeployment),
      async page => {
        const deployments: DeploymentRecord[] = [];
        let reachedStop = false;
        for (const deployment of page.values) {
          if (deployment.createdAt < this.lookbackStart) {
            reachedStop = true;
            break;
          }
          deployments.push(deployment);
        }
        const stored = await store.deployments.getDeployments(
          this.repo.id,
          deployments.map(d => d.id),
        );
        const due: Array<{ deployment: StoredDeployment; known: boolean }> = [];
        for (const deployment of deployments) {
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
            continue;
          }
          due.push({
            deployment: {
              ...deployment,
              state: existing?.state ?? null,
              statusId: existing?.statusId ?? null,
              statusAt: existing?.statusAt ?? null,
              succeededAt: existing?.succeededAt ?? null,
              statusesEtag: existing?.statusesEtag ?? null,
            },
            known: Boolean(existing),
          });
        }
        await this.syncDeploymentStatuses(due);
        const oldest = deployments[deployments.length - 1];
        if (this.backfill && oldest) {
          await this.checkpoint(
            'deployments',
            (this.startedAt.getTime() - oldest.createdAt.getTime()) /
              lookbackMs,
          );
        } else {
          await this.checkpoint();
        }
        return !reachedStop && page.count > 0;
      },
    );

    const unfinished = await store.deployments.listUnfinishedDeployments(
      this.repo.id,
      this.lookbackStart,
    );
    await this.syncDeploymentStatuses(
      unfinished
        .filter(deployment => !visited.has(deployment.id))
        .map(deployment => ({ deployment, known: true })),
    );
    return newest ?? this.lookbackStart;
  }

  /** Reads the statuses of deployments concurrently, then stores them in one transaction. */
  private async syncDeploymentStatuses(
    due: Array<{ deployment: StoredDeployment; known: boolean }>,
  ): Promise<void> {
    const updates = (
      await Promise.all(
        due.map(({ deployment, known }) =>
          this.fetchDeploymentStatus(deployment, known),
        ),
      )
    ).filter(<T>(item: T | undefined): item is T => item !== undefined);
    if (updates.length === 0) {
      return;
    }
    await this.transaction(async (txStore, tx) => {
      await txStore.deployments.upsertDeployments(
        this.repo.id,
        updates.map(u => u.next),
      );
      const payloads: DeploymentEventPayload[] = [];
      for (const { next, changed } of updates) {
        if (changed) {
          payloads.push({
            id: next.id,
            environment: next.environment,
            sha: next.sha,
            ref: next.ref,
            state: next.state,
            createdAt: next.createdAt.toISOString(),
            updatedAt: next.updatedAt.toISOString(),
          });
        }
      }
      this.itemsChanged += payloads.length;
      this.itemsSynced += payloads.length;
      await this.publishItems(
        GITHUB_EVENT_TYPES.deploymentUpdated,
        payloads,
        tx,
      );
    });
  }

  private async fetchDeploymentStatus(
    deployment: StoredDeployment,
    known: boolean,
  ): Promise<{ next: StoredDeployment; changed: boolean } | undefined> {
    const response = await this.get(
      '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses',
      { deployment_id: deployment.id, per_page: PER_PAGE },
      known && this.options.useEtags
        ? deployment.statusesEtag ?? undefined
        : undefined,
      data => {
        const statuses = this.items(data, parseDeploymentStatus).values;
        return {
          latest: latestDeploymentStatus(statuses),
          succeededAt: firstSuccessAt(statuses),
        };
      },
    );
    if (!response.modified) {
      return known ? undefined : { next: deployment, changed: true };
    }
    const { latest, succeededAt } = response.value;
    const next: StoredDeployment = {
      ...deployment,
      statusesEtag: response.etag,
      succeededAt: earlierSuccess(deployment.succeededAt, succeededAt),
      ...(latest &&
      (!deployment.statusAt || latest.createdAt >= deployment.statusAt)
        ? {
            state: latest.state,
            statusId: latest.id,
            statusAt: latest.createdAt,
          }
        : {}),
    };
    return {
      next,
      changed:
        !known ||
        next.state !== deployment.state ||
        next.statusId !== deployment.statusId ||
        next.succeededAt?.getTime() !== deployment.succeededAt?.getTime(),
    };
  }
}
