/**
 * Delivery metrics benchmark: the `pulse-metrics-aggregation` task over PostgreSQL.
 *
 *   yarn bench:metrics-aggregation [--entities 1000] [--days 90] [--pulls-per-day 3]
 *     [--runs-per-day 10] [--reads 2000]
 *
 * Seeds one repository per entity (component `svc-<n>`) with `--days` of history: per day
 * `--pulls-per-day` merged pull requests (each squash-merged onto the default branch, with a
 * first commit, a ready-for-review time and one review), `--runs-per-day` workflow runs (some
 * re-run), one production deployment (every tenth failed) and, per entity, 5 incidents. Then:
 * 1. `full`: a full recompute of every entity (`run({ full: true })`), timed, with the process's
 *    peak RSS sampled every 50 ms;
 * 2. `incremental`: one hour of new activity at the same rates (pull requests, runs and
 *    deployments of the entities that had any in that hour, each announced with its domain event
 *    as the sync or a webhook does), then one incremental run, timed;
 * 3. `read`: what `GET …/metrics?window=30d` does after the caller's entity check (the items'
 *    query and the window's figures), for `--reads` random entities one after another, p50 and
 *    p99; the HTTP layer and the catalog check are not included.
 *
 * Needs PostgreSQL (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, as the tests); the
 * database is created for the run and dropped afterwards.
 */
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { performance } from 'node:perf_hooks';
import { applyMigrations } from '../src/database/migrations';
import { DomainEventPublisher } from '../src/events/DomainEventPublisher';
import { readMetricsConfig } from '../src/metrics/config';
import { metricsWindow } from '../src/metrics/days';
import { windowFigures } from '../src/metrics/entityMetrics';
import {
  MetricsAggregation,
  MetricsTarget,
} from '../src/metrics/MetricsAggregation';
import { createBenchDatabase } from './benchDatabase';
import { machine, option } from './githubBench';

const ENTITIES = option('entities', 1000);
const DAYS = option('days', 90);
const PULLS_PER_DAY = option('pulls-per-day', 3);
const RUNS_PER_DAY = option('runs-per-day', 10);
const READS = option('reads', 2000);
const HOUR = 3_600_000;
const NOW = new Date('2026-12-01T12:00:00Z');

const silentLogger: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/** A small deterministic generator, so that every run seeds the same data. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(7);
const sha = (repo: number, n: number) =>
  `${repo.toString(16).padStart(6, '0')}x${n
    .toString(16)
    .padStart(8, '0')}`.padEnd(40, '0');

class Batches {
  private readonly rows = new Map<string, object[]>();
  inserted = 0;

  constructor(private readonly knex: Knex) {}

  async add(table: string, row: object) {
    const list = this.rows.get(table) ?? [];
    list.push(row);
    this.rows.set(table, list);
    if (list.length >= 1000) {
      await this.flush(table);
    }
  }

  async flush(table?: string) {
    for (const name of table ? [table] : [...this.rows.keys()]) {
      const list = this.rows.get(name) ?? [];
      if (list.length > 0) {
        await this.knex(name).insert(list);
        this.inserted += list.length;
        this.rows.set(name, []);
      }
    }
  }
}

/** Per repository: the next pull request number, run id and commit. */
interface RepositoryState {
  id: number;
  entityRef: string;
  nextNumber: number;
  nextCommit: number;
  head: string | null;
}

let nextRunId = 1;
let nextDeploymentId = 1;
let nextReviewId = 1;

