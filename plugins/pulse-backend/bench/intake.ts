/*
 * Alert intake throughput benchmark: Prometheus Alertmanager webhook deliveries over loopback
 * against the Pulse backend plugin (the real plugin: root router, auth, intake, incident service,
 * escalation trigger) running in a test backend on PostgreSQL.
 *
 *   cd plugins/pulse-backend && yarn bench:intake
 *
 * Needs PostgreSQL: BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (as the tests; from
 * `source scripts/lib.sh && ensure_postgres`). A fresh database is created and dropped.
 *
 * The load generator runs in a worker thread with its own event loop, so it does not steal the
 * server's; both share the machine's cores with PostgreSQL. Phases:
 *
 * 1. `new`: closed loop, 16 senders, one new firing alert per delivery (every alert opens an
 *    incident; HTTP costs the most per alert).
 * 2. `mixed`: closed loop, 16 senders, deliveries of 5 alerts as Alertmanager groups them:
 *    1 new alert and 4 re-sent ones (absorbed by their open incidents).
 * 3. `sustained`: open loop at 500 alerts/s (100 mixed deliveries/s) for 60 s; latency is taken
 *    from each delivery's scheduled send time, so a backlog shows up as latency.
 * 4. `sustained-new`: the same, but every alert is new (100 deliveries/s of 5 new alerts: 500
 *    incidents opened per second).
 *
 * Afterwards the database is checked: one incident per distinct alert, and the alert counts add
 * up to every alert sent (nothing lost, nothing doubled). Last, the incident service is timed
 * alone (`IncidentIntakeService.receive` in-process, 16 at a time, new incidents): the ceiling the
 * intake sits on. Each phase also reports how busy the server's and the load generator's event
 * loops were.
 *
 * The backend runs the real Pulse plugin with the test utilities' mocks, except for the scheduler
 * (see `pollingScheduler`); the rate limit is raised out of the way.
 *
 * Environment: PULSE_BENCH_SECONDS (closed-loop phase length, default 20),
 * PULSE_BENCH_SUSTAINED_SECONDS (default 60), PULSE_BENCH_RATE (alerts/s, default 500),
 * PULSE_BENCH_SCHEDULER=mock (the test utilities' scheduler instead). Exit code 0 when the
 * sustained rate was kept up and the database is consistent.
 */
import {
  coreServices,
  createServiceFactory,
  SchedulerService,
  SchedulerServiceTaskInvocationDefinition,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Knex } from 'knex';
import { createBenchDatabase } from './benchDatabase';
import { DomainEventPublisher } from '../src/events/DomainEventPublisher';
import { createIncidentServices } from '../src/oncall/incidents';
import { pulsePlugin } from '../src/plugin';

const CLOSED_SECONDS = Number(process.env.PULSE_BENCH_SECONDS ?? 20);
const SUSTAINED_SECONDS = Number(
  process.env.PULSE_BENCH_SUSTAINED_SECONDS ?? 60,
);
const RATE = Number(process.env.PULSE_BENCH_RATE ?? 500);
const SERVICES = 20;

/**
 * A scheduler that behaves like Backstage's own for what intake touches: `triggerTask` marks a
 * task due and a worker loop starts it at its next poll (here every second), so a burst of
 * triggers runs a task once, as the database-backed scheduler does. The test-utils mock instead
 * runs the task inline on every trigger (the escalation engine once per new incident), which
 * production never does. `PULSE_BENCH_SCHEDULER=mock` uses the mock anyway.
 */
