/**
 * Delivery metrics benchmark: the `pulse-metrics-aggregation` task over PostgreSQL.
 *
 *   yarn bench:metrics-aggregation [--entities 1000] [--days 90] [--pulls-per-day 3]
 *     [--runs-per-day 10] [--reads 2000]
 *
 * Seeds (`metricsSeed.ts`, shared with `metrics-endpoint.ts`) one repository per entity
 * (component `svc-<n>`) with `--days` of history: per day
 * `--pulls-per-day` merged pull requests (each squash-merged onto the default branch, with a
 * first commit, a ready-for-review time and one review), `--runs-per-day` workflow runs (some
 * re-run), one production deployment (every tenth failed) and, per entity, 5 incidents. Then:
 * 1. `full`: a full recompute of every entity (`run({ full: true })`), timed, with the process's
 *    peak RSS sampled every 50 ms;
 * 2. `incremental`: one hour of new activity at the same rates (pull requests, runs and
 *    deployments of the entities that had any in that hour, each announced with its domain event
 *    as the sync or a webhook does), then one incremental run, timed;
 * 3. `read`: what `GET …/metrics?window=30d` does after the caller's entity check, both ways
 *    side by side, for `--reads` random entities one after another (each entity read both ways,
 *    in a random order), p50 and p99; the HTTP layer and the catalog check are not included:
 *    - `stored`: the window's figures the aggregation took, read and brought to now, as the
 *      route serves them the rest of the day;
 *    - `from items`: the items' query and the window's figures computed from them, as the route
 *      does until the aggregation has taken today's figures.
 *
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, as the tests); the
 * database is created for the run and dropped afterwards.
 */
import { ConfigReader } from '@backstage/config';
import { performance } from 'node:perf_hooks';
import { applyMigrations } from '../src/database/migrations';
import { DomainEventPublisher } from '../src/events/DomainEventPublisher';
import { readMetricsConfig } from '../src/metrics/config';
import { metricsWindow } from '../src/metrics/days';
import { figuresAt, windowFigures } from '../src/metrics/entityMetrics';
import { MetricsAggregation } from '../src/metrics/MetricsAggregation';
import { createBenchDatabase } from './benchDatabase';
import { machine, option } from './githubBench';
import {
  HOUR,
  metricsTargets,
  MetricsSeeder,
  silentLogger,
} from './metricsSeed';

const ENTITIES = option('entities', 1000);
const DAYS = option('days', 90);
const PULLS_PER_DAY = option('pulls-per-day', 3);
const RUNS_PER_DAY = option('runs-per-day', 10);
const READS = option('reads', 2000);
const NOW = new Date('2026-12-01T12:00:00Z');

function percentileOf(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const database = await createBenchDatabase('metrics', { maxConnections: 10 });
  const { knex } = database;
  try {
    await applyMigrations(knex);
    const config = readMetricsConfig(new ConfigReader({}), {
      githubDays: 180,
      resolvedIncidentDays: 365,
    });
    const now = { value: NOW };
    const seeder = new MetricsSeeder(knex, {
      pullsPerDay: PULLS_PER_DAY,
      runsPerDay: RUNS_PER_DAY,
    });
    const { random } = seeder;
    const repositories = await seeder.repositories(ENTITIES, NOW);
    const seedStarted = performance.now();
    const start = NOW.getTime() - DAYS * 24 * HOUR;
    await seeder.history(repositories, start, NOW.getTime());
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const counts = await seeder.counts();

    const targets = metricsTargets(repositories);
    const publisher = new DomainEventPublisher(knex, silentLogger);
    const aggregation = new MetricsAggregation({
      knex,
      config,
      targets: async () => targets,
      publisher,
      clock: { now: () => now.value },
      logger: silentLogger,
    });

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const rssBefore = process.memoryUsage().rss;
    const fullStarted = performance.now();
    const full = await aggregation.run({ full: true });
    const fullSeconds = (performance.now() - fullStarted) / 1000;
    const fullPeak = peakRss;

    // One hour of new activity, announced as the sync and webhooks announce it.
    now.value = new Date(NOW.getTime() + HOUR);
    const touched: string[] = [];
    for (const repo of repositories) {
      if (await seeder.activity(repo, NOW.getTime(), now.value.getTime())) {
        touched.push(repo.entityRef);
      }
    }
    await seeder.flush();
    for (let i = 0; i < touched.length; i += 200) {
      await publisher.publish(
        touched.slice(i, i + 200).map(entityRef => ({
          entityRef,
          type: 'github.pull_request.merged',
          payload: {},
        })),
      );
    }
    peakRss = process.memoryUsage().rss;
    const incrementalStarted = performance.now();
    const incremental = await aggregation.run();
    const incrementalSeconds = (performance.now() - incrementalStarted) / 1000;
    const incrementalPeak = peakRss;
    clearInterval(sampler);

    const window = metricsWindow(now.value, 30, config.timeZone);
    const longestStart = metricsWindow(now.value, 90, config.timeZone).start;
    const fromItems: number[] = [];
    const fromStored: number[] = [];
    const readFromItems = async (entityRef: string) => {
      const started = performance.now();
      const [items, state] = await Promise.all([
        aggregation.store.items(entityRef, longestStart),
        aggregation.store.entityState(entityRef),
      ]);
      windowFigures(window, items, {
        minimumSample: config.minimumSample,
        productionEnvironments: config.productionEnvironments,
        defaultBranch: state.defaultBranch,
      });
      fromItems.push(performance.now() - started);
    };
    const readStored = async (entityRef: string) => {
      const started = performance.now();
      const stored = await aggregation.store.windowFigures(entityRef, 30);
      if (!stored || stored.lastDay !== window.lastDay) {
        throw new Error(`no figures of today stored for ${entityRef}`);
      }
      figuresAt(window, stored.clocked);
      fromStored.push(performance.now() - started);
    };
    for (let i = 0; i < READS; i++) {
      const repo = repositories[Math.floor(random() * repositories.length)];
      if (random() < 0.5) {
        await readFromItems(repo.entityRef);
        await readStored(repo.entityRef);
      } else {
        await readStored(repo.entityRef);
        await readFromItems(repo.entityRef);
      }
    }
    const itemCount = Number(
      (await knex('pulse_metrics_items').count({ n: '*' }))[0].n,
    );

    const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
    console.log(`machine: ${machine()}`);
    console.log(
      `seeded ${ENTITIES} entities × ${DAYS} days in ${seedSeconds.toFixed(
        1,
      )} s: ${JSON.stringify(counts)}`,
    );
    console.log(
      `full recompute: ${full.computed} entities in ${fullSeconds.toFixed(
        1,
      )} s, ${itemCount} items stored; RSS ${mib(rssBefore)} before, peak ${mib(
        fullPeak,
      )}`,
    );
    console.log(
      `incremental after one hour of activity (${
        touched.length
      } entities touched): ${incremental.computed} computed, ${
        incremental.unchanged
      } unchanged, in ${incrementalSeconds.toFixed(1)} s; peak RSS ${mib(
        incrementalPeak,
      )}`,
    );
    const spread = (latencies: number[]) =>
      `p50 ${percentileOf(latencies, 50).toFixed(2)} ms, p99 ${percentileOf(
        latencies,
        99,
      ).toFixed(2)} ms`;
    console.log(
      `read of the 30-day figures, ${READS} entities each way, sequential: stored ${spread(
        fromStored,
      )}; from items ${spread(fromItems)}; medians' ratio ${(
        percentileOf(fromItems, 50) / percentileOf(fromStored, 50)
      ).toFixed(1)}×`,
    );
  } finally {
    await database.drop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
