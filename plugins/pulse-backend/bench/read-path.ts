/*
 * Read-path benchmark: the requests entity cards make for their first paint, against Pulse in a
 * portal backend with the real catalog and permission services (see `readPathPortal.ts`), on
 * PostgreSQL holding 2,000 tracked repositories, 1,000,000 pull requests and 400,000 workflow
 * runs.
 *
 *   cd plugins/pulse-backend && yarn bench:read-path
 *
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, as the tests; from
 * `source scripts/lib.sh && ensure_postgres`) and wrk (`apt-get install wrk`). Every plugin gets a
 * fresh database (`pulse_bench_<pid>_<plugin>`), dropped afterwards.
 *
 * The catalog holds 2,000 components (`svc-1` … `svc-2000`, each annotated with its GitHub
 * repository and owned by one of 20 teams), their groups and 6 users; the demo portal's policy
 * decides. Requests carry real user tokens of the 6 users, signed by the auth stand-in and checked
 * by the real auth service. Server time is taken inside the server (Node's `http.server.request.start`
 * and `http.server.response.finish` diagnostics channels: from the parsed request to the last byte
 * of the answer), per route; the catalog's and the permission backend's own requests, which Pulse
 * makes over HTTP, are counted the same way. Load comes from worker threads (their own event
 * loops) and wrk; all share the machine's cores with PostgreSQL.
 *
 * The cards and their first-paint requests (detected from the server's answers):
 * - one request per card (Pulse's current API): pull requests `GET …/pull-requests?state=open&limit=20`
 *   (with `sync`), workflow runs `GET …/workflow-summary` (with `sync` and `recentRuns`), on-call
 *   `GET …/oncall`, status `GET /entities/{kind}/{namespace}/{name}`;
 * - the earlier API (no `sync` in the pull-request page): the pull-request card also asked for
 *   `…/sync`, the workflow-runs card for `…/workflow-runs?limit=20` and `…/sync`.
 *
 * Phases, with a client asking for `/api/pulse/health` every 50 ms throughout:
 * 1. `cards`: open loop of page views (PULSE_BENCH_PAGE_VIEWS, default 10/s, for
 *    PULSE_BENCH_CARD_SECONDS, default 30): a random user opens a random entity's page and its four
 *    cards ask for their first paint at once. Server time per request; card latency at the client.
 * 2. `burst`: after the permission cache has expired (`pulse.permissions.cacheSeconds` + 1 s),
 *    200 cards at once (50 page views of 4 cards, random users and entities): p95 of the cards'
 *    latency, and the health answers meanwhile.
 * 3. `saturated` and `paced` (wrk, 2 threads, 100 connections, PULSE_BENCH_SECONDS each after a
 *    5 s warm-up): the pull-request endpoint alone, a different entity and one of the users each
 *    request; paced offers PULSE_BENCH_RATE (default 320) requests/s with random pauses.
 *
 * Environment: PULSE_BENCH_SECONDS (default 30), PULSE_BENCH_CONNECTIONS (default 100),
 * PULSE_BENCH_RATE (default 320), PULSE_BENCH_REPOSITORIES (default 2000),
 * PULSE_BENCH_PULLS_PER_REPOSITORY (default 500), PULSE_BENCH_RUNS_PER_REPOSITORY (default 200),
 * PULSE_BENCH_PAGE_VIEWS (default 10), PULSE_BENCH_CARD_SECONDS (default 30),
 * PULSE_BENCH_BURST_CARDS (default 200), PULSE_BENCH_ENTITIES_VIEWED (page views pick from the first N
 * entities, default all), PULSE_BENCH_PHASES (default `cards,card-cpu,burst,wrk`),
 * PULSE_BENCH_CACHE_SECONDS (`pulse.permissions.cacheSeconds`, default 10),
 * PULSE_BENCH_PROFILE_DIR (write a CPU profile of the server's thread per phase there).
 */
import { execFile } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import knexFactory, { Knex } from 'knex';
import { applyMigrations } from '../src/database/migrations';
import { BenchIdentityProvider } from './identity';
import { startPortal } from './readPathPortal';
import {
  BENCH_USERS,
  benchCatalog,
  loadAverage,
  sleep,
  summary,
  waitForCatalog,
} from './portalLoad';