function pollingScheduler(): SchedulerService {
  type Task = SchedulerServiceTaskScheduleDefinition &
    SchedulerServiceTaskInvocationDefinition & {
      due: boolean;
      running: boolean;
    };
  const tasks = new Map<string, Task>();
  const abort = new AbortController();
  const timer = setInterval(() => {
    for (const task of tasks.values()) {
      if (task.due && !task.running) {
        task.due = false;
        task.running = true;
        Promise.resolve(task.fn(abort.signal))
          .catch(() => {})
          .finally(() => {
            task.running = false;
          });
      }
    }
  }, 1000);
  timer.unref();
  return {
    async scheduleTask(task) {
      tasks.set(task.id, { ...task, due: false, running: false });
    },
    async triggerTask(id) {
      const task = tasks.get(id);
      if (task) task.due = true;
    },
    async cancelTask() {},
    createScheduledTaskRunner(schedule) {
      return {
        run: async task => {
          tasks.set(task.id, {
            ...schedule,
            ...task,
            due: false,
            running: false,
          });
        },
      };
    },
    async getScheduledTasks() {
      return [...tasks.keys()].map(id => ({
        id,
        scope: 'global' as const,
        settings: { version: 2 },
      }));
    },
  };
}

interface PhaseResult {
  name: string;
  deliveries: number;
  alerts: number;
  newAlerts: number;
  failures: number;
  failureSample: string | null;
  seconds: number;
  latenciesMs: number[];
  /** The server's event-loop utilisation during the phase (1 = never idle). */
  serverBusy: number;
  /** The load generator's (worker thread's) event-loop utilisation. */
  clientBusy: number;
}

/** The load generator, in plain JavaScript so the worker needs no transform. */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, authorization, services, phase } = workerData;
// Idle sockets are dropped after 4 s, before the server's 5 s keep-alive timeout closes them: a
// request sent on a socket the server is closing at that instant fails with ECONNRESET.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
const path = '/api/pulse/v1/alerts/alertmanager';
let sequence = 0;
const recent = [];

function alert(fingerprint, service) {
  return {
    status: 'firing',
    labels: {
      alertname: 'HighRequestLatency',
      service,
      instance: fingerprint + ':8080',
      severity: 'page',
    },
    annotations: { summary: 'High request latency on ' + service },
    startsAt: new Date().toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus-0:9090/graph?g0.expr=up',
    fingerprint,
  };
}

/** A delivery of \`fresh\` new alerts and (size - fresh) re-sent ones of the same service. */
function delivery(size, fresh) {
  const service = services[sequence % services.length];
  const alerts = [];
  for (let i = 0; i < fresh; i++) {
    const fingerprint = phase.name + '-' + (sequence++).toString(16).padStart(8, '0');
    alerts.push(alert(fingerprint, service));
  }
  for (const old of recent) {
    if (alerts.length >= size) break;
    if (old.service === service) alerts.push(alert(old.fingerprint, service));
  }
  return {
    body: JSON.stringify({
      receiver: 'pulse',
      status: 'firing',
      alerts,
      groupLabels: { alertname: 'HighRequestLatency' },
      commonLabels: { alertname: 'HighRequestLatency', service, severity: 'page' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager-0:9093',
      version: '4',
      groupKey: '{}:{alertname="HighRequestLatency", service="' + service + '"}',
      truncatedAlerts: 0,
    }),
    alerts: alerts.length,
    fresh,
    remember() {
      // Only accepted alerts are re-sent later: a re-send must find its incident open.
      for (let i = 0; i < fresh; i++) {
        recent.unshift({ fingerprint: alerts[i].fingerprint, service });
      }
      while (recent.length > services.length * 8) recent.pop();
    },
  };
}

function post(body) {
  return new Promise(resolve => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization,
        },
      },
      res => {
        const chunks = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', error => resolve({ status: 0, body: String(error) }));
    req.end(body);
  });
}

const result = { deliveries: 0, alerts: 0, newAlerts: 0, failures: 0, failureSample: null, latenciesMs: [] };

async function send(size, startedAt) {
  const { body, alerts, fresh, remember } = delivery(size, phase.fresh ?? 1);
  const { status, body: answer } = await post(body);
  result.latenciesMs.push(performance.now() - startedAt);
  result.deliveries++;
  if (status === 202) {
    result.alerts += alerts;
    result.newAlerts += fresh;
    remember();
  } else {
    result.failures++;
    result.failureSample = result.failureSample || status + ' ' + answer.slice(0, 300);
  }
}

