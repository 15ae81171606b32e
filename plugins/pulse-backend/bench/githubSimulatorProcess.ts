/**
 * Runs the GitHub simulator in a child process for the GitHub benchmarks, so that the benchmark
 * process holds only what a Pulse backend holds (its memory is the backend's). Started by
 * `startSimulatorProcess` in `githubBench.ts`; receives its options as JSON in argv.
 */
import { GitHubSimulator } from '@internal/github-simulator';

async function run() {
  const { startAt, ...options } = JSON.parse(process.argv[2]);
  let origin: number | undefined;
  const simulator = await GitHubSimulator.start({
    ...options,
    // Generated history ends at `startAt`, then time runs as usual.
    now: () => {
      origin ??= Date.now();
      return new Date(Date.parse(startAt) + Date.now() - origin);
    },
  });
  process.send!({ url: simulator.url });
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'stop') {
      await simulator.stop();
      process.exit(0);
    }
  });
}

run().catch(error => {
  process.stderr.write(`simulator failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