const SECONDS = Number(process.env.PULSE_BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.PULSE_BENCH_CONNECTIONS ?? 100);
const REPOSITORIES = Number(process.env.PULSE_BENCH_REPOSITORIES ?? 2000);
const PULLS_PER_REPOSITORY = Number(
  process.env.PULSE_BENCH_PULLS_PER_REPOSITORY ?? 500,
);
const RUNS_PER_REPOSITORY = Number(
  process.env.PULSE_BENCH_RUNS_PER_REPOSITORY ?? 200,
);
const PACED_RATE = Number(process.env.PULSE_BENCH_RATE ?? 320);
const PAGE_VIEWS_PER_SECOND = Number(process.env.PULSE_BENCH_PAGE_VIEWS ?? 10);
/** Page views per second of the `card-cpu` phases (one card each). */
const CARD_CPU_PAGE_VIEWS_PER_SECOND = Number(
  process.env.PULSE_BENCH_CARD_CPU_PAGE_VIEWS ?? 5,
);
const CARD_SECONDS = Number(process.env.PULSE_BENCH_CARD_SECONDS ?? 30);
/** How many of the entities page views choose from (the first N): fewer means more cache hits. */
const ENTITIES_VIEWED = Number(
  process.env.PULSE_BENCH_ENTITIES_VIEWED ?? REPOSITORIES,
);
const BURST_CARDS = Number(process.env.PULSE_BENCH_BURST_CARDS ?? 200);
const CACHE_SECONDS = Number(process.env.PULSE_BENCH_CACHE_SECONDS ?? 10);
const PHASES = new Set(
  (process.env.PULSE_BENCH_PHASES ?? 'cards,card-cpu,burst,wrk').split(','),
);
/** Where to write a CPU profile of the server's thread for each phase (`<phase>.cpuprofile`). */
const PROFILE_DIR = process.env.PULSE_BENCH_PROFILE_DIR;
/** The paced run must achieve this many requests/s for the target to count as met. */
const TARGET_RATE = 300;
const WORKFLOWS = ['CI', 'Deploy', 'Lint', 'Nightly'];
const INCIDENTS = 100;

const INTAKE_TOKEN = 'read-path-bench-intake-token';

/** On-call: a schedule per first four teams and one for the platform, a policy each. */
function pulseConfig() {
  const userOf = (team: number) =>
    Object.keys(BENCH_USERS).find(
      ref => BENCH_USERS[ref] === `group:default/team-${team}`,
    )!;
  const schedules = [1, 2, 3, 4].map(team => ({
    id: `team-${team}-primary`,
    name: `Team ${team} primary`,
    timeZone: 'Europe/Berlin',
    layers: [
      {
        id: 'daily',
        members: [userOf(team), 'user:default/fay.moreau'],
        rotation: 'daily',
        handoffTime: '09:00',
        start: '2026-01-05',
      },
    ],
  }));
  schedules.push({
    id: 'platform-primary',
    name: 'Platform primary',
    timeZone: 'Europe/London',
    layers: [
      {
        id: 'weekly',
        members: ['user:default/fay.moreau', userOf(5)],
        rotation: 'weekly',
        handoffTime: '08:00',
        start: '2026-01-05',
      },
    ],
  });
  const policies = [1, 2, 3, 4].map(team => ({
    id: `team-${team}`,
    name: `Team ${team}`,
    steps: [
      { delayMinutes: 5, targets: [{ schedule: `team-${team}-primary` }] },
      { delayMinutes: 10, targets: [{ schedule: 'platform-primary' }] },
    ],
  }));
  policies.push({
    id: 'platform-default',
    name: 'Platform default',
    steps: [{ delayMinutes: 10, targets: [{ schedule: 'platform-primary' }] }],
  } as (typeof policies)[number]);
  return {
    permissions: { cacheSeconds: CACHE_SECONDS },
    oncall: {
      schedules,
      escalationPolicies: policies,
      defaultEscalationPolicy: 'platform-default',
      groupEscalationPolicies: Object.fromEntries(
        [1, 2, 3, 4].map(team => [
          `group:default/team-${team}`,
          `team-${team}`,
        ]),
      ),
      intake: { rateLimit: { requestsPerSecond: 1000, burst: 1000 } },
    },
  };
}

