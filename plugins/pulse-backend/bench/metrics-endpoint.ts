/*
 * Delivery metrics endpoint benchmark: `GET /api/pulse/v1/entities/component/default/<name>/metrics`
 * over HTTP, paced at 300 requests/s, against Pulse in a portal backend with the real catalog and
 * permission services (`readPathPortal.ts`), on PostgreSQL holding 1,000 entities × 90 days.
 *
 *   cd plugins/pulse-backend && yarn bench:metrics-endpoint [--entities 1000] [--days 90]
 *     [--pulls-per-day 3] [--runs-per-day 10] [--rate 300] [--seconds 30] [--warm-up 10]
 *     [--connections 100] [--threads 2] [--windows 30d,90d] [--phases paced]
 *
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, as the tests) and wrk
 * (`apt-get install wrk`). Every plugin gets a fresh database (`pulse_bench_<pid>_<plugin>`),
 * dropped afterwards.
 *
 * 1. Seeds Pulse's database as `yarn bench:metrics-aggregation` does (`metricsSeed.ts`): one
 *    repository `acme/svc-<n>` per entity with `--days` of history up to an hour ago, at
 *    `--pulls-per-day` merged pull requests, `--runs-per-day` workflow runs and one production
 *    deployment a day, and 5 resolved incidents per entity.
 * 2. Runs the aggregation once in full (`MetricsAggregation.run({ full: true })`, on the real
 *    clock, as the plugin's task would), so that `pulse_metrics_items` holds every entity's items.
 * 3. Starts the portal: its catalog holds the components `svc-1` … `svc-<entities>`, each annotated
 *    `github.com/project-slug: acme/svc-<n>` and owned by one of 20 teams, their groups and 6
 *    users; the demo portal's policy decides. Requests carry real user tokens, checked by the real
 *    auth service; Pulse checks with the catalog that the caller sees the entity. The scheduler is
 *    idle, so no sync or aggregation runs during the load.
 * 4. Per window of `--windows`: wrk (`--threads` threads, `--connections` connections, 10 s
 *    timeout) offers `--rate` requests/s for `--seconds`, each request for a random entity and one
 *    of the 6 users at random. The first window is preceded by `--warm-up` seconds of the same
 *    load, not counted. The load is open: each wrk thread keeps a schedule of Poisson arrivals at
 *    its share of the rate and a free connection sends the next request when it is due, whatever
 *    the answers' latency (`sentLate` counts the requests sent more than 10 ms after their due
 *    time, which happens only when every connection is waiting for an answer: the server is
 *    behind, and wrk's latency leaves that wait out). With `--phases paced,saturated`
 *    a closed-loop run as fast as the connections go follows each paced one (capacity).
 *
 * Reported per phase: server time (Node's `http.server.request.start` and
 * `http.server.response.finish` diagnostics channels, from the parsed request to the last byte of
 * the answer) p50/p95/p99 of the metrics requests, and of the catalog and permission requests
 * Pulse makes over HTTP with their count per metrics request; every answer's status (a non-200
 * metrics answer is an error); wrk's client latency p50/p99, achieved rate, non-2xx and socket
 * errors; the server thread's event-loop
 * utilisation and CPU time, the machine's CPU use and steal (/proc/stat) and load average; the
 * process's peak RSS (sampled every 50 ms). The target (p99 < 50 ms at 300 requests/s) is met
 * when the server p99 and the client p99 are both under 50 ms, the offered rate was delivered
 * (no request sent more than 10 ms behind its schedule; the achieved rate itself is random, since
 * Poisson arrivals at 300/s make a 30 s count vary by about 1 %) and no request failed. Before the first measured phase, an `idle` phase (10 s, no
 * requests) records the server's background work.
 *
 * Environment: PULSE_BENCH_CACHE_SECONDS (`pulse.permissions.cacheSeconds`, default Pulse's),
 * PULSE_BENCH_PROFILE_DIR (write a CPU profile of the server's thread per measured phase there,
 * `<phase>.cpuprofile`; the profiler adds overhead, so measure without it), PULSE_BENCH_LABEL.
 */
import { ConfigReader } from '@backstage/config';
import { execFile } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Session } from 'node:inspector/promises';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import { applyMigrations } from '../src/database/migrations';
import { DomainEventPublisher } from '../src/events/DomainEventPublisher';
import { readGithubSyncConfig } from '../src/github/config';
import { readMetricsConfig } from '../src/metrics/config';
import { MetricsAggregation } from '../src/metrics/MetricsAggregation';
import { readOncallRetentionConfig } from '../src/oncall/retention/config';
import { machine, option, stringOption } from './githubBench';
import { BenchIdentityProvider } from './identity';
import {
  HOUR,
  metricsTargets,
  MetricsSeeder,
  silentLogger,
} from './metricsSeed';
import { startPortal } from './readPathPortal';
import {
  BENCH_USERS,
  benchCatalog,
  loadAverage,
  sleep,
  summary,
  waitForCatalog,
} from './portalLoad';

