/**
 * GitHub benchmark 2, initial sync: the first sync of many repositories from a GitHub that
 * answers every request after `--latency-ms`.
 *
 *   yarn bench:github-initial-sync [--repos 200] [--pulls 300] [--runs 1000] [--latency-ms 30]
 *                                  [--concurrency 64] [--backfill-concurrency 8] [--db sqlite|pg]
 *
 * The simulator runs in its own process, so the peak RSS reported is this process's: the sync
 * engine, its GitHub clients and the database driver, as in a backend. The script is bundled to
 * plain JavaScript with esbuild before it runs, as a production backend runs built code: the
 * on-the-fly TypeScript loader the other benchmarks use adds about 57 MiB of RSS by itself. The cycle is the scheduled
 * task's code (`GithubSyncEngine.runCycle`) with `pulse.github.maxConcurrentRequestsPerHost` set
 * to `--concurrency`; `pulse.github.lookbackDays` keeps its default of 90 days (the simulator
 * spreads its history over 120).
 */
import {
  createBenchDatabase,
  createBenchEngine,
  machine,
  option,
  repositoryNames,
  startSimulatorProcess,
  stringOption,
} from './githubBench';

const REPOS = option('repos', 200);
const PULLS = option('pulls', 300);
const RUNS = option('runs', 1000);
const LATENCY_MS = option('latency-ms', 30);
const CONCURRENCY = option('concurrency', 64);
const BACKFILL_CONCURRENCY = option('backfill-concurrency', 0);
const DB = stringOption('db', 'sqlite');

async function count(knex: any, table: string): Promise<number> {
  const [{ n }] = await knex(table).count({ n: '*' });
  return Number(n);
}

async function main() {
  const repositories = repositoryNames(REPOS);
  const sim = await startSimulatorProcess({
    seed: 5,
    repositories,
    pullsPerRepo: PULLS,
    runsPerRepo: RUNS,
    latencyMs: LATENCY_MS,
    startAt: new Date().toISOString(),
    rateLimit: { limit: 100_000_000 },
  });
  const database = await createBenchDatabase(DB);
  const { engine } = await createBenchEngine({
    knex: database.knex,
    apiBaseUrl: sim.url,
    repositories,
    github: { maxConcurrentRequestsPerHost: CONCURRENCY },
    engine: BACKFILL_CONCURRENCY
      ? { backfillConcurrency: BACKFILL_CONCURRENCY }
      : {},
  });
  await sim.resetStats();

  let peakHeap = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 250);
  const progress = setInterval(async () => {
    const repos = await database
      .knex('pulse_github_repositories')
      .select('state');
    const idle = repos.filter(r => r.state === 'idle').length;
    process.stderr.write(
      `${new Date().toISOString()} ${idle}/${REPOS} repositories synced, rss ${Math.round(
        process.memoryUsage().rss / 2 ** 20,
      )} MiB\n`,
    );
  }, 15_000);

  const started = performance.now();
  const result = await engine.runCycle();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(progress);

  const stats = await sim.stats();
  const { knex } = database;
  const report = {
    benchmark: 'github-initial-sync',
    machine: machine(),
    database: database.describe,
    repositories: REPOS,
    pullsPerRepo: PULLS,
    runsPerRepo: RUNS,
    latencyMs: LATENCY_MS,
    maxConcurrentRequestsPerHost: CONCURRENCY,
    backfillConcurrency:
      BACKFILL_CONCURRENCY ||
      Math.min(4, Math.max(1, Math.ceil(CONCURRENCY / 4))),
    wallSeconds: Number(seconds.toFixed(1)),
    outcomes: result.outcomes,
    requests: stats.totalRequests,
    requestsPerSecond: Math.round(stats.totalRequests / seconds),
    quotaUsed: stats.quotaUsed,
    byStatus: stats.byStatus,
    byOperation: stats.byOperation,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    peakHeapMiB: Math.round(peakHeap / 2 ** 20),
    stored: {
      pullRequests: await count(knex, 'pulse_github_pull_requests'),
      reviews: await count(knex, 'pulse_github_reviews'),
      workflowRuns: await count(knex, 'pulse_github_workflow_runs'),
      deployments: await count(knex, 'pulse_github_deployments'),
      commits: await count(knex, 'pulse_github_commits'),
      events: await count(knex, 'pulse_events'),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await database.drop();
  await sim.stop();
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