async function seed(knex: Knex) {
  const n = PULLS_PER_REPOSITORY;
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
    [n + RUNS_PER_REPOSITORY, REPOSITORIES],
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
    [n, n, n, n, n, n, n, n, n],
  );
  // Per repository: runs of 4 workflows, one every 2 hours, 4 in 5 on main; the newest few still
  // running, 1 in 6 of the others failed.
  const runs = RUNS_PER_REPOSITORY;
  await knex.raw(
    `INSERT INTO pulse_github_workflow_runs
       (repository_id, id, workflow_id, workflow_name, name, branch, event, status, conclusion,
        run_attempt, head_sha, created_at, started_at, completed_at, updated_at, html_url)
     SELECT r.id, r.id::bigint * 100000 + n, r.id::bigint * 10 + (n % 4),
            (ARRAY[${WORKFLOWS.map(w => `'${w}'`).join(',')}])[(n % 4) + 1],
            (ARRAY[${WORKFLOWS.map(w => `'${w}'`).join(
              ',',
            )}])[(n % 4) + 1] || ' #' || n,
            CASE WHEN n % 5 = 4 THEN 'feature/' || n ELSE 'main' END,
            CASE WHEN n % 5 = 4 THEN 'pull_request' ELSE 'push' END,
            CASE WHEN n > ?::int - 3 THEN 'in_progress' ELSE 'completed' END,
            CASE WHEN n > ?::int - 3 THEN NULL WHEN n % 6 = 0 THEN 'failure' ELSE 'success' END,
            1, md5(r.id || '-run-' || n),
            now() - ((?::int - n) * interval '2 hours'),
            now() - ((?::int - n) * interval '2 hours') + interval '1 minute',
            CASE WHEN n > ?::int - 3 THEN NULL ELSE now() - ((?::int - n) * interval '2 hours') + interval '9 minutes' END,
            now() - ((?::int - n) * interval '2 hours') + interval '9 minutes',
            'https://github.com/' || r.slug || '/actions/runs/' || (r.id::bigint * 100000 + n)
     FROM pulse_github_repositories r, generate_series(1, ?) n`,
    [runs, runs, runs, runs, runs, runs, runs, runs],
  );
  await knex.raw('ANALYZE');
  const [{ pulls }] = await knex('pulse_github_pull_requests').count({
    pulls: '*',
  });
  const [{ workflowRuns }] = await knex('pulse_github_workflow_runs').count({
    workflowRuns: '*',
  });
  return { pulls: Number(pulls), workflowRuns: Number(workflowRuns) };
}

// ----------------------------------------------------------------------------- server time

type RouteName =
  | 'pull-requests'
  | 'workflow-summary'
  | 'workflow-runs'
  | 'sync'
  | 'oncall'
  | 'entity'
  | 'health'
  | 'pulse-other'
  | 'catalog'
  | 'permission'
  | 'auth'
  | 'other';

function routeOf(url: string): RouteName {
  const [pathname] = url.split('?');
  if (pathname === '/api/pulse/health') return 'health';
  if (pathname.startsWith('/api/catalog/')) return 'catalog';
  if (pathname.startsWith('/api/permission/')) return 'permission';
  if (pathname.startsWith('/api/auth/')) return 'auth';
  const entity =
    /^\/api\/pulse\/v1\/entities\/[^/]+\/[^/]+\/[^/]+(?:\/([a-z-]+))?$/.exec(
      pathname,
    );
  if (entity) {
    const sub = entity[1];
    if (!sub) return 'entity';
    if (
      sub === 'pull-requests' ||
      sub === 'workflow-summary' ||
      sub === 'workflow-runs' ||
      sub === 'sync' ||
      sub === 'oncall'
    ) {
      return sub;
    }
  }
  return pathname.startsWith('/api/pulse/') ? 'pulse-other' : 'other';
}

