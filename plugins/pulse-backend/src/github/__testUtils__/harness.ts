import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  GitHubSimulator,
  GitHubSimulatorOptions,
} from '@internal/github-simulator';
import { TrackedEntity } from '@pulse-oss/plugin-pulse-common';
import { Knex } from 'knex';
import { applyMigrations } from '../../database/migrations';
import { TrackedEntityStore } from '../../entities/TrackedEntityStore';
import { DomainEventPublisher } from '../../events/DomainEventPublisher';
import { GithubSyncConfig, readGithubSyncConfig } from '../config';
import { Clock, GithubClientOptions } from '../GithubClient';
import { GithubStore } from '../store';
import { GithubSyncEngine, GithubSyncEngineOptions } from '../GithubSyncEngine';

/** Simulated history ends here; the sync's clock follows the simulator's. */
export const SIM_START = new Date('2026-11-01T12:00:00Z');

/**
 * A clock that reads exactly `start` the first time (the simulator anchors its generated history
 * there, so equal seeds give equal data) and then runs in real time.
 */
export function realTimeFrom(start: Date): () => Date {
  let origin: number | undefined;
  return () => {
    origin ??= Date.now();
    return new Date(start.getTime() + Date.now() - origin);
  };
}

export const TEST_TOKEN = 'ghp_pulse_test';

/** A tracked entity for `owner/name` on github.com. */
export function trackedEntity(slug: string, name?: string): TrackedEntity {
  const [owner, repo] = slug.split('/');
  const entityName = name ?? repo;
  return {
    entityRef: `component:default/${entityName}`,
    kind: 'component',
    namespace: 'default',
    name: entityName,
    repository: {
      slug,
      owner,
      name: repo,
      host: 'github.com',
      htmlUrl: `https://github.com/${slug}`,
    },
    valid: true,
    problems: [],
    refreshedAt: SIM_START.toISOString(),
  };
}

export interface Harness {
  knex: Knex;
  sim: GitHubSimulator;
  store: GithubStore;
  publisher: DomainEventPublisher;
  trackedEntities: TrackedEntityStore;
  engine: GithubSyncEngine;
  clock: Clock;
  syncConfig: GithubSyncConfig;
  /** Makes another engine over the same database and simulator. */
  makeEngine(options?: Partial<GithubSyncEngineOptions>): GithubSyncEngine;
  stop(): Promise<void>;
}

/** A database with Pulse's tables, a simulator, and a sync engine pointed at it. */
export async function createHarness(options: {
  knex: Knex;
  repositories: string[];
  sim?: GitHubSimulatorOptions;
  /** Reuse a running simulator (not stopped with the harness). */
  simulator?: GitHubSimulator;
  syncConfig?: Partial<GithubSyncConfig>;
  client?: Partial<GithubClientOptions>;
  engine?: Partial<GithubSyncEngineOptions>;
}): Promise<Harness> {
  const { knex } = options;
  await applyMigrations(knex);
  const sim =
    options.simulator ??
    (await GitHubSimulator.start({
      seed: 7,
      repositories: options.repositories,
      pullsPerRepo: 24,
      runsPerRepo: 50,
      historyDays: 60,
      now: realTimeFrom(SIM_START),
      tokens: [TEST_TOKEN],
      ...options.sim,
    }));
  const clock: Clock = { now: () => new Date(sim.clock.now()) };
  const trackedEntities = new TrackedEntityStore(
    knex,
    () => 'https://github.com',
  );
  await trackedEntities.upsert(
    options.repositories.map(slug => trackedEntity(slug)),
  );
  const config = new ConfigReader({
    integrations: {
      github: [{ host: 'github.com', apiBaseUrl: sim.url, token: TEST_TOKEN }],
    },
  });
  const syncConfig: GithubSyncConfig = {
    ...readGithubSyncConfig(new ConfigReader({})),
    ...options.syncConfig,
  };
  const logger = mockServices.logger.mock();
  const store = new GithubStore(knex);
  const publisher = new DomainEventPublisher(knex, logger);
  const makeEngine = (overrides?: Partial<GithubSyncEngineOptions>) =>
    new GithubSyncEngine({
      config,
      syncConfig,
      store,
      publisher,
      trackedEntities,
      logger,
      clock,
      ...options.engine,
      ...overrides,
      client: {
        retryBaseMs: 2,
        maxPauseWaitMs: 5_000,
        ...options.client,
        ...overrides?.client,
      },
    });
  const engine = makeEngine();
  return {
    knex,
    sim,
    store,
    publisher,
    trackedEntities,
    engine,
    clock,
    syncConfig,
    makeEngine,
    async stop() {
      await engine.stop();
      if (!options.simulator) {
        await sim.stop();
      }
      await knex.destroy();
    },
  };
}

/** Dates, booleans and big integers read the same from SQLite and PostgreSQL. */
function comparableValue(value: unknown): unknown {
  if (value instanceof Date) {
    return value.getTime();
  }
  if (typeof value === 'boolean') {
    return Number(value);
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    return Number(value);
  }
  return value;
}

/** The state GitHub's `state` and `merged` say a pull request is in, as Pulse stores it. */
export function pullState(pull: {
  state: string;
  merged?: boolean;
  mergedAt?: number | null;
}): 'open' | 'closed' | 'merged' {
  if (pull.state === 'open') {
    return 'open';
  }
  return pull.merged || pull.mergedAt ? 'merged' : 'closed';
}

/**
 * The synced data in a comparable form: everything the API serves, keyed by repository slug
 * instead of internal ids.
 */
export async function databaseSnapshot(knex: Knex) {
  const slugs = new Map<number, string>(
    (await knex('pulse_github_repositories').select('id', 'slug')).map(r => [
      Number(r.id),
      r.slug,
    ]),
  );
  const rows = async (table: string, order: string[], omit: string[] = []) =>
    (await knex(table).orderBy(['repository_id', ...order])).map(row => {
      const copy: Record<string, unknown> = {
        repo: slugs.get(Number(row.repository_id)),
      };
      for (const [key, value] of Object.entries(row)) {
        if (key === 'repository_id' || omit.includes(key)) {
          continue;
        }
        copy[key] = comparableValue(value);
      }
      return copy;
    });
  return {
    pullRequests: await rows(
      'pulse_github_pull_requests',
      ['number'],
      // The flow is read after the first sync, so a fresh sync has none of it yet.
      [
        'reviews_synced',
        'flow_synced',
        'first_commit_at',
        'ready_for_review_at',
      ],
    ),
    reviews: await rows('pulse_github_reviews', ['id']),
    runs: await rows('pulse_github_workflow_runs', ['id']),
    runAttempts: await rows('pulse_github_workflow_run_attempts', [
      'run_id',
      'attempt',
    ]),
    deployments: await rows(
      'pulse_github_deployments',
      ['id'],
      ['statuses_etag'],
    ),
    branchCommits: await rows('pulse_github_branch_commits', ['sha']),
    commits: await rows(
      'pulse_github_commits',
      ['sha'],
      ['checks_etag', 'statuses_etag', 'checked_at', 'updated_at'],
    ),
  };
}
