import { ciHealth, runOutcome, WorkflowRunFact } from './ciHealth';
import { metricsWindow } from './days';

const base = Date.UTC(2026, 11, 1);
const at = (hour: number) => new Date(base + hour * 3_600_000);
const window = metricsWindow(at(24 * 6 + 12), 7, 'UTC');
let nextId = 1;

const run = (
  overrides: Partial<WorkflowRunFact> & { createdHour: number },
): WorkflowRunFact => {
  const { createdHour, ...rest } = overrides;
  return {
    id: nextId++,
    workflowId: 1,
    workflowName: 'CI',
    branch: 'main',
    headSha: `sha${createdHour}`,
    status: 'completed',
    conclusion: 'success',
    runAttempt: 1,
    createdAt: at(createdHour),
    startedAt: new Date(at(createdHour).getTime() + 60_000),
    completedAt: new Date(at(createdHour).getTime() + 11 * 60_000),
    earlierConclusions: [],
    ...rest,
  };
};

describe('ciHealth', () => {
  it('rates success by the latest attempt, leaving cancelled runs out', () => {
    const result = ciHealth(
      window,
      [
        run({ createdHour: 1 }),
        run({ createdHour: 2, conclusion: 'failure' }),
        run({ createdHour: 3, conclusion: 'timed_out' }),
        run({ createdHour: 4, conclusion: 'cancelled' }),
        run({
          createdHour: 5,
          status: 'in_progress',
          conclusion: null,
          completedAt: null,
        }),
        run({ createdHour: 6, branch: 'feature' }),
      ],
      'main',
    );
    expect(
      result.workflows.map(w => [w.branch, w.runs, w.succeeded, w.failed]),
    ).toEqual([
      ['feature', 1, 1, 0],
      ['main', 5, 1, 2],
    ]);
    const main = result.workflows[1];
    expect(main.successRate).toBeCloseTo(1 / 3);
    expect(main.duration).toEqual({
      sample: 4,
      p50Seconds: 600,
      p95Seconds: 600,
    });
    expect(main.queue).toEqual({ sample: 5, p50Seconds: 60, p95Seconds: 60 });
  });

  it('finds flaky workflows, a re-run that flipped a conclusion included', () => {
    const result = ciHealth(
      window,
      [
        // A re-run: attempt 1 failed, attempt 2 succeeded, on one run.
        run({
          createdHour: 1,
          headSha: 'aaa',
          runAttempt: 2,
          earlierConclusions: ['failure'],
        }),
        // Two runs of the same SHA with different conclusions.
        run({ createdHour: 2, headSha: 'bbb', conclusion: 'failure' }),
        run({ createdHour: 3, headSha: 'bbb' }),
        // A cancelled attempt is not a flip.
        run({
          createdHour: 4,
          headSha: 'ccc',
          runAttempt: 2,
          earlierConclusions: ['cancelled'],
        }),
        run({
          createdHour: 5,
          headSha: 'ddd',
          workflowId: 2,
          workflowName: 'Lint',
        }),
      ],
      'main',
    );
    expect(result.flaky).toEqual([
      { workflowId: 1, workflowName: 'CI', shas: ['aaa', 'bbb'] },
    ]);
    // Re-runs keep the run's creation time: their queue time would count the first attempt.
    const ci = result.workflows.find(w => w.workflowName === 'CI')!;
    expect(ci.queue.sample).toBe(2);
  });

  it('measures default-branch red time and says whether it is red now', () => {
    const result = ciHealth(
      window,
      [
        run({ createdHour: 10 }),
        run({ createdHour: 12, conclusion: 'failure' }),
        run({ createdHour: 13, conclusion: 'failure' }),
        run({ createdHour: 15 }),
        run({ createdHour: 150, conclusion: 'failure' }),
        run({ createdHour: 20, branch: 'feature', conclusion: 'failure' }),
      ],
      'main',
    );
    expect(result.defaultBranch).toEqual([
      {
        workflowId: 1,
        workflowName: 'CI',
        // 12 → 15, and 150 → the window's end (hour 156).
        redSeconds: 3 * 3600 + 6 * 3600,
        redNow: true,
        redSince: at(150),
        closedRedSeconds: 3 * 3600,
      },
    ]);
  });

  it('knows a branch red since before the window, counting only the window part', () => {
    const narrow = metricsWindow(at(24 * 6 + 12), 1, 'UTC');
    const result = ciHealth(
      narrow,
      [run({ createdHour: 24 * 2, conclusion: 'failure' })],
      'main',
    );
    expect(result.workflows).toEqual([]);
    expect(result.defaultBranch[0]).toMatchObject({
      redNow: true,
      redSeconds: 12 * 3600,
    });
  });

  it('classifies conclusions', () => {
    expect(
      [
        'success',
        'failure',
        'timed_out',
        'startup_failure',
        'cancelled',
        'skipped',
        null,
      ].map(runOutcome),
    ).toEqual([
      'success',
      'failure',
      'failure',
      'failure',
      'other',
      'other',
      'other',
    ]);
  });
});