/** Server time of every request the server answers, per phase and route. */
class ServerClock {
  phase = 'setup';
  private readonly started = new WeakMap<object, { at: number; url: string }>();
  private readonly samples = new Map<string, Map<RouteName, number[]>>();
  private readonly statuses = new Map<string, Map<string, number>>();

  install() {
    diagnosticsChannel.subscribe('http.server.request.start', message => {
      const { request } = message as { request: IncomingMessage };
      this.started.set(request, {
        at: performance.now(),
        url: request.url ?? '',
      });
    });
    diagnosticsChannel.subscribe('http.server.response.finish', message => {
      const { request, response } = message as {
        request: IncomingMessage;
        response: { statusCode: number };
      };
      const start = this.started.get(request);
      if (start === undefined) return;
      const route = routeOf(start.url);
      let phase = this.samples.get(this.phase);
      if (!phase) {
        phase = new Map();
        this.samples.set(this.phase, phase);
      }
      const list = phase.get(route) ?? [];
      list.push(performance.now() - start.at);
      phase.set(route, list);
      const key = `${route} ${response.statusCode}`;
      const statuses = this.statuses.get(this.phase) ?? new Map();
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      this.statuses.set(this.phase, statuses);
    });
  }

  /** Pulse API requests answered in the phase (health probes and internal requests left out). */
  private pulseRequests(phase: string): number {
    const routes = this.samples.get(phase) ?? new Map<RouteName, number[]>();
    return [...routes.entries()]
      .filter(
        ([route]) =>
          !['catalog', 'permission', 'auth', 'health', 'other'].includes(route),
      )
      .reduce((sum, [, values]) => sum + values.length, 0);
  }

  perPulseRequest(phase: string, total: number): number | null {
    const pulse = this.pulseRequests(phase);
    return pulse ? Number((total / pulse).toFixed(3)) : null;
  }

  /** Requests Pulse made to the catalog and the permission backend, per Pulse API request. */
  internalRequests(phase: string) {
    const routes = this.samples.get(phase) ?? new Map<RouteName, number[]>();
    const count = (route: RouteName) => routes.get(route)?.length ?? 0;
    return {
      catalog: this.perPulseRequest(phase, count('catalog')),
      permission: this.perPulseRequest(phase, count('permission')),
    };
  }

  report(phase: string) {
    const routes = this.samples.get(phase) ?? new Map<RouteName, number[]>();
    const out: Record<string, ReturnType<typeof summary>> = {};
    for (const [route, values] of routes) {
      out[route] = summary(values);
    }
    return {
      serverTimeMs: out,
      statuses: Object.fromEntries(this.statuses.get(phase) ?? []),
    };
  }
}

// ----------------------------------------------------------------------------- clients

/** The load generators, in plain JavaScript so the workers need no transform. */
const clientSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { port, tokens, repositories, cards, task, seed } = workerData;
// Idle sockets are dropped after 4 s, before the server's 5 s keep-alive timeout closes them.
const agent = new http.Agent({ keepAlive: true, timeout: 4000 });

let state = seed >>> 0;
function random() {
  // mulberry32: the same page views in every run
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function get(path, authorization, timeoutMs) {
  const start = performance.now();
  return new Promise(resolve => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'GET', agent,
        headers: authorization ? { authorization } : {} },
      res => {
        const chunks = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - start,
          body: res.statusCode >= 300 ? Buffer.concat(chunks).toString().slice(0, 300) : undefined }));
      },
    );
    if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', error => resolve({ status: 0, ms: performance.now() - start, body: String(error) }));
    req.end();
  });
}

const result = { cards: {}, requests: [], failures: 0, failureSample: null };

/** A page view: a user opens an entity's page; every card asks for its first paint at once. */
async function pageView() {
  const authorization = 'Bearer ' + tokens[Math.floor(random() * tokens.length)];
  const n = 1 + Math.floor(random() * repositories);
  const base = '/api/pulse/v1/entities/component/default/svc-' + n;
  const start = performance.now();
  await Promise.all(Object.entries(task.cards || cards).map(async ([card, paths]) => {
    const answers = await Promise.all(paths.map(p => get(base + p, authorization)));
    const list = result.cards[card] || (result.cards[card] = []);
    list.push(performance.now() - start);
    for (const a of answers) {
      result.requests.push(a.ms);
      if (a.status !== 200) {
        result.failures++;
        result.failureSample = result.failureSample || a.status + ' ' + base + ' ' + a.body;
      }
    }
  }));
}

