/*
 * Read-path benchmark: `GET /api/pulse/v1/entities/{ref}/pull-requests` on PostgreSQL holding
 * 1,000,000 pull requests across 2,000 repositories, 100 concurrent clients over loopback for
 * 30 s (target: p99 under 50 ms at 300 requests/s or more).
 *
 *   cd plugins/pulse-backend && yarn bench:read-path
 *
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, as the tests; from
 * `source scripts/lib.sh && ensure_postgres`) and wrk (`apt-get install wrk`). A fresh database is
 * created, filled with generated rows, and dropped afterwards.
 *
 * The server is the real plugin (auth, permission check, catalog lookup, repository lookup,
 * keyset-paginated query) in a test backend; the catalog is an in-memory map, so the catalog's
 * own latency (an HTTP call to the catalog plugin in a real portal) is not part of the figure. wrk (2 threads), the Node server and PostgreSQL
 * share the machine's cores. Each request asks for a different entity in turn, open or merged.
 *
 * Two runs: `saturated`, the 100 clients sending as fast as answers come back (the throughput
 * ceiling; latency there is queueing, by Little's law connections / throughput), and `paced`, the
 * same 100 clients pausing a random time between requests so that together they offer a little
 * over 300 requests/s (the target's load), where latency is the service time under that load.
 *
 * Environment: PULSE_BENCH_SECONDS (default 30), PULSE_BENCH_CONNECTIONS (default 100),
 * PULSE_BENCH_RATE (the paced run's offered requests/s, default 320 so that 300 or more arrive),
 * PULSE_BENCH_REPOSITORIES (default 2000), PULSE_BENCH_PULLS_PER_REPOSITORY (default 500).
 */
import {
  coreServices,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  CompoundEntityRef,
  Entity,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Knex } from 'knex';
import { createBenchDatabase } from './benchDatabase';
import { applyMigrations } from '../src/database/migrations';
import { pulsePlugin } from '../src/plugin';

const SECONDS = Number(process.env.PULSE_BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.PULSE_BENCH_CONNECTIONS ?? 100);
const REPOSITORIES = Number(process.env.PULSE_BENCH_REPOSITORIES ?? 2000);
const PULLS_PER_REPOSITORY = Number(
  process.env.PULSE_BENCH_PULLS_PER_REPOSITORY ?? 500,
);
const PACED_RATE = Number(process.env.PULSE_BENCH_RATE ?? 320);
/** The paced run must achieve this many requests/s for the target to count as met. */
const TARGET_RATE = 300;

/**
 * The catalog as a map. The test-utils catalog rebuilds its index on every lookup, which at 2,000
 * entities would dominate the figure; a real catalog answers from its own database instead.
 */
function mapCatalog(entities: Entity[]) {
  const catalog = catalogServiceMock({ entities });
  const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));
  catalog.getEntityByRef = async (ref: string | CompoundEntityRef) =>
    byRef.get(typeof ref === 'string' ? ref : stringifyEntityRef(ref));
  return createServiceFactory({
    service: catalogServiceRef,
    deps: {},
    factory: () => catalog,
  });
}

/** Registers tasks and never runs them: the benchmark measures reads, not the sync. */
const idleScheduler = createServiceFactory({
  service: coreServices.scheduler,
  deps: {},
  async factory(): Promise<SchedulerService> {
    return {
      async scheduleTask() {},
      async triggerTask() {},
      async cancelTask() {},
      createScheduledTaskRunner() {
        return { run: async () => {} };
      },
      async getScheduledTasks() {
        return [];
      },
    };
  },
});

async function seed(knex: Knex) {
  await knex.raw(
    `INSERT INTO pulse_tracked_entities
       (entity_ref, kind, namespace, name, repo_slug, repo_owner, repo_name, github_host, valid, problems, refreshed_at)
     SELECT 'component:default/svc-' || g, 'component', 'default', 'svc-' || g,
            'acme/svc-' || g, 'acme', 'svc-' || g, 'github.com', true, '[]', now()
     FROM generate_series(1, ?) g`,
    [REPOSITORIES],
  );
  await knex.raw(
    `INSERT INTO pulse_github_repositories
       (host, slug, github_id, default_branch, state, backfill_complete, progress_percent,
        items_synced, last_synced_at, created_at)
     SELECT 'github.com', 'acme/svc-' || g, g, 'main', 'idle', true, 100, ?, now(), now()
     FROM generate_series(1, ?) g`,
    [PULLS_PER_REPOSITORY, REPOSITORIES],
  );
  // Per repository: the newest 8% open, the rest merged (4 in 5) or closed, over ~500 hours.
  await knex.raw(
    `INSERT INTO pulse_github_pull_requests
       (repository_id, number, github_id, title, author_login, author_avatar_url, draft, state,
        labels, additions, deletions, changed_files, created_at, updated_at, first_review_at,
        merged_at, closed_at, head_sha, head_ref, base_ref, review_decision, ci_state, html_url)
     SELECT r.id, n, r.id::bigint * 100000 + n,
            'Improve ' || r.slug || ' part ' || n, 'dev' || (n % 23), NULL, n % 11 = 0,
            CASE WHEN n > ?::int * 0.92 THEN 'open' WHEN n % 5 = 0 THEN 'closed' ELSE 'merged' END,
            '["enhancement"]', (n * 37) % 900, (n * 13) % 300, 1 + n % 25,
            now() - ((?::int - n) * interval '1 hour') - interval '2 hours',
            now() - ((?::int - n) * interval '1 hour'),
            now() - ((?::int - n) * interval '1 hour') - interval '1 hour',
            CASE WHEN n <= ?::int * 0.92 AND n % 5 <> 0 THEN now() - ((?::int - n) * interval '1 hour') END,
            CASE WHEN n <= ?::int * 0.92 THEN now() - ((?::int - n) * interval '1 hour') END,
            md5(r.id || '-' || n), 'feature/' || n, 'main',
            CASE n % 3 WHEN 0 THEN 'approved' WHEN 1 THEN 'review_required' ELSE 'changes_requested' END,
            CASE n % 4 WHEN 0 THEN 'failure' WHEN 1 THEN 'pending' ELSE 'success' END,
            'https://github.com/' || r.slug || '/pull/' || n
     FROM pulse_github_repositories r, generate_series(1, ?) n`,
    [
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
      PULLS_PER_REPOSITORY,
    ],
  );
  await knex.raw('ANALYZE');
  const [{ count }] = await knex('pulse_github_pull_requests').count({
    count: '*',
  });
  return Number(count);
}

