import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { SyncStatus } from '@pulse-oss/plugin-pulse-common';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { TrackedEntityStore } from '../entities/TrackedEntityStore';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { PulseMetrics } from '../observability/PulseMetrics';
import { GITHUB_EVENT_TYPES } from './responses';
import { GithubSyncConfig } from './config';
import {
  Clock,
  GithubClientOptions,
  GithubClients,
  GithubHostClient,
  HostPausedError,
  systemClock,
} from './GithubClient';
import { GithubStore, SyncedRepository } from './store';
import {
  RepositorySync,
  RepositorySyncResult,
  SyncAbortedError,
  SyncTarget,
} from './RepositorySync';

const MINUTE_MS = 60_000;
const TARGETS_TTL_MS = 30_000;

/** How one repository's turn in a cycle ended. */
export type RepositoryOutcome =
  | 'synced'
  | 'failed'
  | 'paused'
  | 'busy'
  | 'backing-off'
  | 'aborted'
  /** Synced recently enough (by this replica or another) for the cycle's interval. */
  | 'not-due'
  /** Its lease was taken over while it ran (it stalled past the lease): it stopped writing. */
  | 'lease-lost';

/** What a sync cycle did. */
export interface CycleResult {
  repositories: number;
  outcomes: Record<RepositoryOutcome, number>;
  itemsChanged: number;
  malformed: number;
}

/**
 * Each first sync holds a page of pull requests and their details in memory; more than this many
 * side by side add memory without adding speed (measured with bench/github-initial-sync.ts).
 */
const MAX_DEFAULT_BACKFILLS = 4;

/** Dependencies and knobs of the sync engine. */
export interface GithubSyncEngineOptions {
  config: Config;
  syncConfig: GithubSyncConfig;
  store: GithubStore;
  publisher: DomainEventPublisher;
  trackedEntities: TrackedEntityStore;
  logger: LoggerService;
  clock?: Clock;
  /** Client behaviour beyond `pulse.github` (timeouts, retry backoff); tests shorten waits. */
  client?: Partial<GithubClientOptions>;
  /** Send stored ETags. Off only to measure what they save. */
  useEtags?: boolean;
  /** Open pull request heads with a final CI state are re-polled after this long. Defaults to 1 hour. */
  ciRecheckMs?: number;
  /** How many repositories sync at once. Defaults to max(2, maxConcurrentRequestsPerHost). */
  repositoryConcurrency?: number;
  /** How many of them may be first syncs. Defaults to a quarter of maxConcurrentRequestsPerHost, from 1 to 4. */
  backfillConcurrency?: number;
  /**
   * How long a repository's sync lease lasts unless renewed; after a crash, another replica (or
   * the restarted one) takes the repository over this long after the last renewal. Defaults to
   * 30 seconds.
   */
  leaseMs?: number;
  metrics?: PulseMetrics;
  /** How often a running sync renews its lease. Defaults to a third of `leaseMs`. */
  leaseRenewMs?: number;
  /**
   * How often each repository is synced when every replica runs the cycle on its own: a
   * repository is due when no replica has attempted it for this long, less `syncCheckMs`.
   * Without it, a cycle syncs every repository that is not backing off.
   */
  syncIntervalMs?: number;
  /** How often the cycle runs on each replica. Defaults to a quarter of `syncIntervalMs`. */
  syncCheckMs?: number;
}

/** The sync's lease on its repository was taken over: it must not write any more. */
export class LeaseLostError extends Error {
  constructor(slug: string) {
    super(`The sync lease of ${slug} was taken over by another sync`);
    this.name = 'LeaseLostError';
  }
}

const DEFAULT_LEASE_MS = 30_000;

/**
 * Whether a repository is due in cycles that run every `checkMs` to sync each repository every
 * `intervalMs`: asked for, still backfilling, its last attempt unfinished (interrupted by a
 * crash, paused or failed), or last attempted at least `intervalMs - checkMs` ago (so that it is
 * synced at most `intervalMs` apart). Backoff is decided before this.
 */
