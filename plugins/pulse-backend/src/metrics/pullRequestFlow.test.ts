import { botMatcher } from './bots';
import { metricsWindow } from './days';
import {
  PullRequestFact,
  pullRequestFlow,
  sizeBucket,
} from './pullRequestFlow';

const base = Date.UTC(2026, 11, 1);
const at = (hour: number) => new Date(base + hour * 3_600_000);
const window = metricsWindow(at(24 * 6 + 12), 7, 'UTC');
const isBot = botMatcher(['*[bot]']);
const H = 3600;

const pull = (
  overrides: Partial<PullRequestFact> & { number: number },
): PullRequestFact => ({
  authorLogin: 'alice',
  state: 'merged',
  createdAt: at(2),
  readyForReviewAt: at(2),
  firstCommitAt: at(0),
  mergedAt: at(10),
  additions: 50,
  deletions: 10,
  reviews: [],
  ...overrides,
});

describe('pullRequestFlow', () => {
  it('measures each phase from its own events', () => {
    const result = pullRequestFlow(
      window,
      [
        pull({
          number: 1,
          readyForReviewAt: at(4),
          reviews: [
            // The author's own comment and a bot's review are not a pickup.
            { reviewerLogin: 'alice', state: 'COMMENTED', submittedAt: at(4) },
            {
              reviewerLogin: 'codecov[bot]',
              state: 'COMMENTED',
              submittedAt: at(5),
            },
            { reviewerLogin: 'bob', state: 'APPROVED', submittedAt: at(7) },
          ],
        }),
      ],
      isBot,
      new Map([[1, at(12)]]),
    );
    expect(result.merged).toEqual([
      {
        number: 1,
        size: 'S',
        changedLines: 60,
        approved: true,
        phases: { coding: 2 * H, pickup: 3 * H, review: 3 * H, deploy: 2 * H },
      },
    ]);
    expect(result.mergedWithoutApproval).toEqual([]);
  });

  it('leaves out bots, lists merges without approval, and ages open pull requests', () => {
    const result = pullRequestFlow(
      window,
      [
        pull({ number: 1, authorLogin: 'dependabot[bot]' }),
        pull({
          number: 2,
          reviews: [
            {
              reviewerLogin: 'bob',
              state: 'CHANGES_REQUESTED',
              submittedAt: at(5),
            },
            // Approved by the author themselves, and by bob only after the merge.
            { reviewerLogin: 'alice', state: 'APPROVED', submittedAt: at(6) },
            { reviewerLogin: 'bob', state: 'APPROVED', submittedAt: at(11) },
          ],
          additions: 300,
          deletions: 150,
        }),
        pull({
          number: 3,
          state: 'open',
          mergedAt: null,
          createdAt: at(24 * 6),
        }),
        pull({
          number: 4,
          state: 'open',
          mergedAt: null,
          authorLogin: 'renovate[bot]',
        }),
        // Merged before the window: not counted.
        pull({
          number: 5,
          mergedAt: at(-30),
          createdAt: at(-40),
          firstCommitAt: at(-41),
        }),
        // Closed without merging: not counted.
        pull({ number: 6, state: 'closed', mergedAt: null }),
      ],
      isBot,
      new Map(),
    );
    expect(result.botPullRequests).toBe(2);
    expect(result.merged.map(entry => entry.number)).toEqual([2]);
    expect(result.merged[0]).toMatchObject({
      size: 'L',
      approved: false,
      phases: { coding: 2 * H, pickup: 3 * H, review: 5 * H, deploy: null },
    });
    expect(result.mergedWithoutApproval).toEqual([2]);
    expect(result.open).toEqual({
      count: 1,
      ages: {
        sample: 1,
        p50Seconds: 12 * H,
        p75Seconds: 12 * H,
        p90Seconds: 12 * H,
      },
    });
    expect(result.sizes).toEqual({ S: 0, M: 0, L: 1, XL: 0 });
    expect(result.phases.deploy.sample).toBe(0);
  });

  it('reports percentiles over the merged pull requests, never averages', () => {
    const pulls = [1, 2, 3, 4].map(hours =>
      pull({ number: hours, firstCommitAt: at(2 - hours), createdAt: at(2) }),
    );
    pulls.push(pull({ number: 100, firstCommitAt: at(-98), createdAt: at(2) }));
    const result = pullRequestFlow(window, pulls, isBot, new Map());
    expect(result.phases.coding).toEqual({
      sample: 5,
      p50Seconds: 3 * H,
      p75Seconds: 4 * H,
      p90Seconds: 100 * H,
    });
    // Without reviews, pickup and review measure nothing.
    expect(result.phases.pickup.sample).toBe(0);
  });

  it('buckets sizes at 100, 400 and 800 changed lines', () => {
    expect([0, 99, 100, 399, 400, 799, 800].map(sizeBucket)).toEqual([
      'S',
      'S',
      'M',
      'M',
      'L',
      'L',
      'XL',
    ]);
  });
});