async function closedLoop() {
  const end = performance.now() + phase.seconds * 1000;
  await Promise.all(
    Array.from({ length: phase.concurrency }, async () => {
      while (performance.now() < end) {
        await send(phase.size, performance.now());
      }
    }),
  );
}

async function openLoop() {
  const perSecond = phase.deliveriesPerSecond;
  const total = Math.round(perSecond * phase.seconds);
  const begin = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise(r => setTimeout(r, wait));
    inFlight.push(send(phase.size, due));
  }
  await Promise.all(inFlight);
}

(async () => {
  const elu = performance.eventLoopUtilization();
  const begin = performance.now();
  if (phase.deliveriesPerSecond) await openLoop();
  else await closedLoop();
  result.seconds = (performance.now() - begin) / 1000;
  result.clientBusy = performance.eventLoopUtilization(elu).utilization;
  agent.destroy();
  parentPort.postMessage(result);
})();
`;

function runPhase(
  port: number,
  authorization: string,
  services: string[],
  phase: {
    name: string;
    size: number;
    /** New alerts per delivery (default 1); the rest are re-sends. */
    fresh?: number;
    seconds: number;
    concurrency?: number;
    deliveriesPerSecond?: number;
  },
): Promise<PhaseResult> {
  const elu = performance.eventLoopUtilization();
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { port, authorization, services, phase },
    });
    worker.once('message', message =>
      resolve({
        name: phase.name,
        ...message,
        serverBusy: performance.eventLoopUtilization(elu).utilization,
      }),
    );
    worker.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

function report(result: PhaseResult) {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const ms = (p: number) => percentile(sorted, p).toFixed(1);
  return {
    phase: result.name,
    deliveries: result.deliveries,
    alerts: result.alerts,
    failures: result.failures,
    seconds: Number(result.seconds.toFixed(1)),
    'alerts/s': Math.round(result.alerts / result.seconds),
    'deliveries/s': Math.round(result.deliveries / result.seconds),
    'p50 ms': ms(50),
    'p95 ms': ms(95),
    'p99 ms': ms(99),
    'max ms': sorted.length ? sorted[sorted.length - 1].toFixed(1) : 'n/a',
    'server busy': `${Math.round(result.serverBusy * 100)}%`,
    'client busy': `${Math.round(result.clientBusy * 100)}%`,
  };
}

async function receiveAlone(
  knex: Knex,
  seconds: number,
): Promise<{ perSecond: number; p99Ms: number }> {
  const quiet = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child() {
      return quiet;
    },
  };
  const { intake } = createIncidentServices({
    knex,
    publisher: new DomainEventPublisher(knex, quiet),
  });
  const latencies: number[] = [];
  let sequence = 0;
  const begin = performance.now();
  const end = begin + seconds * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        await intake.receive(
          {
            action: 'trigger',
            dedupKey: `alone-${sequence++}`,
            entityRef: 'component:default/service-0',
            title: 'High request latency',
            severity: 'critical',
            source: 'alertmanager',
            integrationKey: 'alertmanager',
            rawPayload: { bench: true },
          },
          'bench',
        );
        latencies.push(performance.now() - started);
      }
    }),
  );
  const elapsed = (performance.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / elapsed,
    p99Ms: percentile(latencies, 99),
  };
}

async function main() {
  const { knex, drop } = await createBenchDatabase('intake');
  const serviceNames = Array.from(
    { length: SERVICES },
    (_, i) => `service-${i}`,
  );
  const entities: Entity[] = serviceNames.map(name => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name },
    spec: {},
  }));
  const backend = await startTestBackend({
    features: [
      pulsePlugin,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          pulse: {
            oncall: {
              // The benchmark measures the intake, not the per-token limit.
              intake: {
                rateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000 },
              },
            },
          },
        },
      }),
      catalogServiceMock.factory({ entities }),
      ...(process.env.PULSE_BENCH_SCHEDULER === 'mock'
        ? []
        : [
            createServiceFactory({
              service: coreServices.scheduler,
              deps: {},
              factory: pollingScheduler,
            }),
          ]),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  const authorization = mockCredentials.service.header({
    onBehalfOf: mockCredentials.service('alertmanager'),
    targetPluginId: 'pulse',
  });

  const results: PhaseResult[] = [];
  let ok = false;
  try {
    // Warm up (JIT, connection pool, catalog cache), not reported.
    const warmup = await runPhase(port, authorization, serviceNames, {
      name: 'warmup',
      size: 5,
      seconds: 3,
      concurrency: 8,
    });
    results.push(
      await runPhase(port, authorization, serviceNames, {
        name: 'new',
        size: 1,
        seconds: CLOSED_SECONDS,
        concurrency: 16,
      }),
    );
    results.push(
      await runPhase(port, authorization, serviceNames, {
        name: 'mixed',
        size: 5,
        seconds: CLOSED_SECONDS,
        concurrency: 16,
      }),
    );
    results.push(
      await runPhase(port, authorization, serviceNames, {
        name: 'sustained',
        size: 5,
        seconds: SUSTAINED_SECONDS,
        deliveriesPerSecond: RATE / 5,
      }),
    );
    results.push(
      await runPhase(port, authorization, serviceNames, {
        name: 'sustained-new',
        size: 5,
        fresh: 5,
        seconds: SUSTAINED_SECONDS,
        deliveriesPerSecond: RATE / 5,
      }),
    );

    const [{ incidents, alerts, distinct }] = await knex(
      'pulse_incidents',
    ).select(
      knex.raw('count(*)::int as incidents'),
      knex.raw('coalesce(sum(alert_count), 0)::int as alerts'),
      knex.raw('count(distinct dedup_key)::int as distinct'),
    );
    console.log(
      `\nAlert intake benchmark: Alertmanager webhook over loopback, PostgreSQL, ${
        os.cpus().length
      } cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${
        process.version
      }\n`,
    );
    console.table(results.map(report));
    const sentNew = [warmup, ...results].reduce((n, r) => n + r.newAlerts, 0);
    const sentAlerts = [warmup, ...results].reduce((n, r) => n + r.alerts, 0);
    console.log(
      `Database after the run: ${incidents} incidents (${distinct} distinct dedup keys), alert counts summing to ${alerts}.`,
    );
    console.log(
      `Accepted (202) in the measured phases plus warm-up: ${sentNew} new alerts, ${sentAlerts} alerts in all.`,
    );
    for (const r of results) {
      if (r.failureSample)
        console.log(`First failure in ${r.name}: ${r.failureSample}`);
    }
    // The ceiling the intake sits on: the incident service alone, called in-process (no HTTP,
    // no parsing), 16 at a time, each call a new incident.
    const alone = await receiveAlone(knex, CLOSED_SECONDS);
    console.log(
      `Incident service alone (IncidentIntakeService.receive in-process, 16 at a time, new incidents): ${Math.round(
        alone.perSecond,
      )} alerts/s, p99 ${alone.p99Ms.toFixed(1)} ms.`,
    );
    // Kept up: every delivery accepted, and the last one answered within 2 s of its schedule
    // (a server slower than the offered rate builds a backlog and finishes late).
    const sustainedPhases = results.filter(r => r.name.startsWith('sustained'));
    const keptUp = (r: PhaseResult) =>
      r.failures === 0 && r.seconds <= SUSTAINED_SECONDS + 2;
    const consistent =
      incidents === distinct && incidents === sentNew && alerts === sentAlerts;
    console.log(
      `Database consistent (one incident per alert, alert counts add up): ${
        consistent ? 'yes' : 'NO'
      }.`,
    );
    for (const sustained of sustainedPhases) {
      console.log(
        `${
          sustained.name
        }: ${RATE} alerts/s offered for ${SUSTAINED_SECONDS} s: ${
          keptUp(sustained)
            ? 'kept up'
            : `fell behind (finished after ${sustained.seconds.toFixed(1)} s)`
        }.`,
      );
    }
    ok = sustainedPhases.every(keptUp) && consistent;
  } finally {
    await backend.stop();
    await drop();
  }
  // Exit explicitly: the stopped test backend would otherwise leave the exit code at 0.
  process.exit(ok ? 0 : 1);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
