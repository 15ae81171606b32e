/**
 * Crash and restart under load, with real processes: a Backstage backend with Pulse and the
 * events backend (bench/crashRestartBackend.ts) on PostgreSQL or SQLite, the GitHub simulator in
 * activity mode sending signed webhooks to it, and an alert posted to its intake every second.
 * The backend is SIGKILLed at random moments while it works (seeded), started again, and the
 * database and the notification log are checked and measured:
 *
 * - paging: no page sent twice by one process, none due and never sent; after each restart, how
 *   soon the first page went out once the backend answered, how late the pages that fell due
 *   while it was down went out, and the pages a killed process had claimed (taken over when the
 *   claim's lease, `pulse.oncall.escalation.leaseSeconds`, runs out; the killed process may have
 *   sent one already: the same idempotency key goes out again).
 * - sync: after each restart, the time from a repository falling due to its sync completing, the
 *   repositories whose sync the kill interrupted, and the longest time between two syncs.
 * - webhooks: every delivery answered 2xx, for a tracked repository and a topic Pulse applies,
 *   recorded by its `X-GitHub-Delivery` in `pulse_github_webhook_deliveries`.
 * - scheduler locks that a kill left held (`backstage_backend_tasks__tasks`).
 *
 *   cd plugins/pulse-backend
 *   yarn bench:crash-restart [--kills 6] [--database pg|sqlite] [--min-up 40] [--max-up 90]
 *                            [--settle 90] [--seed 11] [--keep]
 *
 * PostgreSQL: BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (the tests' server); the
 * run's databases are created with a unique prefix and dropped at the end. Exit code 0 when no
 * page was doubled or left unsent and no accepted delivery is missing.
 */
import { GitHubSimulator, WebhookDelivery } from '@internal/github-simulator';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import knexFactory, { Knex } from 'knex';
import { GITHUB_WEBHOOK_TOPICS } from '../src/github/GithubWebhookHandler';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}

const KILLS = Number(option('kills', '6'));
const DATABASE = option('database', 'pg') as 'pg' | 'sqlite';
const MIN_UP_MS = Number(option('min-up', '40')) * 1000;
const MAX_UP_MS = Number(option('max-up', '90')) * 1000;
const SETTLE_MS = Number(option('settle', '90')) * 1000;
const SEED = Number(option('seed', '11'));

const REPOSITORIES = [
  'acme/payments-api',
  'acme/billing-worker',
  'acme/ledger-service',
  'acme/storefront-web',
  'acme/catalog-service',
  'acme/checkout-service',
];
const USERS = ['alice', 'bob', 'carol', 'dave'];
const TOKEN = 'pulse-crash-alerts-token';
const GITHUB_TOKEN = 'pulse-crash-github-token';
const WEBHOOK_SECRET = 'pulse-crash-webhook-secret';
const ESCALATION_TICK_S = 15;
const SYNC_FREQUENCY_S = 60;

let random = SEED;
function nextRandom(): number {
  // mulberry32: the kill moments are reproducible from --seed.
  random = (random + 0x6d2b79f5) | 0;
  let t = Math.imul(random ^ (random >>> 15), 1 | random);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms));
}

function seconds(ms: number | undefined): string {
  return ms === undefined || Number.isNaN(ms) ? '-' : (ms / 1000).toFixed(1);
}

function summary(values: number[]): string {
  if (values.length === 0) {
    return 'n=0';
  }
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return `n=${sorted.length} p50=${seconds(at(0.5))}s p90=${seconds(
    at(0.9),
  )}s max=${seconds(sorted[sorted.length - 1])}s`;
}

