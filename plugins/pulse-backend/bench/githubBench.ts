/**
 * Shared set-up of the GitHub benchmarks: the simulator in its own process, a database, tracked
 * entities for every simulated repository, and the sync engine exactly as the plugin builds it.
 */
import { JsonObject } from '@backstage/types';
import { ConfigReader } from '@backstage/config';
import { TrackedEntity } from '@pulse-oss/plugin-pulse-common';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import knexFactory, { Knex } from 'knex';
import { applyMigrations } from '../src/database/migrations';
import { TrackedEntityStore } from '../src/entities/TrackedEntityStore';
import { DomainEventPublisher } from '../src/events/DomainEventPublisher';
import { GithubSyncConfig, readGithubSyncConfig } from '../src/github/config';
import { GithubStore } from '../src/github/store';
import {
  GithubSyncEngine,
  GithubSyncEngineOptions,
} from '../src/github/GithubSyncEngine';

export const BENCH_TOKEN = 'ghp_pulse_bench';

export function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

export function stringOption(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}

/** The simulator's request counters (`GET /_simulator/stats`). */
export interface SimulatorStats {
  totalRequests: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, number>;
  quotaUsed: number;
  notModified: number;
}

export interface SimulatorProcess {
  url: string;
  stats(): Promise<SimulatorStats>;
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the simulator in a child process and waits until it listens. */
export async function startSimulatorProcess(
  options: Record<string, unknown>,
): Promise<SimulatorProcess> {
  const child = fork(
    resolve(__dirname, 'githubSimulatorProcess.ts'),
    [JSON.stringify(options)],
    {
      execArgv: [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  // The simulator must not outlive the benchmark, whatever ends it.
  process.once('exit', () => child.kill());
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onMessage = (message: { url?: string }) => {
      if (message?.url) {
        child.off('message', onMessage);
        resolveUrl(message.url);
      }
    };
    child.on('message', onMessage);
    child.once('exit', code =>
      reject(new Error(`simulator exited with ${code}`)),
    );
  });
  return {
    url,
    async stats() {
      return (await fetch(`${url}/_simulator/stats`)).json();
    },
    async resetStats() {
      await fetch(`${url}/_simulator/reset-stats`, { method: 'POST' });
    },
    async stop() {
      const exited = new Promise(done => child.once('exit', done));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

/** A fresh database: a SQLite file (the portal's default) or a new PostgreSQL database. */
export async function createBenchDatabase(
  kind: string,
): Promise<{ knex: Knex; describe: string; drop(): Promise<void> }> {
  if (kind === 'pg') {
    const connection =
      process.env.PULSE_BENCH_PG ??
      process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
    if (!connection) {
      throw new Error(
        'PostgreSQL needs PULSE_BENCH_PG or BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING',
      );
    }
    const name = `pulse_bench_${Date.now()}`;
    const admin = knexFactory({ client: 'pg', connection });
    await admin.raw(`CREATE DATABASE ${name}`);
    const url = new URL(connection);
    url.pathname = `/${name}`;
    const knex = knexFactory({
      client: 'pg',
      connection: url.toString(),
      pool: { min: 0, max: 10 },
    });
    return {
      knex,
      describe: 'PostgreSQL 15 (local)',
      async drop() {
        await knex.destroy();
        await admin.raw(`DROP DATABASE ${name}`);
        await admin.destroy();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pulse-bench-'));
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: { filename: join(dir, 'pulse.sqlite') },
    useNullAsDefault: true,
  });
  return {
    knex,
    describe: 'SQLite file (better-sqlite3)',
    async drop() {
      await knex.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function trackedEntity(slug: string): TrackedEntity {
  const [owner, name] = slug.split('/');
  return {
    entityRef: `component:default/${name}`,
    kind: 'component',
    namespace: 'default',
    name,
    repository: {
      slug,
      owner,
      name,
      host: 'github.com',
      htmlUrl: `https://github.com/${slug}`,
    },
    valid: true,
    problems: [],
    refreshedAt: new Date().toISOString(),
  };
}

/** The sync engine over `knex`, tracking `repositories`, reading GitHub at `apiBaseUrl`. */
export async function createBenchEngine(options: {
  knex: Knex;
  apiBaseUrl: string;
  repositories: string[];
  github?: JsonObject;
  engine?: Partial<GithubSyncEngineOptions>;
}): Promise<{
  engine: GithubSyncEngine;
  syncConfig: GithubSyncConfig;
  store: GithubStore;
}> {
  const { knex } = options;
  await applyMigrations(knex);
  const logger = quietLogger();
  const trackedEntities = new TrackedEntityStore(
    knex,
    () => 'https://github.com',
  );
  await trackedEntities.upsert(options.repositories.map(trackedEntity));
  const config = new ConfigReader({
    integrations: {
      github: [
        {
          host: 'github.com',
          apiBaseUrl: options.apiBaseUrl,
          token: BENCH_TOKEN,
        },
      ],
    },
    pulse: { github: options.github ?? {} },
  });
  const syncConfig = readGithubSyncConfig(config);
  const store = new GithubStore(knex);
  const engine = new GithubSyncEngine({
    config,
    syncConfig,
    store,
    publisher: new DomainEventPublisher(knex, logger),
    trackedEntities,
    logger,
    ...options.engine,
  });
  return { engine, syncConfig, store };
}

function quietLogger(): any {
  const logger = {
    debug() {},
    info() {},
    warn(message: string) {
      process.stderr.write(`warn: ${message}\n`);
    },
    error(message: string) {
      process.stderr.write(`error: ${message}\n`);
    },
    child: () => logger,
  };
  return logger;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function machine(): string {
  return `${cpus().length} cores (${
    cpus()[0]?.model ?? 'unknown CPU'
  }), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

export function repositoryNames(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `acme/service-${String(i).padStart(3, '0')}`,
  );
}
