import { WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import { branchOptions, describeRun, formatSuccessRate } from './runs';

describe('describeRun', () => {
  it.each<[WorkflowRun['status'], WorkflowRun['conclusion'], string, string]>([
    ['completed', 'success', 'ok', 'Succeeded'],
    ['completed', 'failure', 'error', 'Failed'],
    ['completed', 'timed_out', 'error', 'Timed out'],
    ['completed', 'action_required', 'warning', 'Action required'],
    ['completed', 'cancelled', 'aborted', 'Cancelled'],
    ['completed', 'skipped', 'aborted', 'Skipped'],
    ['completed', 'stale', 'aborted', 'Stale'],
    ['completed', 'neutral', 'aborted', 'Neutral'],
    ['completed', null, 'aborted', 'Completed'],
    ['in_progress', null, 'running', 'In progress'],
    ['queued', null, 'pending', 'Queued'],
    ['requested', null, 'pending', 'Queued'],
    ['pending', null, 'pending', 'Queued'],
    ['waiting', null, 'pending', 'Waiting'],
  ])('%s with conclusion %s is %s "%s"', (status, conclusion, kind, label) => {
    expect(describeRun({ status, conclusion })).toEqual({ kind, label });
  });

  it('trusts the status over a leftover conclusion of an earlier attempt', () => {
    expect(
      describeRun({ status: 'in_progress', conclusion: 'failure' }),
    ).toEqual({ kind: 'running', label: 'In progress' });
  });
});

describe('formatSuccessRate', () => {
  it.each([
    [0, '0%'],
    [0.934, '93%'],
    [1, '100%'],
    [1.2, '100%'],
  ])('formats %s as %s', (rate, expected) => {
    expect(formatSuccessRate(rate)).toBe(expected);
  });
});

describe('branchOptions', () => {
  it('puts the default branch first and sorts the others', () => {
    expect(
      branchOptions('main', ['feature/b', 'main', 'fix', 'feature/b']),
    ).toEqual(['main', 'feature/b', 'fix']);
  });

  it('works without a default branch', () => {
    expect(branchOptions(null, ['b', 'a', ''])).toEqual(['a', 'b']);
  });
});