async function activity(
  batches: Batches,
  repo: RepositoryState,
  from: number,
  to: number,
): Promise<boolean> {
  const span = to - from;
  let touched = false;
  const events = (perDay: number) => {
    const expected = (perDay * span) / (24 * HOUR);
    let count = Math.floor(expected);
    if (random() < expected - count) {
      count += 1;
    }
    return Array.from({ length: count }, () => from + random() * span).sort(
      (a, b) => a - b,
    );
  };
  for (const mergedAt of events(PULLS_PER_DAY)) {
    touched = true;
    const number = repo.nextNumber++;
    const commit = sha(repo.id, repo.nextCommit++);
    const created = mergedAt - (2 + random() * 40) * HOUR;
    await batches.add('pulse_github_branch_commits', {
      repository_id: repo.id,
      sha: commit,
      parent_shas: JSON.stringify(repo.head ? [repo.head] : []),
      authored_at: new Date(mergedAt),
      committed_at: new Date(mergedAt),
    });
    repo.head = commit;
    await batches.add('pulse_github_pull_requests', {
      repository_id: repo.id,
      number,
      github_id: repo.id * 1_000_000 + number,
      title: `Change ${number}`,
      author_login:
        random() < 0.1 ? 'dependabot[bot]' : `dev-${Math.floor(random() * 8)}`,
      draft: false,
      state: 'closed',
      labels: '[]',
      additions: Math.floor(random() * 600),
      deletions: Math.floor(random() * 200),
      changed_files: 3,
      created_at: new Date(created),
      updated_at: new Date(mergedAt),
      merged_at: new Date(mergedAt),
      closed_at: new Date(mergedAt),
      head_sha: sha(repo.id, 900_000 + number),
      head_ref: `feature-${number}`,
      base_ref: 'main',
      ci_state: 'success',
      html_url: `https://github.com/acme/svc-${repo.id}/pull/${number}`,
      merge_commit_sha: commit,
      ready_for_review_at: new Date(created),
      first_commit_at: new Date(created - random() * 20 * HOUR),
      flow_synced: true,
    });
    await batches.add('pulse_github_reviews', {
      repository_id: repo.id,
      id: nextReviewId++,
      pull_number: number,
      reviewer_login: `dev-${Math.floor(random() * 8) + 10}`,
      state: random() < 0.8 ? 'APPROVED' : 'COMMENTED',
      submitted_at: new Date(created + random() * (mergedAt - created)),
    });
  }
  for (const createdAt of events(RUNS_PER_DAY)) {
    touched = true;
    const id = nextRunId++;
    const attempt = random() < 0.05 ? 2 : 1;
    const started = createdAt + random() * 60_000;
    const conclusion = random() < 0.85 ? 'success' : 'failure';
    const head = repo.head ?? sha(repo.id, 0);
    await batches.add('pulse_github_workflow_runs', {
      repository_id: repo.id,
      id,
      workflow_id: random() < 0.7 ? 1 : 2,
      workflow_name: 'CI',
      name: 'CI',
      branch: random() < 0.5 ? 'main' : `feature-${repo.nextNumber}`,
      event: 'push',
      status: 'completed',
      conclusion,
      run_attempt: attempt,
      head_sha: head,
      created_at: new Date(createdAt),
      started_at: new Date(started),
      completed_at: new Date(started + random() * 600_000),
      updated_at: new Date(started + 600_000),
      html_url: `https://github.com/acme/svc-${repo.id}/actions/runs/${id}`,
    });
    if (attempt === 2) {
      await batches.add('pulse_github_workflow_run_attempts', {
        repository_id: repo.id,
        run_id: id,
        attempt: 1,
        workflow_id: 1,
        head_sha: head,
        status: 'completed',
        conclusion: conclusion === 'success' ? 'failure' : 'success',
        started_at: new Date(started),
        completed_at: new Date(started + 300_000),
        updated_at: new Date(started + 300_000),
      });
    }
  }
  for (const at of events(1)) {
    if (!repo.head) {
      continue;
    }
    touched = true;
    const failed = random() < 0.1;
    await batches.add('pulse_github_deployments', {
      repository_id: repo.id,
      id: nextDeploymentId++,
      environment: 'production',
      sha: repo.head,
      ref: 'main',
      state: failed ? 'failure' : 'inactive',
      created_at: new Date(at - 60_000),
      updated_at: new Date(at),
      status_id: nextDeploymentId,
      status_at: new Date(at),
      succeeded_at: failed ? null : new Date(at),
    });
  }
  return touched;
}

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
    const repositories: RepositoryState[] = [];
    for (let i = 1; i <= ENTITIES; i++) {
      const [row] = await knex('pulse_github_repositories')
        .insert({
          host: 'github.com',
          slug: `acme/svc-${i}`,
          default_branch: 'main',
          state: 'idle',
          backfill_complete: true,
          created_at: NOW,
        })
        .returning('id');
      repositories.push({
        id: Number(row.id ?? row),
        entityRef: `component:default/svc-${i}`,
        nextNumber: 1,
        nextCommit: 1,
        head: null,
      });
    }
    const seedStarted = performance.now();
    const batches = new Batches(knex);
    const start = NOW.getTime() - DAYS * 24 * HOUR;
    for (const repo of repositories) {
      await activity(batches, repo, start, NOW.getTime() - HOUR);
      for (let i = 0; i < 5; i++) {
        const triggered = start + random() * (NOW.getTime() - start - 2 * HOUR);
        const id = `00000000-0000-4000-${String(repo.id % 10000).padStart(
          4,
          '0',
        )}-${String(i).padStart(12, '0')}`;
        await batches.add('pulse_incidents', {
          id,
          title: 'Latency high',
          entity_ref: repo.entityRef,
          severity: random() < 0.5 ? 'critical' : 'warning',
          status: 'resolved',
          dedup_key: id,
          source: 'manual',
          alert_count: 1,
          created_at: new Date(triggered),
          updated_at: new Date(triggered + HOUR),
          resolved_at: new Date(triggered + random() * 4 * HOUR),
          escalation_policy_id: 'policy',
          escalation_state: '{}',
        });
      }
    }
    await batches.flush();
    await knex.raw('ANALYZE');
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const counts = Object.fromEntries(
      await Promise.all(
        [
          'pulse_github_pull_requests',
          'pulse_github_workflow_runs',
          'pulse_github_deployments',
          'pulse_github_branch_commits',
          'pulse_incidents',
        ].map(async table => [
          table,
          Number((await knex(table).count({ n: '*' }))[0].n),
        ]),
      ),
    );

    const targets: MetricsTarget[] = repositories.map(repo => ({
      repositoryId: repo.id,
      defaultBranch: 'main',
      entityRefs: [repo.entityRef],
    }));
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
      if (await activity(batches, repo, NOW.getTime(), now.value.getTime())) {
        touched.push(repo.entityRef);
      }
    }
    await batches.flush();
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
    const latencies: number[] = [];
    for (let i = 0; i < READS; i++) {
      const repo = repositories[Math.floor(random() * repositories.length)];
      const started = performance.now();
      const [items, state] = await Promise.all([
        aggregation.store.items(repo.entityRef, longestStart),
        aggregation.store.entityState(repo.entityRef),
      ]);
      windowFigures(window, items, {
        minimumSample: config.minimumSample,
        productionEnvironments: config.productionEnvironments,
        defaultBranch: state.defaultBranch,
      });
      latencies.push(performance.now() - started);
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
    console.log(
      `read (items query + 30-day figures), ${READS} sequential: p50 ${percentileOf(
        latencies,
        50,
      ).toFixed(1)} ms, p99 ${percentileOf(latencies, 99).toFixed(1)} ms`,
    );
  } finally {
    await database.drop();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