const ENTITIES = option('entities', 1000);
const DAYS = option('days', 90);
const PULLS_PER_DAY = option('pulls-per-day', 3);
const RUNS_PER_DAY = option('runs-per-day', 10);
const RATE = option('rate', 300);
const SECONDS = option('seconds', 30);
const WARM_UP_SECONDS = option('warm-up', 10);
const CONNECTIONS = option('connections', 100);
const THREADS = option('threads', 2);
const WINDOWS = stringOption('windows', '30d,90d').split(',');
const PHASES = new Set(stringOption('phases', 'paced').split(','));
const CACHE_SECONDS = process.env.PULSE_BENCH_CACHE_SECONDS;
const PROFILE_DIR = process.env.PULSE_BENCH_PROFILE_DIR;
/** The target: p99 under this many ms at TARGET_RATE requests/s. */
const TARGET_P99_MS = 50;
const TARGET_RATE = 300;

// ----------------------------------------------------------------------------- measurements

function routeOf(url: string): string {
  const [pathname, query = ''] = url.split('?');
  if (pathname.startsWith('/api/catalog/')) return 'catalog';
  if (pathname.startsWith('/api/permission/')) return 'permission';
  if (pathname.startsWith('/api/auth/')) return 'auth';
  if (
    /^\/api\/pulse\/v1\/entities\/[^/]+\/[^/]+\/[^/]+\/metrics$/.test(pathname)
  ) {
    const window = /(?:^|&)window=([^&]*)/.exec(query)?.[1] ?? 'default';
    return `metrics?window=${window}`;
  }
  return pathname.startsWith('/api/pulse/') ? 'pulse-other' : 'other';
}