export function isDue(
  repository: SyncedRepository,
  now: Date,
  intervalMs: number,
  checkMs: number = intervalMs / 4,
): boolean {
  const { lastAttemptAt, lastSyncedAt } = repository;
  return (
    Boolean(repository.syncRequestedAt) ||
    !repository.backfillComplete ||
    repository.state !== 'idle' ||
    !lastAttemptAt ||
    !lastSyncedAt ||
    lastAttemptAt > lastSyncedAt ||
    now.getTime() - lastAttemptAt.getTime() >= intervalMs - checkMs
  );
}

/** Backoff after `failures` consecutive failures: 1, 2, 4 … minutes, at most an hour. */
export function backoffMs(failures: number): number {
  return Math.min(MINUTE_MS * 2 ** Math.max(0, failures - 1), 60 * MINUTE_MS);
}

function repositoryKey(host: string, slug: string): string {
  return `${host}\n${slug}`;
}

function indexByRepository(targets: SyncTarget[]): Map<string, SyncTarget> {
  return new Map(
    targets.map(t => [repositoryKey(t.repository.host, t.repository.slug), t]),
  );
}

/**
 * Syncs every tracked repository: a scheduled cycle over all of them, immediate syncs of single
 * repositories on request, each repository under a lease so that it is never synced twice at once.
 */
export class GithubSyncEngine {
  readonly clients: GithubClients;
  private readonly clock: Clock;
  private readonly owner = `pulse-${randomUUID()}`;
  private readonly restoredHosts = new Set<string>();
  private readonly dirtyHosts = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Repositories this engine is syncing now (the lease alone would let it claim them twice). */
  private readonly syncing = new Set<number>();
  private readonly shutdown = new AbortController();
  private targetsCache?: {
    at: number;
    targets: SyncTarget[];
    byRepository: Map<string, SyncTarget>;
  };
  private targetsLoading?: Promise<SyncTarget[]>;