/**
 * With `delayMs`, each connection pauses between requests, which paces the offered load. The
 * pause is drawn uniformly from [0, 2 × delayMs]: a fixed one would keep the 100 connections in
 * lockstep, offering their requests in bursts of 100 rather than as independent clients do.
 */
const wrkScript = (delayMs?: number) => `
counter = 0
${delayMs ? `delay = function() return math.random(0, ${2 * delayMs}) end` : ''}
request = function()
  counter = counter + 1
  local n = (counter % ${REPOSITORIES}) + 1
  local state = (counter % 4 == 0) and "merged" or "open"
  return wrk.format("GET", "/api/pulse/v1/entities/component/default/svc-" .. n .. "/pull-requests?state=" .. state .. "&limit=20")
end
`;

interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  socketErrors: string | null;
  latencyMs: Record<string, number>;
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) {
    return NaN;
  }
  const n = Number(match[1]);
  return { us: n / 1000, ms: n, s: n * 1000, m: n * 60_000 }[
    match[2] as 'us' | 'ms' | 's' | 'm'
  ];
}

/** wrk runs as a child process while this process keeps serving: never block the event loop here. */
async function runWrk(
  url: string,
  seconds: number,
  scriptFile: string,
): Promise<WrkResult> {
  const { stdout: output } = await promisify(execFile)(
    'wrk',
    [
      `-t${Math.min(2, CONNECTIONS)}`,
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '--latency',
      '-s',
      scriptFile,
      url,
    ],
    { encoding: 'utf8' },
  );
  if (!/Requests\/sec/.test(output)) {
    throw new Error(`wrk printed no result:\n${output}`);
  }
  const latencyMs: Record<string, number> = {};
  for (const match of output.matchAll(/^\s+(50|75|90|99)%\s+(\S+)/gm)) {
    latencyMs[`p${match[1]}`] = toMs(match[2]);
  }
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]),
    requests: Number(/(\d+) requests in/.exec(output)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: /Socket errors: (.*)/.exec(output)?.[1] ?? null,
    latencyMs,
  };
}

async function main() {
  const { knex, drop } = await createBenchDatabase('read', {
    maxConnections: 20,
  });
  try {
    await applyMigrations(knex);
    const seedStart = Date.now();
    const pulls = await seed(knex);
    const seedSeconds = (Date.now() - seedStart) / 1000;

    const entities: Entity[] = Array.from({ length: REPOSITORIES }, (_, i) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: `svc-${i + 1}`,
        annotations: { 'github.com/project-slug': `acme/svc-${i + 1}` },
      },
      spec: {},
    }));
    const backend = await startTestBackend({
      features: [
        pulsePlugin,
        mockServices.database.factory({ knex }),
        mockServices.rootConfig.factory({ data: {} }),
        mapCatalog(entities),
        idleScheduler,
      ],
    });
    const { port } = backend.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;

    const probe = await fetch(
      `${url}/api/pulse/v1/entities/component/default/svc-1/pull-requests?state=open&limit=20`,
    );
    const probeBody = (await probe.json()) as { items?: unknown[] };
    if (probe.status !== 200 || !probeBody.items?.length) {
      throw new Error(
        `The endpoint does not answer as expected: ${
          probe.status
        } ${JSON.stringify(probeBody).slice(0, 300)}`,
      );
    }

    const scriptFile = path.join(
      os.tmpdir(),
      `pulse-read-path-${process.pid}.lua`,
    );
    fs.writeFileSync(scriptFile, wrkScript());
    await runWrk(url, 5, scriptFile);
    const saturated = await runWrk(url, SECONDS, scriptFile);
    fs.writeFileSync(
      scriptFile,
      wrkScript(Math.round((1000 * CONNECTIONS) / PACED_RATE)),
    );
    // The saturated run leaves a queue behind; a paced warm-up drains it before measuring.
    await runWrk(url, 5, scriptFile);
    const paced = await runWrk(url, SECONDS, scriptFile);
    fs.unlinkSync(scriptFile);
    await backend.stop();

    const report = {
      machine: `${os.cpus().length} cores, ${Math.round(
        os.totalmem() / 2 ** 30,
      )} GiB`,
      repositories: REPOSITORIES,
      pullRequests: pulls,
      seedSeconds,
      connections: CONNECTIONS,
      seconds: SECONDS,
      saturated,
      paced: { offeredPerSecond: PACED_RATE, ...paced },
      target: 'p99 < 50 ms at >= 300 requests/s',
      met:
        paced.latencyMs.p99 < 50 &&
        paced.requestsPerSecond >= TARGET_RATE &&
        paced.non2xx === 0,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await drop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
