import { WorkflowRun, WorkflowSummary } from '@pulse-oss/plugin-pulse-common';

/** How many completed default-branch runs the success rate and median duration look at. */
export const SUMMARY_SAMPLE_SIZE = 30;

/** The median of `values`; null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Share of the runs that concluded `success` (0..1); null for no runs. */
export function successRate(completedRuns: WorkflowRun[]): number | null {
  if (completedRuns.length === 0) {
    return null;
  }
  const successes = completedRuns.filter(
    run => run.conclusion === 'success',
  ).length;
  return successes / completedRuns.length;
}

/**
 * One workflow's health on the default branch.
 *
 * @param runs - the workflow's runs on the default branch, newest first; only the latest and the
 *   newest {@link SUMMARY_SAMPLE_SIZE} completed ones matter.
 */
export function summarizeWorkflow(
  workflow: { id: number; name: string },
  runs: WorkflowRun[],
): WorkflowSummary {
  const completed = runs
    .filter(run => run.status === 'completed')
    .slice(0, SUMMARY_SAMPLE_SIZE);
  const durations = completed
    .map(run => run.durationSeconds)
    .filter((seconds): seconds is number => seconds !== null);
  return {
    workflowId: workflow.id,
    workflowName: workflow.name,
    latestRun: runs[0] ?? null,
    successRate: successRate(completed),
    medianDurationSeconds: median(durations),
    sampleSize: completed.length,
  };
}

/** Seconds from start to completion, or null while a run is not complete. */
export function runDurationSeconds(
  startedAt: Date | null,
  completedAt: Date | null,
): number | null {
  if (!startedAt || !completedAt) {
    return null;
  }
  return Math.max(
    0,
    Math.round((completedAt.getTime() - startedAt.getTime()) / 1000),
  );
}
