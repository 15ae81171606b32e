/**
 * Escalation benchmark: 10,000 open incidents on PostgreSQL, the engine run every 15 s in real
 * time, as the scheduler runs it.
 *
 *   yarn bench:escalation [--incidents 10000] [--window-seconds 180] [--tick-seconds 15]
 *                         [--notify-latency-ms 10] [--concurrency 8]
 *
 * Every incident's next step falls due at a random instant within the window, so the runs see a
 * steady stream of due steps against a table of 10,000 open incidents. Lateness is the time from
 * a step's due time to its notification (the page rows' `due_at` and `sent_at`). Notifications go
 * to an in-process recorder that waits `--notify-latency-ms` per send, standing in for the
 * notifications backend. A final phase makes every incident due at once and times one run
 * (throughput). Needs PostgreSQL: PULSE_BENCH_PG or BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING.
 */
import { ConfigReader } from '@backstage/config';
import { AsyncLocalStorage } from 'node:async_hooks';
import { cpus, totalmem } from 'node:os';
import knexFactory, { Knex } from 'knex';
import { applyMigrations } from '../src/database/migrations';
import { DomainEventPublisher } from '../src/events/DomainEventPublisher';
import { readOncallConfig } from '../src/oncall/config';
import {
  EscalationRunner,
  RunReport,
} from '../src/oncall/engine/EscalationRunner';
import { Pager } from '../src/oncall/engine/Pager';
import { createIncidentServices } from '../src/oncall/incidents';
import { choosePolicy } from '../src/oncall/policies';
import { ScheduleService } from '../src/oncall/schedules/ScheduleService';
import {
  RecordingNotifications,
  TestLogger,
} from '../src/oncall/__testUtils__/engine';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

const INCIDENTS = option('incidents', 10_000);
const WINDOW_MS = option('window-seconds', 180) * 1000;
const TICK_MS = option('tick-seconds', 15) * 1000;
const NOTIFY_LATENCY_MS = option('notify-latency-ms', 10);
const CONCURRENCY = option('concurrency', 8);

const config = readOncallConfig(
  new ConfigReader({
    pulse: {
      oncall: {
        schedules: [
          {
            id: 'primary',
            name: 'Primary',
            timeZone: 'Europe/Berlin',
            layers: [
              {
                members: ['user:default/a', 'user:default/b', 'user:default/c'],
                rotation: 'daily',
                start: '2025-01-01',
              },
              {
                members: ['user:default/d'],
                rotation: 'weekly',
                start: '2025-01-06',
                restrictions: [
                  { type: 'daily', startTime: '22:00', endTime: '06:00' },
                ],
              },
            ],
          },
        ],
        escalationPolicies: [
          {
            id: 'bench',
            name: 'Bench',
            repeat: 2,
            steps: [
              { delayMinutes: 30, targets: [{ schedule: 'primary' }] },
              { delayMinutes: 30, targets: [{ user: 'user:default/lead' }] },
            ],
          },
        ],
        defaultEscalationPolicy: 'bench',
      },
    },
  }),
);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

