/*
 * Live-signals benchmark: GitHub webhook accepted → live hint received by every subscribed
 * signals client, on one backend and on two replicas of one portal on PostgreSQL.
 *
 *   cd plugins/pulse-backend && yarn bench:live
 *
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, as the tests). Each
 * scenario gets fresh databases (one per plugin, `pulse_bench_live_<pid>_<n>_*`), dropped after.
 *
 * Each backend is its own process (`liveSignalsBackend.ts`): Pulse, the signals backend, the
 * events backend with the GitHub webhook modules, real auth checking signed user tokens. This
 * process seeds PULSE_BENCH_ENTITIES tracked components (`acme/svc-<i>`), opens
 * PULSE_BENCH_CLIENTS real signals WebSocket clients (the `ws` package, in worker threads, each
 * with its own user's token, split round robin across the replicas), each subscribed to the
 * `pulse:entity:<ref>` channels of PULSE_BENCH_CHANNELS entities (a contiguous block starting at
 * the client's own offset, so every entity has the same number of followers), then POSTs signed
 * GitHub `pull_request` webhooks (the simulator's payload shape, a new pull request each time) at
 * PULSE_BENCH_RATE changes/s for PULSE_BENCH_SECONDS, round robin over the entities and, on two
 * replicas, over the replicas (as a load balancer does). A change to one entity comes back only
 * after every other entity has had one (entities / rate seconds later), so every change is an
 * isolated one for the hint throttle (`HintCoalescer`): its hints leave on the leading edge, with
 * no coalescing wait, and what is measured is one change's hint, never one that rode along with
 * an earlier change.
 *
 * Latency is measured at the client, from two starting points: the webhook's send (the backend
 * receives it over loopback at once, unless its event loop is behind: this one shows a backlog)
 * and its 2xx at the sender. With the events bus on, the 2xx leaves only after the events
 * backend has also written the delivery to its bus (after Pulse's commit), so a hint can arrive
 * before its webhook's 2xx: negative figures from the 2xx are real. A hint is matched to its
 * change by its version (an entity's n-th change raises its topics to version n). Every hint
 * expected (followers × changes × topics `pull-requests` and `activity`) is counted: received at
 * its own version, coalesced into a later one (two changes of an entity within one throttle
 * window, which happens only when a backlog bunches them), missing, or doubled.
 *
 * Memory: each backend's RSS after a full GC, before the clients connect and with them connected
 * and subscribed; the difference divided by the clients on that backend is RSS per connection.
 * CPU: each backend's CPU time (user and system) from the start of the measured load to the end
 * of the tail (until no hint has arrived for 3 s), divided by the webhooks it was sent; on a
 * shared machine this moves far less than the latencies do.
 */
