import { metricsWindow } from './days';
import {
  clockedWindowFigures,
  figuresAt,
  windowFigures,
  WindowFigureOptions,
} from './entityMetrics';
import { MetricItem } from './metricItems';

const ZONE = 'Europe/Berlin';
const OPTIONS: WindowFigureOptions = {
  minimumSample: 2,
  productionEnvironments: ['production'],
  defaultBranch: 'main',
};
// 2026-11-30 09:00 in Berlin; the day there ends at 23:00 UTC.
const TAKEN = new Date('2026-11-30T08:00:00Z');
const HOUR = 3_600_000;

/** A small deterministic generator, so that a failure names the seed that found it. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function run(
  id: number,
  workflowId: number,
  createdAt: Date,
  conclusion: string | null,
  branch = 'main',
): MetricItem {
  return {
    metric: 'workflow-run',
    key: String(id),
    occurredAt: createdAt,
    day: '',
    value: null,
    detail: {
      id,
      workflowId,
      workflowName: `W${workflowId}`,
      branch,
      headSha: `sha${id % 5}`,
      status: conclusion === null ? 'in_progress' : 'completed',
      conclusion,
      runAttempt: 1,
      createdAt: createdAt.toISOString(),
      startedAt: createdAt.toISOString(),
      completedAt:
        conclusion === null
          ? null
          : new Date(createdAt.getTime() + 7 * 60_000).toISOString(),
      earlierConclusions: [],
    },
  };
}

function openPull(number: number, createdAt: Date): MetricItem {
  return {
    metric: 'pull-request',
    key: String(number),
    occurredAt: createdAt,
    day: '',
    value: null,
    detail: {
      number,
      title: `#${number}`,
      htmlUrl: '',
      authorLogin: 'alice',
      bot: false,
      state: 'open',
      createdAt: createdAt.toISOString(),
      mergedAt: null,
      changedLines: 10,
      size: 'S',
      approved: false,
      phases: { coding: null, pickup: null, review: null, deploy: null },
    },
  };
}

/** Runs on three workflows (two branches) and open pull requests, all before TAKEN. */
function randomItems(random: () => number): MetricItem[] {
  const items: MetricItem[] = [];
  const conclusions = ['success', 'failure', 'cancelled', 'timed_out', null];
  for (let id = 1; id <= 5 + Math.floor(random() * 40); id++) {
    const createdAt = new Date(
      TAKEN.getTime() - Math.floor(random() * 40 * 24 * HOUR),
    );
    items.push(
      run(
        id,
        1 + Math.floor(random() * 3),
        createdAt,
        conclusions[Math.floor(random() * conclusions.length)],
        random() < 0.8 ? 'main' : 'feature',
      ),
    );
  }
  for (let number = 1; number <= Math.floor(random() * 6); number++) {
    items.push(
      openPull(
        number,
        new Date(TAKEN.getTime() - Math.floor(random() * 60 * 24 * HOUR)),
      ),
    );
  }
  return items;
}

describe('figures taken earlier in the day', () => {
  it('are, brought to a later instant, what the items give then', () => {
    let redNow = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const random = generator(seed);
      const items = randomItems(random);
      // Later the same Berlin day: up to 14 h 59 min after TAKEN.
      const later = new Date(
        TAKEN.getTime() + Math.floor(random() * 15 * HOUR),
      );
      for (const days of [1, 7, 30]) {
        const clocked = clockedWindowFigures(
          metricsWindow(TAKEN, days, ZONE),
          items,
          OPTIONS,
        );
        const window = metricsWindow(later, days, ZONE);
        const expected = windowFigures(window, items, OPTIONS);
        expect({ seed, days, figures: figuresAt(window, clocked) }).toEqual({
          seed,
          days,
          figures: expected,
        });
        redNow += expected.ciHealth.defaultBranch.filter(
          state => state.redNow,
        ).length;
      }
    }
    // The generated histories do leave branches red, so red time is what moved.
    expect(redNow).toBeGreaterThan(50);
  });

  it('move open pull requests’ ages and the red stretch on, nothing else', () => {
    const items = [
      run(1, 1, new Date(TAKEN.getTime() - 10 * HOUR), 'success'),
      run(2, 1, new Date(TAKEN.getTime() - 6 * HOUR), 'failure'),
      run(3, 1, new Date(TAKEN.getTime() - 4 * HOUR), 'success'),
      run(4, 1, new Date(TAKEN.getTime() - 2 * HOUR), 'failure'),
      openPull(7, new Date(TAKEN.getTime() - 24 * HOUR)),
    ];
    const clocked = clockedWindowFigures(
      metricsWindow(TAKEN, 7, ZONE),
      items,
      OPTIONS,
    );
    expect(clocked.figures.ciHealth.defaultBranch[0]).toMatchObject({
      redNow: true,
      redSeconds: 4 * 3600,
    });
    expect(clocked.closedRedSeconds).toEqual([2 * 3600]);
    expect(clocked.openPullRequestsCreatedAt).toEqual([
      new Date(TAKEN.getTime() - 24 * HOUR).toISOString(),
    ]);

    const moved = figuresAt(
      metricsWindow(new Date(TAKEN.getTime() + 5 * HOUR), 7, ZONE),
      clocked,
    );
    expect(moved.ciHealth.defaultBranch[0].redSeconds).toBe(9 * 3600);
    expect(moved.pullRequestFlow.open.ages.p50Seconds).toBe(29 * 3600);
    expect({
      ...moved,
      ciHealth: clocked.figures.ciHealth,
      pullRequestFlow: clocked.figures.pullRequestFlow,
    }).toEqual(clocked.figures);
  });
});