function describe(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

async function createDatabase(): Promise<{
  knex: Knex;
  drop: () => Promise<void>;
}> {
  const url =
    process.env.PULSE_BENCH_PG ??
    process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
  if (!url) {
    throw new Error(
      'Set PULSE_BENCH_PG (or BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING) to a PostgreSQL server URL',
    );
  }
  const name = `pulse_bench_${Date.now()}`;
  const admin = knexFactory({ client: 'pg', connection: url });
  await admin.raw(`CREATE DATABASE ${name}`);
  const base = new URL(url);
  base.pathname = `/${name}`;
  const knex = knexFactory({
    client: 'pg',
    connection: base.toString(),
    pool: { min: 2, max: 20 },
  });
  return {
    knex,
    drop: async () => {
      await knex.destroy();
      await admin.raw(`DROP DATABASE ${name}`);
      await admin.destroy();
    },
  };
}

async function main() {
  const { knex, drop } = await createDatabase();
  try {
    await applyMigrations(knex);
    const logger = new TestLogger();
    // While seeding, each incident sees its own "now" (its due time); afterwards the real clock.
    const seedTime = new AsyncLocalStorage<Date>();
    const clock = { now: () => seedTime.getStore() ?? new Date() };
    const publisher = new DomainEventPublisher(knex, logger);
    const { intake, ledger } = createIncidentServices({
      knex,
      publisher,
      policies: {
        policyFor: async ref => choosePolicy(config, ref, undefined),
        policy: id => config.policies.find(p => p.id === id),
      },
      clock,
      logger,
    });
    const schedules = new ScheduleService({
      knex,
      schedules: config.schedules,
      publisher,
      clock,
      logger,
    });
    const notifications = new RecordingNotifications();
    if (NOTIFY_LATENCY_MS > 0) {
      notifications.onSend = () =>
        new Promise(resolve => setTimeout(resolve, NOTIFY_LATENCY_MS));
    }
    const runner = new EscalationRunner({
      ledger,
      schedules,
      pager: new Pager({ notifications, webhooks: config.webhooks, logger }),
      logger,
      leaseSeconds: 60,
      watchdogGraceMinutes: 3,
      clock,
      incidentLink: id => `/pulse/incidents/${id}`,
      concurrency: CONCURRENCY,
      maxPerRun: INCIDENTS,
    });

    // Seed: each incident is triggered "at" its due time, so its first step falls due then.
    const seedStarted = Date.now();
    const windowStart = Date.now() + 20_000 + INCIDENTS * 10;
    const dueTimes = Array.from(
      { length: INCIDENTS },
      () => windowStart + Math.floor(Math.random() * WINDOW_MS),
    );
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < INCIDENTS) {
          const i = next++;
          await seedTime.run(new Date(dueTimes[i]), () =>
            intake.receive(
              {
                action: 'trigger',
                dedupKey: `bench-${i}`,
                entityRef: `component:default/service-${i % 200}`,
                title: `Synthetic alert ${i}`,
                severity: 'critical',
                source: 'json',
                integrationKey: 'bench',
                rawPayload: { i },
              },
              'bench',
            ),
          );
        }
      }),
    );
    if (Date.now() > windowStart) {
      console.warn(
        'Seeding overran the start of the window: early lateness includes seeding time',
      );
    }
    console.log(
      `Seeded ${INCIDENTS} open incidents in ${(
        (Date.now() - seedStarted) /
        1000
      ).toFixed(1)} s; steps fall due over ${
        WINDOW_MS / 1000
      } s from ${new Date(windowStart).toISOString()}`,
    );

    // Phase 1: the scheduler's cadence, in real time, until the window has passed.
    const runs: RunReport[] = [];
    const end = windowStart + WINDOW_MS + TICK_MS;
    while (Date.now() < end) {
      const started = Date.now();
      const report = await runner.run();
      runs.push(report);
      if (report.due > 0) {
        console.log(
          `run: ${report.paged} paged, ${report.skipped} skipped, ${report.failed} failed in ${report.durationMs} ms`,
        );
      }
      await new Promise(r =>
        setTimeout(r, Math.max(0, TICK_MS - (Date.now() - started))),
      );
    }
    const pages = await knex('pulse_incident_pages')
      .whereNotNull('sent_at')
      .select('due_at', 'sent_at');
    const lateness = pages.map(
      p => new Date(p.sent_at).getTime() - new Date(p.due_at).getTime(),
    );
    const busyRuns = runs.filter(r => r.due > 0);
    const counts = notifications.countByScope();
    const duplicates = [...counts.values()].filter(c => c > 1).length;

    // Phase 2: every open incident due at once; one run.
    const burstIncidents = await knex('pulse_incidents').select(
      'id',
      'escalation_state',
    );
    for (let i = 0; i < burstIncidents.length; i += 500) {
      const chunk = burstIncidents.slice(i, i + 500);
      await knex.transaction(async tx => {
        for (const row of chunk) {
          const state = JSON.parse(row.escalation_state);
          state.nextStepAt = new Date(Date.now() - 1000).toISOString();
          await tx('pulse_incidents')
            .where({ id: row.id })
            .update({
              escalation_state: JSON.stringify(state),
              next_due_at: new Date(state.nextStepAt),
            });
        }
      });
    }
    const burst = await runner.run();

    const result = {
      machine: `${cpus().length} cores, ${Math.round(
        totalmem() / 2 ** 30,
      )} GiB`,
      incidents: INCIDENTS,
      windowSeconds: WINDOW_MS / 1000,
      tickSeconds: TICK_MS / 1000,
      notifyLatencyMs: NOTIFY_LATENCY_MS,
      concurrency: CONCURRENCY,
      pagesSent: pages.length,
      duplicatePages: duplicates,
      latenessMs: describe(lateness),
      tickDurationMs: describe(busyRuns.map(r => r.durationMs)),
      burst: {
        due: burst.due,
        paged: burst.paged,
        durationMs: burst.durationMs,
        pagesPerSecond: Math.round((burst.paged / burst.durationMs) * 1000),
      },
      targetMet: describe(lateness).p99 <= TICK_MS + 1000,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await drop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
