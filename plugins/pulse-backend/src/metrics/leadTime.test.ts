import { commitGraph, deploymentRange } from './commitRanges';
import {
  deploymentRanges,
  leadTimes,
  leadTimeSummary,
  MergedPullRequestFact,
  ProductionDeploymentFact,
} from './leadTime';

const at = (hour: number) => new Date(Date.UTC(2026, 10, 2) + hour * 3_600_000);

// Default branch: c1 ← c2 ← s3 (squash of #2) ← r4 ← r5 (rebase of #3) ← m6 (merge of #4,
// branch commit f1) ← v7 (revert of s3, #5) ← c8 (#6, not deployed yet).
const graph = commitGraph([
  { sha: 'c1', parents: [] },
  { sha: 'c2', parents: ['c1'] },
  { sha: 's3', parents: ['c2'] },
  { sha: 'r4', parents: ['s3'] },
  { sha: 'r5', parents: ['r4'] },
  { sha: 'f1', parents: ['s3'] },
  { sha: 'm6', parents: ['r5', 'f1'] },
  { sha: 'v7', parents: ['m6'] },
  { sha: 'c8', parents: ['v7'] },
]);

const pulls: MergedPullRequestFact[] = [
  {
    number: 1,
    mergeCommitSha: 'c2',
    firstCommitAt: at(-400),
    mergedAt: at(-1),
  },
  { number: 2, mergeCommitSha: 's3', firstCommitAt: at(2), mergedAt: at(5) },
  { number: 3, mergeCommitSha: 'r5', firstCommitAt: at(4), mergedAt: at(6) },
  { number: 4, mergeCommitSha: 'm6', firstCommitAt: at(1), mergedAt: at(20) },
  { number: 5, mergeCommitSha: 'v7', firstCommitAt: at(30), mergedAt: at(31) },
  { number: 6, mergeCommitSha: 'c8', firstCommitAt: at(40), mergedAt: at(41) },
  { number: 7, mergeCommitSha: null, firstCommitAt: at(3), mergedAt: at(7) },
];

const deploy = (
  id: string,
  environment: string,
  sha: string,
  hour: number,
): ProductionDeploymentFact => ({
  id,
  environment,
  sha,
  succeededAt: at(hour),
});

describe('leadTimes', () => {
  it('is all waiting when nothing was deployed', () => {
    expect(leadTimes(graph, [], pulls)).toEqual({
      deployed: [],
      waiting: [1, 2, 3, 4, 5, 6],
      baselined: [],
      unmeasured: [7],
    });
  });

  it('credits no pull request to the first deployment, and measures the ranges after it', () => {
    const result = leadTimes(
      graph,
      [
        deploy('d1', 'production', 'c2', 0),
        deploy('d2', 'production', 'r5', 10),
        deploy('d3', 'production', 'm6', 24),
        deploy('d4', 'production', 'v7', 32),
      ],
      pulls,
    );
    expect(result.baselined).toEqual([1]);
    expect(result.waiting).toEqual([6]);
    expect(result.unmeasured).toEqual([7]);
    expect(
      result.deployed.map(e => [e.number, e.deploymentId, e.seconds / 3600]),
    ).toEqual([
      [2, 'd2', 8], // squash merge, shipped with the second range
      [3, 'd2', 6], // rebase merge
      [4, 'd3', 23], // merge commit with a branch commit
      [5, 'd4', 2], // a revert is a change like any other
    ]);
    expect(leadTimeSummary(result.deployed)).toEqual({
      sample: 4,
      p50Seconds: 6 * 3600, // nearest rank: 2nd of [2, 6, 8, 23] h
      p90Seconds: 23 * 3600,
    });
  });

  it('takes the earliest production environment that shipped a commit', () => {
    const result = leadTimes(
      graph,
      [
        deploy('p1', 'prod', 'c2', 0),
        deploy('p2', 'prod', 'r5', 12),
        // A second production environment starts later: its first deployment is a baseline,
        // but the commits it contains had already shipped through `prod`.
        deploy('x1', 'production', 'm6', 9),
        deploy('x2', 'production', 'v7', 33),
      ],
      pulls,
    );
    // m6 first reached production as x1's baseline (hour 9) before p2 (hour 12) shipped r5.
    expect(result.baselined).toEqual([1, 2, 3, 4]);
    expect(result.deployed.map(e => [e.number, e.deploymentId])).toEqual([
      [5, 'x2'],
    ]);
  });

  it('skips a deployment of a SHA off the default branch without breaking the next range', () => {
    const result = leadTimes(
      graph,
      [
        deploy('d1', 'production', 'c2', 0),
        deploy('hotfix', 'production', 'branch-only', 5),
        deploy('d2', 'production', 's3', 10),
      ],
      pulls,
    );
    expect(result.deployed.map(e => [e.number, e.deploymentId])).toEqual([
      [2, 'd2'],
    ]);
  });

  it('orders deployments by when they succeeded, not as given', () => {
    const inOrder = leadTimes(
      graph,
      [
        deploy('d1', 'production', 'c2', 0),
        deploy('d2', 'production', 'r5', 10),
      ],
      pulls,
    );
    const reversed = leadTimes(
      graph,
      [
        deploy('d2', 'production', 'r5', 10),
        deploy('d1', 'production', 'c2', 0),
      ],
      pulls,
    );
    expect(reversed).toEqual(inOrder);
  });

  it('lists a deployed pull request without a first commit date as unmeasured', () => {
    const result = leadTimes(
      graph,
      [
        deploy('d1', 'production', 'c1', 0),
        deploy('d2', 'production', 'c2', 1),
      ],
      [
        {
          number: 9,
          mergeCommitSha: 'c2',
          firstCommitAt: null,
          mergedAt: at(0),
        },
      ],
    );
    expect(result).toEqual({
      deployed: [],
      waiting: [],
      baselined: [],
      unmeasured: [9],
    });
  });
});

describe('deploymentRanges', () => {
  it('gives what deploymentRange defines, on random histories with merges, rollbacks and unknown SHAs', () => {
    let state = 42;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let round = 0; round < 50; round++) {
      const shas: string[] = [];
      const commits = [];
      for (let i = 0; i < 60; i++) {
        const sha = `r${round}c${i}`;
        const parents =
          i === 0
            ? []
            : [
                shas[i - 1],
                ...(random() < 0.2 ? [shas[Math.floor(random() * i)]] : []),
              ];
        commits.push({ sha, parents });
        shas.push(sha);
      }
      const history = commitGraph(commits);
      const deployments = Array.from({ length: 25 }, (_, i) => ({
        id: `d${i}`,
        environment: random() < 0.5 ? 'production' : 'prod',
        // Mostly forward, sometimes back (a rollback), sometimes a SHA the history lacks.
        sha: random() < 0.1 ? `unknown${i}` : shas[Math.floor(random() * 60)],
        succeededAt: new Date(Date.UTC(2026, 10, 1) + i * 3_600_000),
      }));
      const previous = new Map<string, string>();
      const expected = deployments.map(deployment => {
        const range = deploymentRange(
          history,
          deployment.sha,
          previous.get(deployment.environment) ?? null,
        );
        if (range.kind !== 'unknown-sha') {
          previous.set(deployment.environment, deployment.sha);
        }
        return { deployment, range };
      });
      expect(deploymentRanges(history, deployments)).toEqual(expected);
    }
  });
});