/** Server time and status of every request the server answers, per phase and route. */
class ServerClock {
  phase = 'setup';
  private readonly started = new WeakMap<object, { at: number; url: string }>();
  private readonly samples = new Map<string, Map<string, number[]>>();
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
      const routes = this.samples.get(this.phase) ?? new Map();
      this.samples.set(this.phase, routes);
      const list = routes.get(route) ?? [];
      list.push(performance.now() - start.at);
      routes.set(route, list);
      const statuses = this.statuses.get(this.phase) ?? new Map();
      this.statuses.set(this.phase, statuses);
      const key = `${route} ${response.statusCode}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    });
  }

  report(phase: string) {
    const routes = this.samples.get(phase) ?? new Map<string, number[]>();
    const statuses = this.statuses.get(phase) ?? new Map<string, number>();
    const metricsRequests = [...routes.entries()]
      .filter(([route]) => route.startsWith('metrics'))
      .reduce((sum, [, values]) => sum + values.length, 0);
    const perMetricsRequest = (route: string) =>
      metricsRequests
        ? Number(
            ((routes.get(route)?.length ?? 0) / metricsRequests).toFixed(3),
          )
        : null;
    const metricsNot200 = [...statuses.entries()]
      .filter(([key]) => key.startsWith('metrics') && !key.endsWith(' 200'))
      .reduce((sum, [, count]) => sum + count, 0);
    return {
      serverTimeMs: Object.fromEntries(
        [...routes.entries()].map(([route, values]) => [
          route,
          summary(values),
        ]),
      ),
      statuses: Object.fromEntries(statuses),
      metricsRequests,
      metricsNot200,
      internalRequestsPerMetricsRequest: {
        catalog: perMetricsRequest('catalog'),
        permission: perMetricsRequest('permission'),
      },
    };
  }
}

/** The process's peak RSS since the last `reset`, sampled every 50 ms. */
class RssSampler {
  private peak = process.memoryUsage().rss;
  private overall = this.peak;
  private readonly timer = setInterval(() => this.sample(), 50);

  sample() {
    const { rss } = process.memoryUsage();
    this.peak = Math.max(this.peak, rss);
    this.overall = Math.max(this.overall, rss);
  }

  /** The peak since the last call, in MiB; starts the next period. */
  take(): number {
    this.sample();
    const peak = this.peak;
    this.peak = process.memoryUsage().rss;
    return Math.round(peak / 2 ** 20);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.round(this.overall / 2 ** 20);
  }
}

/**
 * The machine's CPU time from /proc/stat (all cores, in ticks): busy, stolen by the hypervisor
 * (counted in busy), total.
 */
function machineCpu(): { busy: number; steal: number; total: number } {
  const [line] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  // user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user)
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3] + (ticks[4] ?? 0);
  return { busy: total - idle, steal: ticks[7] ?? 0, total };
}

// ----------------------------------------------------------------------------- wrk

/**
 * Each wrk thread offers `rate / threads` requests/s on a schedule of Poisson arrivals (LuaJIT's
 * ffi reads the monotonic clock): `delay()`, called before each request of any connection, waits
 * until that request's due time, or not at all if it is already due. `done` prints one JSON line.
 */
const wrkScript = (tokens: string[], window: string, rate?: number) => `
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } pulse_bench_timespec;
int clock_gettime(int clk_id, pulse_bench_timespec *tp);
]]
local ts = ffi.new("pulse_bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

tokens = { ${tokens.map(t => `"Bearer ${t}"`).join(', ')} }
late = 0
late_max = 0
sent = 0

function init(args)
  math.randomseed(tid * 7919)
  next_due = now_ms()
end

${
  rate
    ? `local interval = ${(1000 * THREADS) / rate}
function delay()
  local t = now_ms()
  next_due = next_due + interval * (-math.log(1 - math.random()))
  local wait = next_due - t
  if wait < -10 then
    late = late + 1
    if -wait > late_max then late_max = -wait end
  end
  if wait < 1 then return 0 end
  return math.floor(wait)
end`
    : ''
}

request = function()
  sent = sent + 1
  local n = math.random(1, ${ENTITIES})
  local headers = { ["Authorization"] = tokens[math.random(1, #tokens)] }
  return wrk.format("GET", "/api/pulse/v1/entities/component/default/svc-" .. n .. "/metrics?window=${window}", headers)
end

function done(summary, latency, requests)
  local late_total, late_worst, sent_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    late_total = late_total + thread:get("late")
    sent_total = sent_total + thread:get("sent")
    local worst = thread:get("late_max")
    if worst > late_worst then late_worst = worst end
  end
  local e = summary.errors
  io.write(string.format(
    'PULSE_BENCH {"durationUs":%d,"requests":%d,"sent":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"late":%d,"lateMaxMs":%.1f}\\n',
    summary.duration, summary.requests, sent_total, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    late_total, late_worst))
end
`;

interface WrkResult {
  durationUs: number;
  requests: number;
  sent: number;
  non2xx: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  late: number;
  lateMaxMs: number;
}

/** wrk runs as a child process while this process keeps serving: never block the event loop here. */
async function runWrk(
  url: string,
  seconds: number,
  scriptFile: string,
): Promise<WrkResult> {
  const { stdout } = await promisify(execFile)(
    'wrk',
    [
      `-t${THREADS}`,
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      scriptFile,
      url,
    ],
    { encoding: 'utf8' },
  );
  const line = /^PULSE_BENCH (.*)$/m.exec(stdout);
  if (!line) {
    throw new Error(`wrk printed no result:\n${stdout}`);
  }
  return JSON.parse(line[1]);
}

function clientReport(result: WrkResult, offered?: number) {
  const seconds = result.durationUs / 1e6;
  const errors =
    result.non2xx +
    result.connectErrors +
    result.readErrors +
    result.writeErrors +
    result.timeouts;
  return {
    offeredPerSecond: offered ?? null,
    achievedPerSecond: Number((result.requests / seconds).toFixed(1)),
    requests: result.requests,
    seconds: Number(seconds.toFixed(1)),
    errors,
    errorDetail: {
      non2xx: result.non2xx,
      connect: result.connectErrors,
      read: result.readErrors,
      write: result.writeErrors,
      timeout: result.timeouts,
    },
    latencyMs: {
      p50: Number((result.p50Us / 1000).toFixed(2)),
      p90: Number((result.p90Us / 1000).toFixed(2)),
      p99: Number((result.p99Us / 1000).toFixed(2)),
      max: Number((result.maxUs / 1000).toFixed(2)),
    },
    sentLate: offered
      ? {
          over10ms: result.late,
          worstMs: Number(result.lateMaxMs.toFixed(1)),
        }
      : null,
  };
}

// ----------------------------------------------------------------------------- main

/**
 * Waits until the server thread is mostly idle (event-loop utilisation under 0.2 over half a
 * second; at most 60 s): an overloaded run leaves queued requests behind (whose clients wrk has
 * closed), which must not spill into the next phase.
 */
async function drain() {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const elu = performance.eventLoopUtilization();
    await sleep(500);
    if (
      performance.eventLoopUtilization(elu).utilization < 0.2 ||
      performance.now() > deadline
    ) {
      return;
    }
  }
}

/** One answer per window, to check that the endpoint answers with figures before loading it. */
async function sampleAnswer(url: string, token: string, window: string) {
  const res = await fetch(
    `${url}/api/pulse/v1/entities/component/default/svc-1/metrics?window=${window}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  const text = await res.text();
  if (res.status !== 200) {
    throw new Error(`The metrics endpoint answered ${res.status}: ${text}`);
  }
  const body = JSON.parse(text) as { computedAt?: string | null };
  if (!body.computedAt) {
    throw new Error(`The metrics endpoint answered no figures: ${text}`);
  }
  return { bytes: Buffer.byteLength(text), computedAt: body.computedAt };
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
  const rss = new RssSampler();
  const loadAtStart = loadAverage();
  const pulseConfig = CACHE_SECONDS
    ? { permissions: { cacheSeconds: Number(CACHE_SECONDS) } }
    : {};
  let backend: Awaited<ReturnType<typeof startPortal>> | undefined;
  try {
    // Seed and aggregate in Pulse's database before the portal starts on it.
    await admin.raw(`CREATE DATABASE ${prefix}pulse`);
    const knex = knexFactory({
      client: 'pg',
      connection: pulseUrl.toString(),
      pool: { min: 2, max: 10 },
    });
    await applyMigrations(knex);
    const now = new Date();
    const seeder = new MetricsSeeder(knex, {
      pullsPerDay: PULLS_PER_DAY,
      runsPerDay: RUNS_PER_DAY,
    });
    const seedStarted = performance.now();
    const repositories = await seeder.repositories(ENTITIES, now);
    await seeder.history(
      repositories,
      now.getTime() - DAYS * 24 * HOUR,
      now.getTime(),
    );
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const counts = await seeder.counts();

    // The metrics config as the plugin reads it from the same `pulse` config.
    const rootConfig = new ConfigReader({ pulse: pulseConfig });
    const metricsConfig = readMetricsConfig(rootConfig, {
      githubDays: readGithubSyncConfig(rootConfig).retention.days,
      resolvedIncidentDays:
        readOncallRetentionConfig(rootConfig).resolvedIncidentDays,
    });
    const targets = metricsTargets(repositories);
    const aggregation = new MetricsAggregation({
      knex,
      config: metricsConfig,
      targets: async () => targets,
      publisher: new DomainEventPublisher(knex, silentLogger),
      clock: { now: () => new Date() },
      logger: silentLogger,
    });
    rss.take();
    const aggregationStarted = performance.now();
    const full = await aggregation.run({ full: true });
    const aggregationSeconds = (performance.now() - aggregationStarted) / 1000;
    const aggregationPeakRssMiB = rss.take();
    const items = Number(
      (await knex('pulse_metrics_items').count({ n: '*' }))[0].n,
    );
    await knex.destroy();

    const identity = await BenchIdentityProvider.create(
      Object.fromEntries(
        Object.entries(BENCH_USERS).map(([user, group]) => [
          user,
          [user, group],
        ]),
      ),
    );
    const portalStarted = performance.now();
    backend = await startPortal({
      postgresUrl,
      databasePrefix: prefix,
      entities: benchCatalog(ENTITIES),
      identity,
      pulse: pulseConfig,
      externalAccess: [],
    });
    const { port } = backend.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    const issuer = `http://localhost:${port}/api/auth`;
    const tokens = await Promise.all(
      Object.keys(BENCH_USERS).map(user =>
        identity.userToken(user, { issuer }),
      ),
    );
    await waitForCatalog(url, tokens[0], ENTITIES);
    const catalogSeconds = (performance.now() - portalStarted) / 1000;
    const samples = Object.fromEntries(
      await Promise.all(
        WINDOWS.map(async w => [w, await sampleAnswer(url, tokens[0], w)]),
      ),
    );
    const setupPeakRssMiB = rss.take();

    const phases: Record<string, unknown> = {};
    const scriptFile = path.join(
      os.tmpdir(),
      `pulse-metrics-endpoint-${process.pid}.lua`,
    );
    const phase = async (name: string, run: () => Promise<object>) => {
      const profiler = PROFILE_DIR ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const elu = performance.eventLoopUtilization();
      const threadCpu = process.threadCpuUsage();
      const processCpu = process.cpuUsage();
      const machineBefore = machineCpu();
      const loadBefore = loadAverage();
      rss.take();
      clock.phase = name;
      const from = performance.now();
      const result = await run();
      const ms = performance.now() - from;
      clock.phase = 'between';
      const threadUsed = process.threadCpuUsage(threadCpu);
      const processUsed = process.cpuUsage(processCpu);
      const machineAfter = machineCpu();
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
        client: result,
        ...clock.report(name),
        peakRssMiB: rss.take(),
        serverBusy: Number(
          performance.eventLoopUtilization(elu).utilization.toFixed(2),
        ),
        serverThreadCpuMsPerSecond: Number(
          ((threadUsed.user + threadUsed.system) / ms).toFixed(1),
        ),
        processCpuMsPerSecond: Number(
          ((processUsed.user + processUsed.system) / ms).toFixed(1),
        ),
        machineCpuSteal: Number(
          (
            (machineAfter.steal - machineBefore.steal) /
            (machineAfter.total - machineBefore.total)
          ).toFixed(3),
        ),
        machineCpuBusy: Number(
          (
            (machineAfter.busy - machineBefore.busy) /
            (machineAfter.total - machineBefore.total)
          ).toFixed(2),
        ),
        loadAverage: { before: loadBefore, after: loadAverage() },
      };
    };

    for (const [index, window] of WINDOWS.entries()) {
      fs.writeFileSync(scriptFile, wrkScript(tokens, window, RATE));
      if (index === 0 && WARM_UP_SECONDS > 0) {
        // JIT, connection pools and caches warm, not counted.
        clock.phase = 'warm-up';
        await runWrk(url, WARM_UP_SECONDS, scriptFile);
        clock.phase = 'between';
        await drain();
        // The server's own background work (the catalog's processing loop), without requests.
        await phase('idle', async () => {
          await sleep(10_000);
          return {};
        });
      }
      if (PHASES.has('paced')) {
        await phase(`paced ${window}`, async () =>
          clientReport(await runWrk(url, SECONDS, scriptFile), RATE),
        );
        await drain();
      }
      if (PHASES.has('saturated')) {
        fs.writeFileSync(scriptFile, wrkScript(tokens, window));
        await phase(`saturated ${window}`, async () =>
          clientReport(await runWrk(url, SECONDS, scriptFile)),
        );
        await drain();
      }
    }
    fs.rmSync(scriptFile, { force: true });

    const pacedTargets = Object.fromEntries(
      Object.entries(phases)
        .filter(([name]) => name.startsWith('paced'))
        .map(([name, value]) => {
          const p = value as ReturnType<ServerClock['report']> & {
            client: ReturnType<typeof clientReport>;
          };
          const route = `metrics?window=${name.split(' ')[1]}`;
          const serverP99 = p.serverTimeMs[route]?.p99 ?? NaN;
          return [
            name,
            {
              serverP99Ms: serverP99,
              clientP99Ms: p.client.latencyMs.p99,
              achievedPerSecond: p.client.achievedPerSecond,
              errors: p.client.errors + p.metricsNot200,
              met:
                serverP99 < TARGET_P99_MS &&
                p.client.latencyMs.p99 < TARGET_P99_MS &&
                p.client.sentLate?.over10ms === 0 &&
                p.client.errors === 0 &&
                p.metricsNot200 === 0,
            },
          ];
        }),
    );
    const report = {
      label: process.env.PULSE_BENCH_LABEL ?? null,
      machine: machine(),
      loadAverage: { start: loadAtStart, end: loadAverage() },
      options: {
        entities: ENTITIES,
        days: DAYS,
        pullsPerDay: PULLS_PER_DAY,
        runsPerDay: RUNS_PER_DAY,
        rate: RATE,
        seconds: SECONDS,
        warmUpSeconds: WARM_UP_SECONDS,
        connections: CONNECTIONS,
        threads: THREADS,
        windows: WINDOWS,
        permissionsCacheSeconds: CACHE_SECONDS ? Number(CACHE_SECONDS) : null,
      },
      seeded: { ...counts, seconds: Number(seedSeconds.toFixed(1)) },
      aggregation: {
        computed: full.computed,
        items,
        seconds: Number(aggregationSeconds.toFixed(1)),
        peakRssMiB: aggregationPeakRssMiB,
      },
      portal: {
        catalogSeconds: Number(catalogSeconds.toFixed(1)),
        peakRssMiB: setupPeakRssMiB,
      },
      sampleAnswers: samples,
      phases,
      peakRssMiB: rss.stop(),
      targets: {
        [`p99 < ${TARGET_P99_MS} ms at ${TARGET_RATE}/s, no errors`]:
          pacedTargets,
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rss.stop();
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
