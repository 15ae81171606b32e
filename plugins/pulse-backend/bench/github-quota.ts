/**
 * GitHub benchmark 1, quota: what one steady-state sync cycle over unchanged repositories costs.
 *
 *   yarn bench:github-quota [--repos 200] [--pulls 50] [--runs 200] [--cycles 5] [--db sqlite|pg]
 *
 * The simulator (own process) serves `--repos` repositories. The sync engine backfills them, runs
 * one cycle to store the ETags of the steady-state requests, and then runs `--cycles` measured
 * cycles with nothing changed on GitHub; then the same number of cycles with ETags switched off
 * (no `If-None-Match`), as a sync without conditional requests would. Quota is what the simulator
 * counts against the rate limit (a `304` is free, as on GitHub).
 */
import {
  createBenchDatabase,
  createBenchEngine,
  machine,
  median,
  option,
  repositoryNames,
  startSimulatorProcess,
  stringOption,
} from './githubBench';

const REPOS = option('repos', 200);
const PULLS = option('pulls', 50);
const RUNS = option('runs', 200);
const CYCLES = option('cycles', 5);
const DB = stringOption('db', 'sqlite');

async function main() {
  const repositories = repositoryNames(REPOS);
  const sim = await startSimulatorProcess({
    seed: 11,
    repositories,
    pullsPerRepo: PULLS,
    runsPerRepo: RUNS,
    startAt: new Date().toISOString(),
    rateLimit: { limit: 100_000_000 },
  });
  const database = await createBenchDatabase(DB);
  const github = { maxConcurrentRequestsPerHost: 16 };
  const { engine } = await createBenchEngine({
    knex: database.knex,
    apiBaseUrl: sim.url,
    repositories,
    github,
  });

  process.stderr.write(`backfilling ${REPOS} repositories…\n`);
  const backfill = await engine.runCycle();
  if (backfill.outcomes.synced !== REPOS) {
    throw new Error(`backfill synced ${backfill.outcomes.synced} of ${REPOS}`);
  }
  await engine.runCycle(); // stores the ETags of the steady-state requests

  async function measure(useEtags: boolean) {
    const { engine: measured } = await createBenchEngine({
      knex: database.knex,
      apiBaseUrl: sim.url,
      repositories,
      github,
      engine: { useEtags },
    });
    const cycles = [];
    for (let i = 0; i < CYCLES; i++) {
      await sim.resetStats();
      const started = performance.now();
      const result = await measured.runCycle();
      const seconds = (performance.now() - started) / 1000;
      const stats = await sim.stats();
      if (result.outcomes.synced !== REPOS || result.itemsChanged !== 0) {
        throw new Error(`unexpected cycle: ${JSON.stringify(result)}`);
      }
      cycles.push({
        quota: stats.quotaUsed,
        requests: stats.totalRequests,
        notModified: stats.notModified,
        seconds,
        byOperation: stats.byOperation,
      });
      process.stderr.write(
        `${useEtags ? 'ETags' : 'no ETags'} cycle ${i + 1}: quota ${
          stats.quotaUsed
        }, requests ${stats.totalRequests}, ${seconds.toFixed(2)} s\n`,
      );
    }
    return {
      quotaPerCycle: median(cycles.map(c => c.quota)),
      requestsPerCycle: median(cycles.map(c => c.requests)),
      notModifiedPerCycle: median(cycles.map(c => c.notModified)),
      secondsPerCycle: Number(median(cycles.map(c => c.seconds)).toFixed(2)),
      byOperation: cycles[0].byOperation,
    };
  }

  const withEtags = await measure(true);
  const withoutEtags = await measure(false);
  const report = {
    benchmark: 'github-quota',
    machine: machine(),
    database: database.describe,
    repositories: REPOS,
    pullsPerRepo: PULLS,
    runsPerRepo: RUNS,
    cycles: CYCLES,
    maxConcurrentRequestsPerHost: github.maxConcurrentRequestsPerHost,
    withEtags,
    withoutEtags,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await database.drop();
  await sim.stop();
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
