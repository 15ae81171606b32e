import { GitHubSimulator, GitHubSimulatorOptions } from '../index';

/** A fixed instant, so generated data and rate limit windows are stable. */
export const TEST_NOW = new Date('2025-06-02T12:00:00Z');

export const TEST_TOKEN = 'ghp_simulatortesttoken';

export function startTestSimulator(
  options: GitHubSimulatorOptions = {},
): Promise<GitHubSimulator> {
  return GitHubSimulator.start({
    seed: 42,
    repositories: ['acme/web', 'acme/api'],
    pullsPerRepo: 40,
    runsPerRepo: 120,
    now: () => TEST_NOW,
    ...options,
  });
}

export const auth = { authorization: `token ${TEST_TOKEN}` };