async function pageViews() {
  const { perSecond, seconds } = task;
  const total = Math.round(perSecond * seconds);
  const begin = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise(r => setTimeout(r, wait));
    inFlight.push(pageView());
  }
  await Promise.all(inFlight);
}

async function burst() {
  await Promise.all(Array.from({ length: task.pageViews }, () => pageView()));
}

/** Asks for /health every intervalMs (not waiting for the previous answer) until told to stop. */
async function health() {
  const probes = [];
  const pending = [];
  let stopped = false;
  parentPort.on('message', m => { if (m === 'stop') stopped = true; });
  while (!stopped) {
    const at = Date.now();
    pending.push(get('/api/pulse/health', undefined, 10000).then(a => probes.push({ at, ms: a.ms, status: a.status })));
    await new Promise(r => setTimeout(r, task.intervalMs));
  }
  await Promise.all(pending);
  return probes;
}

(async () => {
  const elu = performance.eventLoopUtilization();
  const begin = performance.now();
  if (task.kind === 'health') {
    const probes = await health();
    agent.destroy();
    parentPort.postMessage({ probes });
    return;
  }
  if (task.kind === 'pageViews') await pageViews();
  else await burst();
  result.seconds = (performance.now() - begin) / 1000;
  result.clientBusy = performance.eventLoopUtilization(elu).utilization;
  agent.destroy();
  parentPort.postMessage(result);
})();
`;

interface ClientResult {
  cards: Record<string, number[]>;
  requests: number[];
  failures: number;
  failureSample: string | null;
  seconds: number;
  clientBusy: number;
}

interface Client {
  port: number;
  tokens: string[];
  cards: Record<string, string[]>;
}

function runClient(
  client: Client,
  task: object,
  randomSeed: number,
): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(clientSource, {
      eval: true,
      workerData: {
        ...client,
        repositories: ENTITIES_VIEWED,
        task,
        seed: randomSeed,
      },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

interface Probe {
  at: number;
  ms: number;
  status: number;
}

function startHealthProbe(port: number) {
  const worker = new Worker(clientSource, {
    eval: true,
    workerData: {
      port,
      tokens: [],
      repositories: 0,
      cards: {},
      task: { kind: 'health', intervalMs: 50 },
      seed: 1,
    },
  });
  const done = new Promise<Probe[]>((resolve, reject) => {
    worker.once('message', m => resolve(m.probes));
    worker.once('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      return done;
    },
  };
}

function healthDuring(probes: Probe[], from: number, to: number) {
  const inWindow = probes.filter(p => p.at >= from && p.at <= to);
  return {
    ...summary(inWindow.map(p => p.ms)),
    notOk: inWindow.filter(p => p.status !== 200).length,
  };
}

// ----------------------------------------------------------------------------- wrk

/**
 * With `delayMs`, each connection pauses between requests, which paces the offered load. The
 * pause is drawn uniformly from [0, 2 × delayMs]: a fixed one would keep the 100 connections in
 * lockstep, offering their requests in bursts of 100 rather than as independent clients do.
 */
const wrkScript = (tokens: string[], delayMs?: number) => `
counter = 0
tokens = { ${tokens.map(t => `"Bearer ${t}"`).join(', ')} }
${delayMs ? `delay = function() return math.random(0, ${2 * delayMs}) end` : ''}
request = function()
  counter = counter + 1
  local n = (counter % ${REPOSITORIES}) + 1
  local state = (counter % 4 == 0) and "merged" or "open"
  local headers = { ["Authorization"] = tokens[(counter % #tokens) + 1] }
  return wrk.format("GET", "/api/pulse/v1/entities/component/default/svc-" .. n .. "/pull-requests?state=" .. state .. "&limit=20", headers)
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

// ----------------------------------------------------------------------------- main

async function openIncidents(url: string) {
  for (let i = 1; i <= INCIDENTS; i++) {
    const res = await fetch(`${url}/api/pulse/v1/alerts/json`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${INTAKE_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        entityRef: `component:default/svc-${
          i * Math.floor(REPOSITORIES / INCIDENTS)
        }`,
        title: 'Error rate above 5%',
        severity: 'error',
        dedupKey: `read-path-bench-${i}`,
      }),
    });
    if (res.status !== 202) {
      throw new Error(
        `Opening an incident failed: ${res.status} ${await res.text()}`,
      );
    }
  }
}

/** Which requests each card makes for its first paint, from what the server answers. */
async function cardRequests(url: string, token: string) {
  const base = `${url}/api/pulse/v1/entities/component/default/svc-1`;
  const headers = { authorization: `Bearer ${token}` };
  const pulls = (await (
    await fetch(`${base}/pull-requests?state=open&limit=20`, { headers })
  ).json()) as { items?: unknown[]; sync?: unknown };
  const summaryBody = (await (
    await fetch(`${base}/workflow-summary`, { headers })
  ).json()) as { items?: unknown[]; sync?: unknown; recentRuns?: unknown };
  if (!pulls.items?.length || !summaryBody.items?.length) {
    throw new Error(
      `The card endpoints do not answer as expected: ${JSON.stringify({
        pulls,
        summary: summaryBody,
      }).slice(0, 500)}`,
    );
  }
  const oneRequest = Boolean(
    pulls.sync && summaryBody.sync && summaryBody.recentRuns,
  );
  return oneRequest
    ? {
        api: 'one request per card (pull-request page with sync; workflow summary with sync and recent runs)',
        cards: {
          pullRequests: ['/pull-requests?state=open&limit=20'],
          workflowRuns: ['/workflow-summary'],
          onCall: ['/oncall'],
          status: [''],
        },
      }
    : {
        api: 'separate requests (pull requests + sync; workflow summary + runs + sync)',
        cards: {
          pullRequests: ['/pull-requests?state=open&limit=20', '/sync'],
          workflowRuns: [
            '/workflow-summary',
            '/workflow-runs?limit=20',
            '/sync',
          ],
          onCall: ['/oncall'],
          status: [''],
        },
      };
}

function clientReport(result: ClientResult) {
  return {
    seconds: Number(result.seconds.toFixed(1)),
    failures: result.failures,
    failureSample: result.failureSample,
    clientBusy: Number(result.clientBusy.toFixed(2)),
    cardLatencyMs: Object.fromEntries(
      Object.entries(result.cards).map(([card, values]) => [
        card,
        summary(values),
      ]),
    ),
    allCardsLatencyMs: summary(Object.values(result.cards).flat()),
    requestLatencyMs: summary(result.requests),
  };
}

async function main() {
  // Standard output carries the report alone; what libraries log goes to standard error.
  // eslint-disable-next-line no-console
  console.log = console.error;
  const postgresUrl =
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
  if (!postgresUrl) {
    throw new Error(
      'Set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (source scripts/lib.sh && ensure_postgres)',
    );
  }
  const prefix = `pulse_bench_${process.pid}_`;
  const admin = knexFactory({ client: 'pg', connection: postgresUrl });
  const pulseUrl = new URL(postgresUrl);
  pulseUrl.pathname = `/${prefix}pulse`;
  const clock = new ServerClock();
  clock.install();
  const loadAtStart = loadAverage();
  let backend: Awaited<ReturnType<typeof startPortal>> | undefined;
  try {
    await admin.raw(`CREATE DATABASE ${prefix}pulse`);
    const knex = knexFactory({ client: 'pg', connection: pulseUrl.toString() });
    await applyMigrations(knex);
    const seedStart = Date.now();
    const seeded = await seed(knex);
    const seedSeconds = (Date.now() - seedStart) / 1000;
    await knex.destroy();

    const identity = await BenchIdentityProvider.create(
      Object.fromEntries(
        Object.entries(BENCH_USERS).map(([user, group]) => [
          user,
          [user, group],
        ]),
      ),
    );
    const entities = benchCatalog(REPOSITORIES);
    const startedAt = Date.now();
    backend = await startPortal({
      postgresUrl,
      databasePrefix: prefix,
      entities,
      identity,
      pulse: pulseConfig(),
      externalAccess: [
        {
          type: 'static',
          options: { token: INTAKE_TOKEN, subject: 'bench-monitoring' },
          accessRestrictions: [
            { plugin: 'pulse', permission: ['pulse.alert.create'] },
          ],
        },
      ],
    });
    const { port } = backend.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    const issuer = `http://localhost:${port}/api/auth`;
    const tokens = await Promise.all(
      Object.keys(BENCH_USERS).map(user =>
        identity.userToken(user, { issuer }),
      ),
    );
    await waitForCatalog(url, tokens[0], REPOSITORIES);
    const catalogSeconds = (Date.now() - startedAt) / 1000;
    await openIncidents(url);
    const { api, cards } = await cardRequests(url, tokens[0]);
    const client: Client = { port, tokens, cards };
    const health = startHealthProbe(port);
    const phases: Record<string, unknown> = {};
    const baseline: { idleCpuMsPerSecond?: number } = {};
    const windows: Record<string, [number, number]> = {};

    const phase = async <T>(name: string, run: () => Promise<T>) => {
      const profiler = PROFILE_DIR ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const elu = performance.eventLoopUtilization();
      const cpu = process.threadCpuUsage();
      const loadBefore = loadAverage();
      clock.phase = name;
      const from = Date.now();
      const result = await run();
      windows[name] = [from, Date.now()];
      const cpuUsed = process.threadCpuUsage(cpu);
      clock.phase = 'between';
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        fs.mkdirSync(PROFILE_DIR!, { recursive: true });
        fs.writeFileSync(
          path.join(PROFILE_DIR!, `${name}.cpuprofile`),
          JSON.stringify(profile),
        );
        profiler.disconnect();
      }
      phases[name] = {
        loadAverage: { before: loadBefore, after: loadAverage() },
        serverBusy: Number(
          performance.eventLoopUtilization(elu).utilization.toFixed(2),
        ),
        serverThreadCpuMsPerSecond: Number(
          (
            (cpuUsed.user + cpuUsed.system) /
            (windows[name][1] - windows[name][0])
          ).toFixed(1),
        ),
        serverThreadCpuMsPerPulseRequest: clock.perPulseRequest(
          name,
          (cpuUsed.user + cpuUsed.system) / 1000,
        ),
        // Less the idle phase's CPU time over as long: the catalog's processing loop and the
        // health probes, which run whatever the cards do.
        serverThreadCpuMsPerPulseRequestAboveIdle:
          baseline.idleCpuMsPerSecond === undefined
            ? null
            : clock.perPulseRequest(
                name,
                (cpuUsed.user + cpuUsed.system) / 1000 -
                  (baseline.idleCpuMsPerSecond *
                    (windows[name][1] - windows[name][0])) /
                    1000,
              ),
        ...clock.report(name),
        internalRequestsPerPulseRequest: clock.internalRequests(name),
        ...(result as object),
      };
    };

    // JIT and connection pools warm, not counted.
    clock.phase = 'warm-up';
    await runClient(
      client,
      { kind: 'pageViews', perSecond: PAGE_VIEWS_PER_SECOND, seconds: 5 },
      7,
    );

    // The server's own background work (the catalog's processing loop, health probes): the
    // baseline the card phases' CPU time is read against.
    await phase('idle', async () => {
      await sleep(10_000);
      return {};
    });
    baseline.idleCpuMsPerSecond = (
      phases.idle as { serverThreadCpuMsPerSecond: number }
    ).serverThreadCpuMsPerSecond;

    if (PHASES.has('cards')) {
      await phase('cards', async () =>
        clientReport(
          await runClient(
            client,
            {
              kind: 'pageViews',
              perSecond: PAGE_VIEWS_PER_SECOND,
              seconds: CARD_SECONDS,
            },
            42,
          ),
        ),
      );
    }
    if (PHASES.has('card-cpu')) {
      // Each card alone, to attribute the server thread's CPU time to it.
      for (const [card, paths] of Object.entries(cards)) {
        await phase(`card-cpu:${card}`, async () =>
          clientReport(
            await runClient(
              client,
              {
                kind: 'pageViews',
                perSecond: CARD_CPU_PAGE_VIEWS_PER_SECOND,
                seconds: 10,
                cards: { [card]: paths },
              },
              99,
            ),
          ),
        );
      }
    }
    if (PHASES.has('burst')) {
      // Cold: every decision and entity the permission cache holds has expired.
      await sleep((CACHE_SECONDS + 1) * 1000);
      await phase('burst', async () =>
        clientReport(
          await runClient(
            client,
            { kind: 'burst', pageViews: Math.ceil(BURST_CARDS / 4) },
            4242,
          ),
        ),
      );
    }
    if (PHASES.has('wrk')) {
      const scriptFile = path.join(
        os.tmpdir(),
        `pulse-read-path-${process.pid}.lua`,
      );
      fs.writeFileSync(scriptFile, wrkScript(tokens));
      clock.phase = 'warm-up';
      await runWrk(url, 5, scriptFile);
      await phase('saturated', () => runWrk(url, SECONDS, scriptFile));
      fs.writeFileSync(
        scriptFile,
        wrkScript(tokens, Math.round((1000 * CONNECTIONS) / PACED_RATE)),
      );
      // The saturated run leaves a queue behind; a paced warm-up drains it before measuring.
      clock.phase = 'warm-up';
      await runWrk(url, 5, scriptFile);
      await phase('paced', async () => ({
        offeredPerSecond: PACED_RATE,
        ...(await runWrk(url, SECONDS, scriptFile)),
      }));
      fs.unlinkSync(scriptFile);
    }
    const probes = await health.stop();
    for (const [name, [from, to]] of Object.entries(windows)) {
      (phases[name] as Record<string, unknown>).healthMs = healthDuring(
        probes,
        from,
        to,
      );
    }

    const cardPhase = phases.cards as
      | { serverTimeMs: Record<string, { p50: number; p99: number }> }
      | undefined;
    const cardRoutes = [
      ...new Set(
        Object.values(cards)
          .flat()
          .map(p =>
            routeOf(`/api/pulse/v1/entities/component/default/svc-1${p}`),
          ),
      ),
    ];
    const burstPhase = phases.burst as
      | { allCardsLatencyMs: { p95: number } }
      | undefined;
    const paced = phases.paced as
      | (WrkResult & Record<string, unknown>)
      | undefined;
    const report = {
      label: process.env.PULSE_BENCH_LABEL ?? null,
      machine: `${os.cpus().length} cores (${
        os.cpus()[0]?.model
      }), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${
        process.versions.node
      }`,
      loadAverage: { start: loadAtStart, end: loadAverage() },
      api,
      cards,
      repositories: REPOSITORIES,
      ...seeded,
      seedSeconds,
      catalogSeconds,
      phases,
      health: summary(probes.map(p => p.ms)),
      targets: {
        cardServerTime: cardPhase
          ? Object.fromEntries(
              cardRoutes.map(route => {
                const t = cardPhase.serverTimeMs[route];
                return [
                  route,
                  {
                    p50: t?.p50,
                    p99: t?.p99,
                    met: Boolean(t && t.p50 <= 5 && t.p99 <= 25),
                  },
                ];
              }),
            )
          : null,
        oneRequestPerCard: Object.values(cards).every(p => p.length === 1),
        burstP95UnderTwoSeconds: burstPhase
          ? burstPhase.allCardsLatencyMs.p95 <= 2000
          : null,
        healthUnder500msThroughout:
          probes.length > 0 &&
          probes.every(p => p.ms < 500 && p.status === 200),
        pacedP99Under50msAt300: paced
          ? paced.latencyMs.p99 < 50 &&
            paced.requestsPerSecond >= TARGET_RATE &&
            paced.non2xx === 0
          : null,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await backend?.stop().catch(() => undefined);
    const { rows } = await admin.raw(
      `SELECT datname FROM pg_database WHERE starts_with(datname, ?)`,
      [prefix],
    );
    for (const { datname } of rows) {
      await admin.raw(`DROP DATABASE IF EXISTS ?? WITH (FORCE)`, [datname]);
    }
    await admin.destroy();
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