import { GitHubSimulator, WebhookEvent } from '@internal/github-simulator';
import knexFactory, { Knex } from 'knex';
import { ChildProcess, fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { applyMigrations } from '../src/database/migrations';

const CLIENTS = Number(process.env.PULSE_BENCH_CLIENTS ?? 2000);
const CHANNELS = Number(process.env.PULSE_BENCH_CHANNELS ?? 100);
const ENTITIES = Number(process.env.PULSE_BENCH_ENTITIES ?? 1000);
const RATE = Number(process.env.PULSE_BENCH_RATE ?? 50);
const SECONDS = Number(process.env.PULSE_BENCH_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.PULSE_BENCH_WARMUP_SECONDS ?? 5);
const SCENARIOS = (process.env.PULSE_BENCH_REPLICAS ?? '1,2')
  .split(',')
  .map(Number);
const CLIENT_THREADS = Number(process.env.PULSE_BENCH_CLIENT_THREADS ?? 2);
const CLOSED_LOOP = Number(process.env.PULSE_BENCH_CLOSED_LOOP ?? 0);
const SECRET = 'pulse-bench-webhook-secret';
const TOPICS = ['pull-requests', 'activity'];

const now = () => performance.timeOrigin + performance.now();
const progress = (message: string) =>
  process.stderr.write(`[${new Date().toISOString()}] ${message}\n`);
const entityRef = (i: number) => `component:default/svc-${i}`;

// ---------------------------------------------------------------------------------------------
// Backends

interface Backend {
  child: ChildProcess;
  port: number;
  tokens: string[];
  request<T>(type: string): Promise<T>;
  stop(): Promise<void>;
}

async function startBackend(options: {
  postgresUrl: string;
  databasePrefix: string;
  useEventBus: string;
  users: string[];
}): Promise<Backend> {
  const child = fork(
    path.join(__dirname, 'liveSignalsBackend.ts'),
    [JSON.stringify({ ...options, webhookSecret: SECRET })],
    {
      execArgv: [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        '--expose-gc',
        ...(process.env.PULSE_BENCH_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PULSE_BENCH_CPU_PROF}`]
          : []),
      ],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  let errors = '';
  child.stderr!.on('data', chunk => {
    errors = (errors + chunk).slice(-20_000);
    if (process.env.PULSE_BENCH_VERBOSE) process.stderr.write(chunk);
  });
  const ready = await new Promise<{ port: number; tokens: string[] }>(
    (resolve, reject) => {
      const onMessage = (message: any) => {
        if (message?.type === 'ready') {
          child.off('message', onMessage);
          resolve(message);
        }
      };
      child.on('message', onMessage);
      child.once('exit', code =>
        reject(new Error(`backend exited (${code}):\n${errors}`)),
      );
    },
  );
  return {
    child,
    ...ready,
    request: type =>
      new Promise(resolve => {
        const onMessage = (message: any) => {
          if (message.type === type) {
            child.off('message', onMessage);
            resolve(message);
          }
        };
        child.on('message', onMessage);
        child.send({ type });
      }),
    stop: () =>
      new Promise(resolve => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.send({ type: 'stop' });
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Seed: tracked components with their repositories, as a sync would have left them

async function seed(knex: Knex) {
  await applyMigrations(knex);
  await knex.raw(
    `INSERT INTO pulse_tracked_entities
       (entity_ref, kind, namespace, name, repo_slug, repo_owner, repo_name, github_host, valid, problems, refreshed_at)
     SELECT 'component:default/svc-' || g, 'component', 'default', 'svc-' || g,
            'acme/svc-' || g, 'acme', 'svc-' || g, 'github.com', true, '[]', now()
     FROM generate_series(0, ? - 1) g`,
    [ENTITIES],
  );
  await knex.raw(
    `INSERT INTO pulse_github_repositories
       (host, slug, github_id, default_branch, state, backfill_complete, progress_percent,
        items_synced, last_synced_at, created_at)
     SELECT 'github.com', 'acme/svc-' || g, g + 1, 'main', 'idle', true, 100, 0, now(), now()
     FROM generate_series(0, ? - 1) g`,
    [ENTITIES],
  );
}

// ---------------------------------------------------------------------------------------------
// Webhooks: the simulator's `pull_request` payload, re-addressed to each change's repository

async function pullRequestTemplate(): Promise<WebhookEvent> {
  const sim = await GitHubSimulator.start({
    seed: 7,
    repositories: ['acme/template'],
    pullsPerRepo: 4,
    runsPerRepo: 4,
    historyDays: 10,
    tokens: ['t'],
  });
  try {
    for (;;) {
      const opened = sim
        .tick()
        .find(e => e.name === 'pull_request' && e.action === 'opened');
      if (opened) return opened;
    }
  } finally {
    await sim.stop();
  }
}

function webhookBody(
  template: WebhookEvent,
  entity: number,
  change: number,
): string {
  const payload = structuredClone(template.payload) as Record<string, any>;
  const slug = `acme/svc-${entity}`;
  const at = new Date().toISOString();
  Object.assign(payload.repository, {
    id: entity + 1,
    name: `svc-${entity}`,
    full_name: slug,
    html_url: `https://github.com/${slug}`,
  });
  const number = 100_000 + change;
  Object.assign(payload.pull_request, {
    id: 10_000_000 + change,
    number,
    html_url: `https://github.com/${slug}/pull/${number}`,
    created_at: at,
    updated_at: at,
  });
  payload.number = number;
  return JSON.stringify(payload);
}

interface Delivery {
  entity: number;
  replica: number;
  sentAt: number;
  acceptedAt: number;
  status: number;
  warmup: boolean;
}

const agent = new http.Agent({
  keepAlive: true,
  maxSockets: 32,
  timeout: 4000,
});

function postWebhook(port: number, body: string, deliveryId: string) {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/events/http/github',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-github-event': 'pull_request',
          'x-github-delivery': deliveryId,
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET)
            .update(body)
            .digest('hex')}`,
        },
      },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Closed loop (PULSE_BENCH_CLOSED_LOOP senders): each sender posts its next webhook when the last
 * one is answered, for `seconds`; what the backend takes at most.
 */
async function sendWebhooksClosedLoop(
  backends: Backend[],
  template: WebhookEvent,
  seconds: number,
  firstChange: number,
  warmup: boolean,
): Promise<Delivery[]> {
  const end = now() + seconds * 1000;
  const deliveries: Delivery[] = [];
  let next = firstChange;
  await Promise.all(
    Array.from({ length: CLOSED_LOOP }, async () => {
      while (now() < end) {
        const change = next++;
        const entity = change % ENTITIES;
        const replica = change % backends.length;
        const body = webhookBody(template, entity, change);
        const sentAt = now();
        const status = await postWebhook(
          backends[replica].port,
          body,
          `bench-${process.pid}-${change}`,
        ).catch(() => 0);
        deliveries.push({
          entity,
          replica,
          sentAt,
          acceptedAt: now(),
          status,
          warmup,
        });
      }
    }),
  );
  return deliveries;
}

/** Open loop: change k is sent at start + k / rate, whatever the answers do. */
async function sendWebhooks(
  backends: Backend[],
  template: WebhookEvent,
  seconds: number,
  firstChange: number,
  warmup: boolean,
): Promise<Delivery[]> {
  if (CLOSED_LOOP > 0) {
    return sendWebhooksClosedLoop(
      backends,
      template,
      seconds,
      firstChange,
      warmup,
    );
  }
  const total = Math.round(seconds * RATE);
  const start = now();
  const pending: Promise<Delivery>[] = [];
  for (let k = 0; k < total; k++) {
    const due = start + (1000 * k) / RATE;
    const wait = due - now();
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
    const change = firstChange + k;
    const entity = change % ENTITIES;
    const replica = change % backends.length;
    const body = webhookBody(template, entity, change);
    const sentAt = now();
    pending.push(
      postWebhook(
        backends[replica].port,
        body,
        `bench-${process.pid}-${change}`,
      ).then(
        status => ({
          entity,
          replica,
          sentAt,
          acceptedAt: now(),
          status,
          warmup,
        }),
        () => ({
          entity,
          replica,
          sentAt,
          acceptedAt: now(),
          status: 0,
          warmup,
        }),
      ),
    );
  }
  return Promise.all(pending);
}

// ---------------------------------------------------------------------------------------------
// Signals clients, in worker threads (plain JavaScript, so the workers need no transform)

const clientSource = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const { clients } = workerData;
const now = () => performance.timeOrigin + performance.now();
let arrivals = new Float64Array(1 << 20);
let count = 0;
let unexpected = 0;
let closed = 0;
const TOPICS = ${JSON.stringify(TOPICS)};
const sockets = [];
function record(data) {
  const at = now();
  const { message } = JSON.parse(String(data));
  const match = /svc-(\\d+)$/.exec(message && message.entityRef || '');
  const topic = TOPICS.indexOf(message && message.topic);
  if (!match || topic < 0) { unexpected++; return; }
  if (count * 4 + 4 > arrivals.length) {
    const bigger = new Float64Array(arrivals.length * 2);
    bigger.set(arrivals);
    arrivals = bigger;
  }
  arrivals[count * 4] = Number(match[1]);
  arrivals[count * 4 + 1] = topic;
  arrivals[count * 4 + 2] = Number(message.version);
  arrivals[count * 4 + 3] = at;
  count++;
}
async function open(client) {
  const ws = new WebSocket(client.url, client.token, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.on('message', record);
  ws.on('close', () => closed++);
  for (const channel of client.channels) ws.send(JSON.stringify({ action: 'subscribe', channel }));
  // The server handles frames in order: its pong says the subscriptions are in place.
  await new Promise(resolve => { ws.once('pong', resolve); ws.ping(); });
  sockets.push(ws);
}
(async () => {
  let next = 0;
  const failures = [];
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < clients.length) {
      const client = clients[next++];
      try { await open(client); } catch (e) { failures.push(String(e && e.message || e)); }
    }
  }));
  parentPort.postMessage({ type: 'ready', connected: sockets.length, failures: failures.slice(0, 5), failed: failures.length });
  parentPort.on('message', message => {
    if (message.type === 'reset') { count = 0; unexpected = 0; parentPort.postMessage({ type: 'reset' }); }
    if (message.type === 'count') { parentPort.postMessage({ type: 'count', count }); }
    if (message.type === 'collect') {
      const copy = arrivals.slice(0, count * 4);
      parentPort.postMessage({ type: 'collect', arrivals: copy, unexpected, closed }, [copy.buffer]);
    }
    if (message.type === 'close') {
      for (const ws of sockets) ws.terminate();
      parentPort.postMessage({ type: 'close' });
    }
  });
})();
`;

interface ClientThread {
  worker: Worker;
  request<T>(type: string): Promise<T>;
}

async function openClients(backends: Backend[]) {
  const wsPath = require.resolve('ws');
  const perThread: Array<
    Array<{ url: string; token: string; channels: string[] }>
  > = Array.from({ length: CLIENT_THREADS }, () => []);
  const followers = Array.from({ length: ENTITIES }, () =>
    backends.map(() => 0),
  );
  const clientsPerBackend = backends.map(() => 0);
  for (let c = 0; c < CLIENTS; c++) {
    const replica = c % backends.length;
    const backend = backends[replica];
    const channels: string[] = [];
    for (let j = 0; j < CHANNELS; j++) {
      const entity = (c * CHANNELS + j) % ENTITIES;
      channels.push(`pulse:entity:${entityRef(entity)}`);
      followers[entity][replica] += 1;
    }
    clientsPerBackend[replica] += 1;
    perThread[c % CLIENT_THREADS].push({
      url: `ws://127.0.0.1:${backend.port}/api/signals`,
      token: backend.tokens[Math.floor(c / backends.length)],
      channels,
    });
  }
  const started = now();
  const threads: ClientThread[] = [];
  const ready = await Promise.all(
    perThread.map(clients => {
      const worker = new Worker(clientSource, {
        eval: true,
        workerData: { clients, wsPath },
      });
      const thread: ClientThread = {
        worker,
        request: type =>
          new Promise(resolve => {
            const onMessage = (message: any) => {
              if (message.type === type) {
                worker.off('message', onMessage);
                resolve(message);
              }
            };
            worker.on('message', onMessage);
            worker.postMessage({ type });
          }),
      };
      threads.push(thread);
      return new Promise<{
        connected: number;
        failed: number;
        failures: string[];
      }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    }),
  );
  return {
    threads,
    followers,
    clientsPerBackend,
    connectSeconds: (now() - started) / 1000,
    connected: ready.reduce((sum, r) => sum + r.connected, 0),
    failed: ready.reduce((sum, r) => sum + r.failed, 0),
    failures: ready.flatMap(r => r.failures).slice(0, 5),
  };
}

// ---------------------------------------------------------------------------------------------
// Figures

function percentile(sorted: Float64Array | number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

const round = (n: number) => Math.round(n * 10) / 10;

function summary(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

function analyse(
  deliveries: Delivery[],
  arrivals: Float64Array[],
  followers: number[][],
) {
  // A hint names its version: an entity's n-th change (warm-up included, every change a new pull
  // request) raises both its topics to version n, so a hint belongs to the change its version
  // names. (Two changes of one entity committed out of their send order would swap; counts stay.)
  const byEntity = new Map<number, Delivery[]>();
  for (const d of [...deliveries].sort((a, b) => a.sentAt - b.sentAt)) {
    const list = byEntity.get(d.entity) ?? [];
    list.push(d);
    byEntity.set(d.entity, list);
  }
  /** Hints received per entity, topic and version. */
  const received = new Map<string, number>();
  const raw: number[] = [];
  const fromSend: number[] = [];
  const byTopic: number[][] = TOPICS.map(() => []);
  let orphans = 0;
  for (const chunk of arrivals) {
    for (let i = 0; i < chunk.length; i += 4) {
      const entity = chunk[i];
      const topic = chunk[i + 1];
      const version = chunk[i + 2];
      const at = chunk[i + 3];
      const match = byEntity.get(entity)?.[version - 1];
      if (!match) {
        orphans++;
        continue;
      }
      const key = `${entity} ${topic} ${version}`;
      received.set(key, (received.get(key) ?? 0) + 1);
      if (match.warmup) continue;
      const latency = at - match.acceptedAt;
      raw.push(latency);
      fromSend.push(at - match.sentAt);
      byTopic[topic].push(latency);
    }
  }
  let expected = 0;
  let exact = 0;
  let coalesced = 0;
  let missing = 0;
  let doubled = 0;
  for (const [entity, list] of byEntity) {
    const want = followers[entity].reduce((a, b) => a + b, 0);
    for (let index = 0; index < list.length; index++) {
      if (list[index].warmup) continue;
      for (let topic = 0; topic < TOPICS.length; topic++) {
        const got = received.get(`${entity} ${topic} ${index + 1}`) ?? 0;
        expected += want;
        exact += Math.min(got, want);
        doubled += Math.max(0, got - want);
        if (got < want) {
          // Sent as part of a later hint (two changes within one throttle window)?
          let later = 0;
          for (let v = index + 2; v <= list.length; v++) {
            later = Math.max(
              later,
              received.get(`${entity} ${topic} ${v}`) ?? 0,
            );
          }
          const covered = Math.min(want - got, later);
          coalesced += covered;
          missing += want - got - covered;
        }
      }
    }
  }
  const measured = deliveries.filter(d => !d.warmup);
  return {
    webhooks: measured.length,
    webhooksPerSecond: round(
      measured.length /
        ((Math.max(...measured.map(d => d.acceptedAt)) -
          Math.min(...measured.map(d => d.sentAt))) /
          1000),
    ),
    webhooksNot2xx: measured.filter(d => d.status < 200 || d.status >= 300)
      .length,
    webhookResponseMs: summary(measured.map(d => d.acceptedAt - d.sentAt)),
    hintsExpected: expected,
    hintsAtOwnVersion: exact,
    hintsCoalescedIntoLater: coalesced,
    hintsMissing: missing,
    hintsDoubled: doubled,
    hintsWithoutChange: orphans,
    fromAcceptedMs: summary(raw),
    fromSentMs: summary(fromSend),
    byTopicFromAcceptedMs: Object.fromEntries(
      TOPICS.map((t, i) => [t, summary(byTopic[i])]),
    ),
  };
}

// ---------------------------------------------------------------------------------------------

async function scenario(
  replicas: number,
  postgresUrl: string,
  template: WebhookEvent,
) {
  const prefix = `pulse_bench_live_${process.pid}_${replicas}_`;
  const admin = knexFactory({ client: 'pg', connection: postgresUrl });
  const backends: Backend[] = [];
  let threads: ClientThread[] = [];
  const load = [os.loadavg()[0]];
  try {
    await admin.raw(`CREATE DATABASE ${prefix}pulse`);
    const pulseUrl = new URL(postgresUrl);
    pulseUrl.pathname = `/${prefix}pulse`;
    const knex = knexFactory({ client: 'pg', connection: pulseUrl.toString() });
    await seed(knex);
    await knex.destroy();

    progress(`${replicas} replica(s): seeded ${ENTITIES} entities`);
    const usersPerBackend = Math.ceil(CLIENTS / replicas);
    for (let r = 0; r < replicas; r++) {
      backends.push(
        await startBackend({
          postgresUrl,
          databasePrefix: prefix,
          useEventBus:
            replicas > 1
              ? 'always'
              : process.env.PULSE_BENCH_EVENT_BUS ?? 'auto',
          users: Array.from(
            { length: usersPerBackend },
            (_, u) => `user:default/bench-${r}-${u}`,
          ),
        }),
      );
    }
    progress('backends ready');
    const baseline = await Promise.all(
      backends.map(b => b.request<{ rss: number }>('rss')),
    );
    const clients = await openClients(backends);
    threads = clients.threads;
    progress(
      `${clients.connected} clients connected (${
        clients.failed
      } failed) in ${round(clients.connectSeconds)} s`,
    );
    const connected = await Promise.all(
      backends.map(b => b.request<{ rss: number }>('rss')),
    );

    progress('warm-up');
    const warmup = await sendWebhooks(
      backends,
      template,
      WARMUP_SECONDS,
      0,
      true,
    );
    // Let the warm-up's last hints arrive, then count from nothing.
    await new Promise(resolve => setTimeout(resolve, 2000));
    await Promise.all(threads.map(t => t.request('reset')));
    load.push(os.loadavg()[0]);
    const cpuBefore = await Promise.all(
      backends.map(b => b.request<{ microseconds: number }>('cpu')),
    );
    progress('measuring');
    const warmupChanges = warmup.length;
    const deliveries = await sendWebhooks(
      backends,
      template,
      SECONDS,
      warmupChanges,
      false,
    );
    // The tail: until no hint has arrived for 3 s (a backlog drains after the last 2xx).
    for (let last = -1, quiet = 0, waited = 0; quiet < 3 && waited < 180; ) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      waited += 1;
      const counts = await Promise.all(
        threads.map(t => t.request<{ count: number }>('count')),
      );
      const total = counts.reduce((sum, c) => sum + c.count, 0);
      quiet = total === last ? quiet + 1 : 0;
      last = total;
    }
    load.push(os.loadavg()[0]);
    const cpuAfter = await Promise.all(
      backends.map(b => b.request<{ microseconds: number }>('cpu')),
    );
    const collected = await Promise.all(
      threads.map(t =>
        t.request<{
          arrivals: Float64Array;
          unexpected: number;
          closed: number;
        }>('collect'),
      ),
    );
    const afterLoad = await Promise.all(
      backends.map(b => b.request<{ rss: number }>('rss')),
    );
    progress('collected');
    const figures = analyse(
      [...warmup, ...deliveries],
      collected.map(c => c.arrivals),
      clients.followers,
    );
    const mib = (n: number) => round(n / 2 ** 20);
    return {
      replicas,
      clients: {
        opened: clients.connected,
        failed: clients.failed,
        failures: clients.failures,
        closedDuringRun: collected.reduce((s, c) => s + c.closed, 0),
        connectSeconds: round(clients.connectSeconds),
        unexpectedMessages: collected.reduce((s, c) => s + c.unexpected, 0),
      },
      ...figures,
      targetP99Ms: replicas > 1 ? 250 : 100,
      memory: backends.map((_, r) => ({
        replica: r,
        clients: clients.clientsPerBackend[r],
        baselineRssMiB: mib(baseline[r].rss),
        connectedRssMiB: mib(connected[r].rss),
        afterLoadRssMiB: mib(afterLoad[r].rss),
        cpuMsPerWebhook: round(
          (cpuAfter[r].microseconds - cpuBefore[r].microseconds) /
            1000 /
            deliveries.filter(d => d.replica === r).length,
        ),
        rssPerConnectionKiB: round(
          (connected[r].rss - baseline[r].rss) /
            1024 /
            clients.clientsPerBackend[r],
        ),
        rssPerConnectionAfterLoadKiB: round(
          (afterLoad[r].rss - baseline[r].rss) /
            1024 /
            clients.clientsPerBackend[r],
        ),
      })),
      loadAverage: load.map(round),
    };
  } finally {
    await Promise.all(
      threads.map(async t => {
        await t.request('close');
        await t.worker.terminate();
      }),
    );
    await Promise.all(backends.map(b => b.stop()));
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
  const template = await pullRequestTemplate();
  const results = [];
  for (const replicas of SCENARIOS) {
    results.push(await scenario(replicas, postgresUrl, template));
  }
  const report = {
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model}), ${Math.round(
      os.totalmem() / 2 ** 30,
    )} GiB, Node ${process.version}`,
    clients: CLIENTS,
    channelsPerClient: CHANNELS,
    entities: ENTITIES,
    followersPerEntity: (CLIENTS * CHANNELS) / ENTITIES,
    changesPerSecond: RATE,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    results,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