interface Life {
  index: number;
  spawnedAt: number;
  readyAt?: number;
  killedAt?: number;
  /** Repositories in the middle of a sync when the process was killed. */
  interrupted: number[];
  /** Global scheduler tasks whose lock the kill left held. */
  heldLocks: string[];
}

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'pulse-crash-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const prefix = `pulse_crash_${process.pid}_`;
  const pg = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
  if (DATABASE === 'pg' && !pg) {
    throw new Error(
      'Set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING or pass --database sqlite',
    );
  }

  // --- GitHub -------------------------------------------------------------------------------
  const deliveries: Array<WebhookDelivery & { answeredAt: number }> = [];
  const simulator = await GitHubSimulator.start({
    seed: SEED,
    repositories: REPOSITORIES,
    pullsPerRepo: 40,
    runsPerRepo: 120,
    historyDays: 60,
    tokens: [GITHUB_TOKEN],
    webhook: {
      url: `${baseUrl}/api/events/http/github`,
      secret: WEBHOOK_SECRET,
      timeoutMs: 10_000,
    },
    // Ticked every 500 ms below: simulated time runs 10x.
    activity: { stepSeconds: 5 },
    // Deliveries refused while the backend is down are counted below, not logged.
    logger: { warn() {}, error: message => console.error(message) },
  });
  simulator.onDelivery(delivery =>
    deliveries.push({ ...delivery, answeredAt: Date.now() }),
  );

  // --- Catalog and configuration ---------------------------------------------------------------
  const entities = [
    ...REPOSITORIES.map(slug => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: slug.split('/')[1],
        namespace: 'default',
        annotations: { 'github.com/project-slug': slug },
      },
      spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
    })),
    ...USERS.map(name => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name, namespace: 'default' },
      spec: {},
    })),
  ];
  const entitiesFile = join(workDir, 'entities.json');
  const notificationsFile = join(workDir, 'notifications.jsonl');
  writeFileSync(entitiesFile, JSON.stringify(entities));
  writeFileSync(notificationsFile, '');
  const database =
    DATABASE === 'pg'
      ? { client: 'pg', connection: pg, prefix }
      : {
          client: 'better-sqlite3',
          connection: { directory: join(workDir, 'sqlite') },
        };
  const config = {
    backend: {
      baseUrl,
      listen: { port, host: '127.0.0.1' },
      database,
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: TOKEN, subject: 'crash-monitoring' },
            accessRestrictions: [{ plugin: 'pulse' }],
          },
        ],
      },
    },
    integrations: {
      github: [
        {
          host: 'github.com',
          apiBaseUrl: simulator.url,
          token: GITHUB_TOKEN,
        },
      ],
    },
    events: {
      http: { topics: ['github'] },
      modules: { github: { webhookSecret: WEBHOOK_SECRET } },
    },
    pulse: {
      catalog: {
        refresh: { frequency: { seconds: 30 }, timeout: { minutes: 2 } },
      },
      github: {
        // The demo's schedule.
        schedule: {
          frequency: { seconds: SYNC_FREQUENCY_S },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 5 },
        },
      },
      oncall: {
        escalationPolicies: [
          {
            id: 'crash',
            name: 'Crash test',
            repeat: 3,
            steps: USERS.map(name => ({
              delayMinutes: 1,
              targets: [{ user: `user:default/${name}` }],
            })),
          },
        ],
        defaultEscalationPolicy: 'crash',
        intake: { rateLimit: { requestsPerSecond: 1000, burst: 1000 } },
      },
    },
  };
  const configFile = join(workDir, 'app-config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  // --- The backend's lives ------------------------------------------------------------------------
  const lives: Life[] = [];
  let child: ChildProcess | undefined;
  // The backend never outlives this script, whatever happens to it.
  process.on('exit', () => child?.kill('SIGKILL'));
  const log = createWriteStream(join(workDir, 'backend.log'));
  function start(): Life {
    const life: Life = {
      index: lives.length,
      spawnedAt: Date.now(),
      interrupted: [],
      heldLocks: [],
    };
    lives.push(life);
    child = spawn(
      process.execPath,
      [
        '-r',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        resolve(__dirname, 'crashRestartBackend.ts'),
        '--config',
        configFile,
      ],
      {
        cwd: resolve(__dirname, '..'),
        env: {
          ...process.env,
          PULSE_CRASH_ENTITIES: entitiesFile,
          PULSE_CRASH_NOTIFICATIONS: notificationsFile,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    return life;
  }
  async function waitReady(life: Life) {
    for (;;) {
      try {
        const res = await fetch(`${baseUrl}/api/pulse/health`, {
          signal: AbortSignal.timeout(1000),
        });
        if (res.ok) {
          life.readyAt = Date.now();
          return;
        }
      } catch {
        // not up yet
      }
      if (Date.now() - life.spawnedAt > 180_000) {
        throw new Error(
          `the backend did not come up; see ${workDir}/backend.log`,
        );
      }
      await sleep(100);
    }
  }

  // --- Alerts ---------------------------------------------------------------------------------------
  let alerting = true;
  let alertsAccepted = 0;
  let alertsRefused = 0;
  const alertLoop = (async () => {
    for (let i = 0; alerting; i++) {
      const service = REPOSITORIES[i % REPOSITORIES.length].split('/')[1];
      try {
        const res = await fetch(`${baseUrl}/api/pulse/v1/alerts/json`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            entityRef: `component:default/${service}`,
            title: `Crash test alert ${i}`,
            severity: 'critical',
            dedupKey: `crash-${i}`,
          }),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status === 202) {
          alertsAccepted++;
        } else {
          alertsRefused++;
        }
      } catch {
        alertsRefused++;
      }
      await sleep(1000);
    }
  })();

  // --- Pulse's database, watched from outside -----------------------------------------------------
  let pulseDb: Knex | undefined;
  async function pulseKnex(): Promise<Knex> {
    if (!pulseDb) {
      pulseDb =
        DATABASE === 'pg'
          ? knexFactory({
              client: 'pg',
              connection: (() => {
                const url = new URL(pg!);
                url.pathname = `/${prefix}pulse`;
                return url.toString();
              })(),
              pool: { min: 0, max: 2 },
            })
          : knexFactory({
              client: 'better-sqlite3',
              connection: { filename: join(workDir, 'sqlite', 'pulse.sqlite') },
              useNullAsDefault: true,
            });
    }
    return pulseDb;
  }
  /** Completed syncs seen: repository id → completion times. */
  const syncsSeen = new Map<number, number[]>();
  const lastSynced = new Map<number, number>();
  let watching = true;
  const watch = async () => {
    while (watching) {
      try {
        const knex = await pulseKnex();
        const rows = await knex('pulse_github_repositories').select(
          'id',
          'last_synced_at',
        );
        for (const row of rows) {
          const at = row.last_synced_at
            ? new Date(row.last_synced_at).getTime()
            : 0;
          const id = Number(row.id);
          if (at && at !== lastSynced.get(id)) {
            lastSynced.set(id, at);
            syncsSeen.set(id, [...(syncsSeen.get(id) ?? []), at]);
          }
        }
      } catch {
        // the tables may not exist yet
      }
      await sleep(250);
    }
  };

  // --- The run --------------------------------------------------------------------------------------
  const runStartedAt = Date.now();
  console.log(
    `crash-restart: ${DATABASE}, ${KILLS} kills, work dir ${workDir}, backend ${baseUrl}`,
  );
  let life = start();
  await waitReady(life);
  const watchLoop = watch();
  const activity = setInterval(() => simulator.tick(), 500);
  console.log(
    `life 0: up in ${seconds(
      life.readyAt! - life.spawnedAt,
    )} s (fresh install)`,
  );
  for (let kill = 1; kill <= KILLS; kill++) {
    await sleep(MIN_UP_MS + nextRandom() * (MAX_UP_MS - MIN_UP_MS));
    const knex = await pulseKnex();
    const syncing = await knex('pulse_github_repositories')
      .whereIn('state', ['syncing', 'backfilling'])
      .pluck('id')
      .catch(() => []);
    child!.kill('SIGKILL');
    await once(child!, 'exit');
    life.killedAt = Date.now();
    life.interrupted = syncing.map(Number);
    life.heldLocks = await knex('backstage_backend_tasks__tasks')
      .whereNotNull('current_run_ticket')
      .pluck('id')
      .catch(() => []);
    await sleep(1000 + nextRandom() * 2000);
    life = start();
    await waitReady(life);
    console.log(
      `kill ${kill}: ${
        life.index > 0 ? lives[life.index - 1].interrupted.length : 0
      } repositories mid-sync, locks held: [${lives[
        life.index - 1
      ].heldLocks.join(', ')}]; up again in ${seconds(
        life.readyAt! - life.spawnedAt,
      )} s`,
    );
  }
  console.log(`settling for ${SETTLE_MS / 1000} s`);
  await sleep(SETTLE_MS / 2);
  clearInterval(activity);
  alerting = false;
  await alertLoop;
  await simulator.webhooksIdle();
  await sleep(SETTLE_MS / 2);
  watching = false;
  await watchLoop;

  // --- Checks -----------------------------------------------------------------------------------------
  const knex = await pulseKnex();
  const lifeAt = (at: number) =>
    [...lives].reverse().find(l => l.spawnedAt <= at);

  // Paging.
  const notifications = readFileSync(notificationsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      line => JSON.parse(line) as { at: string; pid: number; scope: string },
    );
  const sends = new Map<string, Array<{ pid: number; at: number }>>();
  for (const n of notifications) {
    sends.set(n.scope, [
      ...(sends.get(n.scope) ?? []),
      { pid: n.pid, at: Date.parse(n.at) },
    ]);
  }
  // Sent twice by one process: a page doubled. Sent again by a later process: the killed one
  // sent it but died before recording it; the same idempotency key (the notification's scope)
  // makes Backstage's notifications backend keep one notification per user.
  const doubled = [...sends].filter(
    ([, list]) => new Set(list.map(x => x.pid)).size < list.length,
  );
  const resentAfterCrash = [...sends].filter(
    ([, list]) => new Set(list.map(x => x.pid)).size > 1,
  );
  const pages = await knex('pulse_incident_pages').select();
  const sentPages = pages.filter(p => p.sent_at);
  const unsentDue = Number(
    (
      await knex('pulse_incident_pages as p')
        .join('pulse_incidents as i', 'i.id', 'p.incident_id')
        .whereNull('p.sent_at')
        .whereNull('p.skipped_at')
        .where('i.status', 'triggered')
        .where(
          'p.due_at',
          '<',
          new Date(Date.now() - 2 * ESCALATION_TICK_S * 1000),
        )
        .count({ count: '*' })
        .first()
    )?.count ?? 0,
  );
  const sentKeys = new Set(sentPages.map(p => p.idempotency_key));
  const sentNotRecorded = [...sends.keys()].filter(key => !sentKeys.has(key));
  const time = (value: unknown) => new Date(value as string).getTime();

  console.log('\n== paging');
  console.log(
    `alerts accepted ${alertsAccepted} (refused or unanswered while down: ${alertsRefused}); pages sent ${sentPages.length}; notifications ${notifications.length}`,
  );
  console.log(
    `sent twice by one process: ${doubled.length}; sent again after a kill (same idempotency key): ${resentAfterCrash.length}; due but never sent: ${unsentDue}; sent but not recorded: ${sentNotRecorded.length}`,
  );
  const resumed: number[] = [];
  const dueWhileDown: number[] = [];
  const reclaimed: number[] = [];
  for (const l of lives.slice(1)) {
    const previous = lives[l.index - 1];
    const ready = l.readyAt!;
    const next = lives[l.index + 1]?.spawnedAt ?? Infinity;
    const pending = sentPages.filter(
      p => time(p.due_at) <= ready && time(p.sent_at) >= previous.killedAt!,
    );
    if (pending.length === 0) {
      continue;
    }
    const sentInLife = sentPages
      .map(p => time(p.sent_at))
      .filter(at => at >= ready && at < next);
    resumed.push(Math.min(...sentInLife) - ready);
    for (const p of pending) {
      (Number(p.attempts) > 1 ? reclaimed : dueWhileDown).push(
        time(p.sent_at) - ready,
      );
    }
  }
  console.log(
    `after each restart, first page sent after the backend answered: ${summary(
      resumed,
    )} (escalation tick ${ESCALATION_TICK_S} s)`,
  );
  console.log(
    `pages due while it was down or starting, sent after it answered: ${summary(
      dueWhileDown,
    )}`,
  );
  console.log(
    `pages claimed by a killed process (taken over when the claim's 60 s lease ran out), sent after it answered: ${summary(
      reclaimed,
    )}`,
  );
  const lateness = sentPages
    .filter(p => {
      const due = time(p.due_at);
      const l = lifeAt(due);
      return (
        Number(p.attempts) === 1 &&
        l?.readyAt &&
        due > l.readyAt &&
        (!l.killedAt || time(p.sent_at) < l.killedAt)
      );
    })
    .map(p => time(p.sent_at) - time(p.due_at));
  console.log(
    `pages due and sent while it was up, time from due to sent: ${summary(
      lateness,
    )}`,
  );

  // Sync.
  console.log('\n== sync');
  const intervalMs = SYNC_FREQUENCY_S * 1000;
  const checkMs = Math.min(15_000, intervalMs / 4);
  const lateSyncs: number[] = [];
  const interruptedAgain: number[] = [];
  const gaps: number[] = [];
  for (const times of syncsSeen.values()) {
    for (let i = 1; i < times.length; i++) {
      gaps.push(times[i] - times[i - 1]);
    }
  }
  for (const l of lives.slice(1)) {
    const previous = lives[l.index - 1];
    const end = l.killedAt ?? Infinity;
    for (const [id, times] of syncsSeen) {
      const before = times.filter(t => t < previous.killedAt!).at(-1);
      const after = times.find(t => t > l.spawnedAt);
      if (before === undefined || after === undefined || after > end) {
        continue;
      }
      const interrupted = previous.interrupted.includes(id);
      // Due again: at once if the kill interrupted it, else an interval after its last sync.
      const dueAt = Math.max(
        l.readyAt!,
        interrupted ? 0 : before + intervalMs - checkMs,
      );
      if (dueAt > end) {
        continue;
      }
      (interrupted ? interruptedAgain : lateSyncs).push(
        Math.max(0, after - dueAt),
      );
    }
  }
  console.log(
    `after each restart, time from a repository falling due (or the backend answering, if later) to its sync completing: ${summary(
      lateSyncs,
    )} (schedule: every ${SYNC_FREQUENCY_S} s, checked every ${
      checkMs / 1000
    } s)`,
  );
  console.log(
    `repositories whose sync a kill interrupted, synced again after the backend answered: ${summary(
      interruptedAgain,
    )} (kills that interrupted a sync: ${
      lives.filter(l => l.interrupted.length > 0).length
    })`,
  );
  console.log(
    `time between two completed syncs of a repository, kills included: ${summary(
      gaps,
    )}`,
  );
  const locks = lives.flatMap(l => l.heldLocks);
  console.log(
    `scheduler locks left held by kills: ${
      locks.length ? [...new Set(locks)].join(', ') : 'none'
    } (${locks.length} in all)`,
  );

  // Webhooks.
  console.log('\n== webhooks');
  const tracked = new Set(REPOSITORIES);
  const accepted = deliveries.filter(
    d =>
      d.status !== undefined &&
      d.status >= 200 &&
      d.status < 300 &&
      GITHUB_WEBHOOK_TOPICS.includes(`github.${d.event.name}`) &&
      tracked.has(d.event.repository),
  );
  const recorded = new Set<string>(
    await knex('pulse_github_webhook_deliveries').pluck('delivery_id'),
  );
  const missing = accepted.filter(d => !recorded.has(d.event.deliveryId));
  const refused = deliveries.filter(
    d => d.status === undefined || d.status >= 300,
  );
  // The events backend's bus (PostgreSQL) stores an event for a subscription that no local
  // subscriber was notified for: 201 to the events plugin's own POST.
  const keptByBus = (
    readFileSync(join(workDir, 'backend.log'), 'utf8').match(
      /"POST \/api\/events\/bus\/v1\/events HTTP\/1\.1" 201/g,
    ) ?? []
  ).length;
  console.log(
    `deliveries sent ${deliveries.length}; answered 2xx for tracked repositories and applied topics: ${accepted.length}; not answered 2xx (backend down or starting): ${refused.length}`,
  );
  console.log(
    `accepted but not recorded by delivery id: ${missing.length}; events the events bus kept for a subscription no local subscriber had (redelivered to Pulse without headers): ${keptByBus}`,
  );
  for (const d of missing.slice(0, 20)) {
    const l = lifeAt(d.answeredAt);
    console.log(
      `  ${d.event.name} ${d.event.deliveryId} answered ${seconds(
        d.answeredAt - (l?.spawnedAt ?? runStartedAt),
      )} s after life ${l?.index} started (Pulse answered after ${seconds(
        (l?.readyAt ?? 0) - (l?.spawnedAt ?? 0),
      )} s)`,
    );
  }

  // Clean up.
  child!.kill('SIGTERM');
  await once(child!, 'exit');
  await knex.destroy();
  await simulator.stop();
  log.end();
  if (DATABASE === 'pg') {
    const admin = knexFactory({ client: 'pg', connection: pg });
    const { rows } = await admin.raw(
      `SELECT datname FROM pg_database WHERE datname LIKE ?`,
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await admin.raw(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.destroy();
  }
  if (!process.argv.includes('--keep')) {
    rmSync(workDir, { recursive: true, force: true });
  }
  // On PostgreSQL an accepted delivery that Pulse did not record arrived before Pulse had
  // subscribed, and the bus kept it for Pulse; on SQLite nothing keeps it.
  const webhooksKept =
    missing.length === 0 || (DATABASE === 'pg' && missing.length <= keptByBus);
  const ok = doubled.length === 0 && unsentDue === 0 && webhooksKept;
  console.log(`\n${ok ? 'OK' : 'FAILED'}`);
  process.exit(ok ? 0 : 1);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
