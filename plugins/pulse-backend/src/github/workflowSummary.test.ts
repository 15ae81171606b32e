import { WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import {
  median,
  runDurationSeconds,
  successRate,
  summarizeWorkflow,
} from './workflowSummary';

let nextId = 1;
function run(
  conclusion: WorkflowRun['conclusion'],
  durationSeconds: number | null,
  status: WorkflowRun['status'] = 'completed',
): WorkflowRun {
  return {
    id: nextId++,
    workflowId: 10,
    workflowName: 'CI',
    name: 'CI',
    branch: 'main',
    event: 'push',
    status,
    conclusion: status === 'completed' ? conclusion : null,
    runAttempt: 1,
    headSha: 'abc1234',
    startedAt: '2026-01-01T10:00:00.000Z',
    completedAt: status === 'completed' ? '2026-01-01T10:05:00.000Z' : null,
    durationSeconds: status === 'completed' ? durationSeconds : null,
    htmlUrl: 'https://github.com/acme/web/actions/runs/1',
  };
}

describe('median', () => {
  it('handles none, odd and even counts, unsorted input', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('successRate', () => {
  it('is the share of successes among completed runs', () => {
    expect(successRate([])).toBeNull();
    expect(
      successRate([
        run('success', 1),
        run('failure', 1),
        run('cancelled', 1),
        run('success', 1),
      ]),
    ).toBe(0.5);
  });
});

describe('summarizeWorkflow', () => {
  it('takes the latest run and the newest 30 completed runs', () => {
    const inProgress = run(null, null, 'in_progress');
    const completed = [
      ...Array.from({ length: 10 }, () => run('failure', 100)),
      ...Array.from({ length: 20 }, () => run('success', 300)),
      ...Array.from({ length: 15 }, () => run('failure', 999)),
    ];
    const summary = summarizeWorkflow({ id: 10, name: 'CI' }, [
      inProgress,
      ...completed,
    ]);
    expect(summary).toEqual({
      workflowId: 10,
      workflowName: 'CI',
      latestRun: inProgress,
      successRate: 20 / 30,
      medianDurationSeconds: 300,
      sampleSize: 30,
    });
  });

  it('has empty figures for a workflow without default-branch runs', () => {
    expect(summarizeWorkflow({ id: 3, name: 'Nightly' }, [])).toEqual({
      workflowId: 3,
      workflowName: 'Nightly',
      latestRun: null,
      successRate: null,
      medianDurationSeconds: null,
      sampleSize: 0,
    });
  });

  it('leaves runs without a duration out of the median', () => {
    const summary = summarizeWorkflow({ id: 1, name: 'CI' }, [
      run('success', null),
      run('success', 60),
      run('failure', 120),
    ]);
    expect(summary.medianDurationSeconds).toBe(90);
    expect(summary.sampleSize).toBe(3);
  });
});

describe('runDurationSeconds', () => {
  it('is whole seconds between start and completion, null while running', () => {
    expect(
      runDurationSeconds(
        new Date('2026-01-01T10:00:00Z'),
        new Date('2026-01-01T10:01:30.400Z'),
      ),
    ).toBe(90);
    expect(runDurationSeconds(new Date(), null)).toBeNull();
    expect(runDurationSeconds(null, new Date())).toBeNull();
  });
});