  constructor(private readonly options: GithubSyncEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.clients = new GithubClients(
      options.config,
      {
        maxConcurrentRequestsPerHost:
          options.syncConfig.maxConcurrentRequestsPerHost,
        rateLimitReserve: options.syncConfig.rateLimitReserve,
        clock: this.clock,
        ...options.client,
        onRateState: state => {
          this.dirtyHosts.add(state.host);
          options.client?.onRateState?.(state);
        },
      },
      options.logger,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Targets

  /**
   * The repositories of the tracked entities, grouped: several entities may show one repository.
   * Makes sure each has a repository row.
   */
  async targets(options?: { fresh?: boolean }): Promise<SyncTarget[]> {
    const cache = this.targetsCache;
    if (!options?.fresh && cache) {
      if (this.clock.now().getTime() - cache.at >= TARGETS_TTL_MS) {
        // Readers keep the previous list while one reload runs in the background.
        this.loadTargets().catch(error =>
          this.options.logger.warn(
            `Could not reload the repositories to sync: ${error}`,
          ),
        );
      }
      return cache.targets;
    }
    if (options?.fresh) {
      // A load already running may have read the tracked entities before the caller's change.
      await this.targetsLoading?.catch(() => undefined);
    }
    return this.loadTargets();
  }

  /** The targets by host and slug (card requests look one up among thousands). */
  private async targetsByRepository(options?: {
    fresh?: boolean;
  }): Promise<Map<string, SyncTarget>> {
    const targets = await this.targets(options);
    const cache = this.targetsCache;
    return cache?.targets === targets
      ? cache.byRepository
      : indexByRepository(targets);
  }

  /** Loads the targets once however many callers ask at the same time. */
  private loadTargets(): Promise<SyncTarget[]> {
    this.targetsLoading ??= this.readTargets().finally(() => {
      this.targetsLoading = undefined;
    });
    return this.targetsLoading;
  }

  private async readTargets(): Promise<SyncTarget[]> {
    const now = this.clock.now();
    const entities = await this.options.trackedEntities.list();
    const groups = new Map<
      string,
      {
        host: string;
        owner: string;
        name: string;
        slug: string;
        refs: string[];
      }
    >();
    for (const entity of entities) {
      if (!entity.valid || !entity.repository) {
        continue;
      }
      const { host, owner, name, slug } = entity.repository;
      const key = `${host} ${slug.toLowerCase()}`;
      const group = groups.get(key) ?? { host, owner, name, slug, refs: [] };
      group.refs.push(entity.entityRef);
      groups.set(key, group);
    }
    const rows = await this.options.store.repositories.ensureRepositories(
      [...groups.values()].map(g => ({ host: g.host, slug: g.slug })),
      now,
    );
    const byKey = new Map(rows.map(row => [`${row.host} ${row.slug}`, row]));
    const targets: SyncTarget[] = [];
    for (const [key, group] of groups) {
      const repository = byKey.get(key);
      if (repository) {
        targets.push({
          repository,
          ref: { owner: group.owner, name: group.name },
          displaySlug: group.slug,
          entityRefs: group.refs.sort(),
        });
      }
    }
    this.targetsCache = {
      at: now.getTime(),
      targets,
      byRepository: indexByRepository(targets),
    };
    return targets;
  }

  /**
   * The tracked repository a webhook names (`owner/name`, and the host of its `html_url` when
   * several hosts have one of that name). A repository missing from the cached list is looked up
   * in the tracked entities before the answer is "not tracked": the list may predate the catalog
   * refresh that added it (on a fresh install, the list read before the first refresh is empty).
   */
  async webhookTarget(
    slug: string,
    host?: string,
  ): Promise<SyncTarget | undefined> {
    const lower = slug.toLowerCase();
    const match = (targets: SyncTarget[]) => {
      const candidates = targets.filter(t => t.repository.slug === lower);
      return candidates.length <= 1
        ? candidates[0]
        : candidates.find(t => t.repository.host === host);
    };
    const cached = match(await this.targets());
    if (
      cached ||
      !(await this.options.trackedEntities.tracksRepository(lower))
    ) {
      return cached;
    }
    return match(await this.targets({ fresh: true }));
  }

  /** The target of one repository, with its current row. */
  async target(host: string, slug: string): Promise<SyncTarget | undefined> {
    const found = await this.indexedTarget(host, slug);
    if (!found) {
      return undefined;
    }
    const repository = await this.options.store.repositories.getRepositoryById(
      found.repository.id,
    );
    return repository ? { ...found, repository } : undefined;
  }

  /**
   * The repository's target as the cached list of targets holds it (reloaded once when it is not
   * there), without reading its row: its `repository` is the row as the list read it, for its id
   * and host; read the row itself for its sync state.
   */
  async indexedTarget(
    host: string,
    slug: string,
  ): Promise<SyncTarget | undefined> {
    const key = repositoryKey(host, slug.toLowerCase());
    return (
      (await this.targetsByRepository()).get(key) ??
      (await this.targetsByRepository({ fresh: true })).get(key)
    );
  }

  private async clientFor(host: string): Promise<GithubHostClient | undefined> {
    const client = this.clients.forHost(host);
    if (client && !this.restoredHosts.has(host)) {
      this.restoredHosts.add(host);
      const saved = await this.options.store.repositories.getHost(host);
      if (saved) {
        client.restore(saved);
      }
    }
    return client;
  }

  private async flushHosts(): Promise<void> {
    const now = this.clock.now();
    for (const host of [...this.dirtyHosts]) {
      this.dirtyHosts.delete(host);
      const client = this.clients.forHost(host);
      if (client) {
        await this.options.store.repositories.saveHost(client.snapshot(), now);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Cycles

  /** Syncs every tracked repository that is due. */
  async runCycle(signal?: AbortSignal): Promise<CycleResult> {
    const stop = this.combinedSignal(signal);
    const now = this.clock.now();
    const targets = await this.targets({ fresh: true });
    const order = (t: SyncTarget) => [
      t.repository.syncRequestedAt ? 0 : 1,
      t.repository.backfillComplete ? 1 : 0,
      t.repository.lastSyncedAt?.getTime() ?? 0,
    ];
    const sorted = [...targets].sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
    const result: CycleResult = {
      repositories: targets.length,
      outcomes: {
        synced: 0,
        failed: 0,
        paused: 0,
        busy: 0,
        'backing-off': 0,
        aborted: 0,
        'not-due': 0,
        'lease-lost': 0,
      },
      itemsChanged: 0,
      malformed: 0,
    };
    const intervalMs = this.options.syncIntervalMs;
    const perHost = this.options.syncConfig.maxConcurrentRequestsPerHost;
    const limit = pLimit(
      this.options.repositoryConcurrency ?? Math.max(2, perHost),
    );
    // A first sync keeps many requests in flight on its own (a page of pull requests at once);
    // fewer of them side by side use the same request slots with less memory.
    const backfillLimit = pLimit(
      this.options.backfillConcurrency ??
        Math.min(MAX_DEFAULT_BACKFILLS, Math.max(1, Math.ceil(perHost / 4))),
    );
    await Promise.all(
      sorted.map(target =>
        limit(async () => {
          const repo = target.repository;
          if (
            repo.nextAttemptAt &&
            repo.nextAttemptAt > now &&
            !repo.syncRequestedAt
          ) {
            result.outcomes['backing-off']++;
            return;
          }
          if (stop.aborted) {
            result.outcomes.aborted++;
            return;
          }
          if (
            intervalMs !== undefined &&
            !isDue(repo, this.clock.now(), intervalMs, this.options.syncCheckMs)
          ) {
            result.outcomes['not-due']++;
            return;
          }
          // A repository held by a replica killed mid-sync is taken over by the first cycle
          // after its lease (30 s after the last renewal) has run out.
          const sync = () => this.syncRepository(target, stop, { intervalMs });
          const outcome = repo.backfillComplete
            ? await sync()
            : await backfillLimit(sync);
          result.outcomes[outcome.outcome]++;
          result.itemsChanged += outcome.result?.itemsChanged ?? 0;
          result.malformed += outcome.result?.malformed ?? 0;
        }),
      ),
    );
    await this.flushHosts();
    const { outcomes } = result;
    const quiet =
      outcomes.synced + outcomes.failed + outcomes.paused + outcomes.aborted ===
      0;
    this.options.logger[quiet ? 'debug' : 'info'](
      `Pulse GitHub sync: ${targets.length} repositories, ${outcomes.synced} synced, ${outcomes.failed} failed, ${outcomes.paused} paused by rate limits, ${outcomes['backing-off']} backing off, ${outcomes['not-due']} not due, ${outcomes.busy} synced elsewhere, ${result.itemsChanged} items changed`,
    );
    return result;
  }

  /**
   * Syncs one repository now, under its lease. A sync requested while the repository was busy
   * runs again right after. The lease is renewed while the sync runs; every transaction of the
   * sync first checks that it still holds it, so a sync that stalled past its lease and was
   * taken over writes nothing more. With `intervalMs` (a scheduled cycle), a repository that
   * another replica synced in the meantime is left alone.
   */
  async syncRepository(
    target: SyncTarget,
    signal?: AbortSignal,
    options: { intervalMs?: number } = {},
  ): Promise<{ outcome: RepositoryOutcome; result?: RepositorySyncResult }> {
    const { store, logger } = this.options;
    const leaseMs = this.options.leaseMs ?? DEFAULT_LEASE_MS;
    const repoId = target.repository.id;
    if (this.syncing.has(repoId)) {
      return { outcome: 'busy' };
    }
    this.syncing.add(repoId);
    try {
      if (
        !(await store.repositories.claimRepository(
          repoId,
          this.owner,
          this.clock.now(),
          leaseMs,
        ))
      ) {
        return { outcome: 'busy' };
      }
      const lease = new AbortController();
      const stop = AbortSignal.any([this.combinedSignal(signal), lease.signal]);
      const lost = () => {
        lease.abort();
        return new LeaseLostError(target.displaySlug);
      };
      const renew = async () => {
        if (
          !(await store.repositories.renewLease(
            repoId,
            this.owner,
            this.clock.now(),
            leaseMs,
          ))
        ) {
          throw lost();
        }
      };
      const fence = async (txStore: GithubStore) => {
        if (!(await txStore.repositories.holdsLease(repoId, this.owner))) {
          throw lost();
        }
      };
      const heartbeat = setInterval(
        () =>
          renew().catch(error => {
            if (!(error instanceof LeaseLostError)) {
              logger.warn(`Pulse could not renew a sync lease: ${error}`);
            }
          }),
        this.options.leaseRenewMs ?? leaseMs / 3,
      );
      try {
        for (let first = true; ; first = false) {
          const repository = await store.repositories.getRepositoryById(repoId);
          if (!repository) {
            return { outcome: 'aborted' };
          }
          if (first && options.intervalMs !== undefined) {
            // Read again under the lease: another replica may have synced it since the cycle began.
            const now = this.clock.now();
            if (
              repository.nextAttemptAt &&
              repository.nextAttemptAt > now &&
              !repository.syncRequestedAt
            ) {
              return { outcome: 'backing-off' };
            }
            if (
              !isDue(
                repository,
                now,
                options.intervalMs,
                this.options.syncCheckMs,
              )
            ) {
              return { outcome: 'not-due' };
            }
          }
          const current: SyncTarget = { ...target, repository };
          const startedAt = this.clock.now();
          const outcome = await this.syncOnce(current, stop, renew, fence);
          this.options.metrics?.githubSyncFinished(
            repository,
            outcome.outcome,
            startedAt,
            this.clock.now(),
          );
          if (lease.signal.aborted) {
            logger.warn(
              `Pulse stopped a sync of ${target.displaySlug}: its lease was taken over`,
            );
            return { outcome: 'lease-lost' };
          }
          const after = await store.repositories.getRepositoryById(repoId);
          if (
            after?.syncRequestedAt &&
            after.syncRequestedAt > startedAt &&
            !stop.aborted
          ) {
            continue;
          }
          if (after?.syncRequestedAt && outcome.outcome !== 'aborted') {
            await store.repositories.updateRepository(repoId, {
              syncRequestedAt: null,
            });
          }
          return outcome;
        }
      } finally {
        clearInterval(heartbeat);
        await store.repositories
          .releaseRepository(repoId, this.owner)
          .catch(error =>
            logger.warn(`Pulse could not release a sync lease: ${error}`),
          );
        await this.flushHosts().catch(error =>
          logger.warn(`Pulse could not save GitHub rate-limit state: ${error}`),
        );
      }
    } finally {
      this.syncing.delete(repoId);
    }
  }

  private async syncOnce(
    target: SyncTarget,
    signal: AbortSignal,
    renew: () => Promise<void>,
    fence: (store: GithubStore) => Promise<void>,
  ): Promise<{ outcome: RepositoryOutcome; result?: RepositorySyncResult }> {
    const { store, logger } = this.options;
    const repo = target.repository;
    try {
      const client = await this.clientFor(repo.host);
      if (!client) {
        await this.recordFailure(
          target,
          new Error(
            `The GitHub host ${repo.host} is not configured in integrations.github`,
          ),
          fence,
        );
        return { outcome: 'failed' };
      }
      const pausedUntil = client.pausedUntil();
      if (
        pausedUntil &&
        pausedUntil.getTime() - this.clock.now().getTime() >
          (this.options.client?.maxPauseWaitMs ?? 60_000)
      ) {
        await this.recordPause(target, pausedUntil, fence);
        return { outcome: 'paused' };
      }
      const sync = new RepositorySync(target, {
        store,
        publisher: this.options.publisher,
        client,
        logger,
        clock: this.clock,
        lookbackDays: this.options.syncConfig.lookbackDays,
        useEtags: this.options.useEtags ?? true,
        ciRecheckMs: this.options.ciRecheckMs ?? 60 * MINUTE_MS,
        signal,
        onCheckpoint: renew,
        fence,
      });
      try {
        const result = await sync.run();
        return { outcome: 'synced', result };
      } catch (error) {
        if (error instanceof LeaseLostError) {
          throw error;
        }
        if (error instanceof HostPausedError) {
          await this.recordPause(target, error.pausedUntil, fence);
          return { outcome: 'paused' };
        }
        if (error instanceof SyncAbortedError) {
          await store.transaction(async txStore => {
            await fence(txStore);
            await txStore.repositories.updateRepository(repo.id, {
              state: repo.backfillComplete ? 'idle' : 'pending',
            });
          });
          return { outcome: 'aborted' };
        }
        await this.recordFailure(target, error as Error, fence);
        return { outcome: 'failed' };
      }
    } catch (error) {
      if (error instanceof LeaseLostError) {
        return { outcome: 'lease-lost' };
      }
      throw error;
    }
  }

  private async recordPause(
    target: SyncTarget,
    pausedUntil: Date,
    fence: (store: GithubStore) => Promise<void>,
  ) {
    const repo = target.repository;
    await this.options.store.transaction(async (txStore, tx) => {
      await fence(txStore);
      await txStore.repositories.updateRepository(repo.id, { state: 'paused' });
      if (repo.state !== 'paused') {
        await this.options.publisher.publish(
          target.entityRefs.map(entityRef => ({
            entityRef,
            type: GITHUB_EVENT_TYPES.syncProgress,
            payload: this.status(
              target,
              { ...repo, state: 'paused' },
              pausedUntil,
            ),
          })),
          tx,
        );
      }
    });
  }

  private async recordFailure(
    target: SyncTarget,
    error: Error,
    fence: (store: GithubStore) => Promise<void>,
  ) {
    const repo = target.repository;
    const now = this.clock.now();
    const failures = repo.consecutiveFailures + 1;
    const nextAttemptAt = new Date(now.getTime() + backoffMs(failures));
    const message = error.message || String(error);
    this.options.logger.warn(
      `Pulse could not sync ${repo.host}/${
        target.displaySlug
      } (failure ${failures}, next attempt after ${nextAttemptAt.toISOString()}): ${message}`,
    );
    const updated: SyncedRepository = {
      ...repo,
      state: 'error',
      lastError: { message, at: now },
      consecutiveFailures: failures,
      nextAttemptAt,
    };
    await this.options.store.transaction(async (txStore, tx) => {
      await fence(txStore);
      await txStore.repositories.updateRepository(repo.id, {
        state: 'error',
        lastError: updated.lastError,
        lastAttemptAt: now,
        consecutiveFailures: failures,
        nextAttemptAt,
      });
      await this.options.publisher.publish(
        target.entityRefs.map(entityRef => ({
          entityRef,
          type: GITHUB_EVENT_TYPES.syncProgress,
          payload: this.status(target, updated, null),
        })),
        tx,
      );
    });
  }

  // -------------------------------------------------------------------------------------------
  // Status and manual requests

  /** The sync status of a repository as the API shows it. */
  status(
    target: SyncTarget,
    repository: SyncedRepository = target.repository,
    pausedUntil: Date | null = null,
  ): Omit<SyncStatus, 'version'> {
    let state: SyncStatus['state'] = pausedUntil ? 'paused' : repository.state;
    if (state === 'paused' && !pausedUntil) {
      // The pause has run out; the repository waits for its next turn.
      state = repository.backfillComplete ? 'idle' : 'pending';
    }
    return {
      repository: target.displaySlug,
      host: repository.host,
      state,
      progressPercent: repository.backfillComplete
        ? 100
        : repository.progressPercent,
      itemsSynced: repository.itemsSynced,
      lastError: repository.lastError
        ? {
            message: repository.lastError.message,
            at: repository.lastError.at.toISOString(),
          }
        : null,
      pausedUntil: pausedUntil ? pausedUntil.toISOString() : null,
      requestedAt: repository.syncRequestedAt
        ? repository.syncRequestedAt.toISOString()
        : null,
      lastSyncedAt: repository.lastSyncedAt
        ? repository.lastSyncedAt.toISOString()
        : null,
    };
  }

  /** The host's pause as recorded in the database (any replica may have recorded it). */
  async hostPausedUntil(host: string): Promise<Date | null> {
    const live = this.clients
      .all()
      .find(c => c.host === host)
      ?.pausedUntil();
    if (live) {
      return live;
    }
    const saved = await this.options.store.repositories.getHost(host);
    return saved?.pausedUntil && saved.pausedUntil > this.clock.now()
      ? saved.pausedUntil
      : null;
  }

  /**
   * Marks a repository as requested and starts its sync at once in the background. If another
   * sync holds the repository, that one runs it again when done.
   */
  async requestSync(target: SyncTarget): Promise<SyncedRepository> {
    const now = this.clock.now();
    await this.options.store.repositories.updateRepository(
      target.repository.id,
      {
        syncRequestedAt: now,
        nextAttemptAt: null,
      },
    );
    const run = this.syncRepository(target)
      .catch(error =>
        this.options.logger.warn(
          `Pulse could not run the requested sync of ${target.displaySlug}: ${error}`,
        ),
      )
      .finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
    return {
      ...target.repository,
      syncRequestedAt: now,
      nextAttemptAt: null,
    };
  }

  /** Waits for requested syncs started by this engine. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
    }
  }

  /** Stops running syncs at their next checkpoint and waits for them. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await this.idle();
  }

  private combinedSignal(signal?: AbortSignal): AbortSignal {
    return signal
      ? AbortSignal.any([signal, this.shutdown.signal])
      : this.shutdown.signal;
  }
}
