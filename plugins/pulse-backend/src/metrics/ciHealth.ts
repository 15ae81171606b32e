/**
 * CI health, for the workflow runs created in the window, per workflow and branch:
 * - success rate: successful ÷ (successful + failed) completed runs, by the latest attempt's
 *   conclusion; `failure`, `timed_out` and `startup_failure` are failures, while `cancelled`,
 *   `skipped`, `neutral`, `stale` and `action_required` count neither way;
 * - duration (started → completed, latest attempt) and queue time (created → started, first
 *   attempts only: a re-run keeps the run's creation time) p50 and p95;
 * - flaky workflows: the same workflow and head SHA with both a successful and a failed
 *   conclusion, across runs and every attempt of each, listed with the SHAs;
 * - on the default branch, per workflow: red time (from the first failed run after a success
 *   to the next successful run, by creation time; the part inside the window) and whether it is
 *   red now, read from every run given, so that a branch red since before the window says so.
 */
import { inWindow, MetricsWindow } from './days';
import { percentile } from './percentiles';

export interface WorkflowRunFact {
  id: number;
  workflowId: number;
  workflowName: string;
  branch: string;
  headSha: string;
  status: string;
  /** The latest attempt's conclusion. */
  conclusion: string | null;
  runAttempt: number;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  htmlUrl?: string;
  /** Every earlier attempt's conclusion that the sync keeps. */
  earlierConclusions: ReadonlyArray<string | null>;
}

export type RunOutcome = 'success' | 'failure' | 'other';

export function runOutcome(conclusion: string | null): RunOutcome {
  if (conclusion === 'success') {
    return 'success';
  }
  return conclusion === 'failure' ||
    conclusion === 'timed_out' ||
    conclusion === 'startup_failure'
    ? 'failure'
    : 'other';
}

export interface Spread {
  sample: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
}

export interface WorkflowBranchHealth {
  workflowId: number;
  workflowName: string;
  branch: string;
  runs: number;
  succeeded: number;
  failed: number;
  successRate: number | null;
  duration: Spread;
  queue: Spread;
}

export interface FlakyWorkflow {
  workflowId: number;
  workflowName: string;
  shas: string[];
}

export interface DefaultBranchState {
  workflowId: number;
  workflowName: string;
  redSeconds: number;
  redNow: boolean;
  /** The failed run that turned the workflow red, when it is red now. */
  redSince: Date | null;
  /**
   * The red seconds before `redSince` (all of `redSeconds` when it is green): with it, the red
   * time at a later instant of the same window is this plus the open stretch to that instant.
   */
  closedRedSeconds: number;
}

export interface CiHealth {
  workflows: WorkflowBranchHealth[];
  flaky: FlakyWorkflow[];
  defaultBranch: DefaultBranchState[];
}

function spread(seconds: number[]): Spread {
  return {
    sample: seconds.length,
    p50Seconds: percentile(seconds, 50),
    p95Seconds: percentile(seconds, 95),
  };
}

const secondsBetween = (from: Date | null, to: Date | null) =>
  from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null;

function groupBy<T>(
  items: Iterable<T>,
  key: (item: T) => string,
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}

function workflowBranchHealth(runs: WorkflowRunFact[]): WorkflowBranchHealth {
  const outcomes = runs
    .filter(run => run.status === 'completed')
    .map(run => runOutcome(run.conclusion));
  const succeeded = outcomes.filter(outcome => outcome === 'success').length;
  const failed = outcomes.filter(outcome => outcome === 'failure').length;
  const durations = runs.flatMap(run => {
    const seconds =
      run.status === 'completed'
        ? secondsBetween(run.startedAt, run.completedAt)
        : null;
    return seconds === null ? [] : [seconds];
  });
  const queues = runs.flatMap(run => {
    const seconds =
      run.runAttempt === 1
        ? secondsBetween(run.createdAt, run.startedAt)
        : null;
    return seconds === null ? [] : [seconds];
  });
  return {
    workflowId: runs[0].workflowId,
    workflowName: runs[0].workflowName,
    branch: runs[0].branch,
    runs: runs.length,
    succeeded,
    failed,
    successRate:
      succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
    duration: spread(durations),
    queue: spread(queues),
  };
}

function flakyShas(runs: WorkflowRunFact[]): string[] {
  const shas: string[] = [];
  for (const [sha, sameSha] of groupBy(runs, run => run.headSha)) {
    const outcomes = new Set(
      sameSha.flatMap(run => [
        ...(run.status === 'completed' ? [runOutcome(run.conclusion)] : []),
        ...run.earlierConclusions.map(runOutcome),
      ]),
    );
    if (outcomes.has('success') && outcomes.has('failure')) {
      shas.push(sha);
    }
  }
  return shas.sort();
}

/** The part of a red stretch `from` → `to` inside the window, in seconds. */
function redStretchSeconds(window: MetricsWindow, from: Date, to: Date) {
  const start = Math.max(from.getTime(), window.start.getTime());
  const end = Math.min(to.getTime(), window.end.getTime());
  return Math.max(0, (end - start) / 1000);
}

/**
 * The red seconds of a default-branch state read earlier in the same window, at the window's
 * end: the same sum the state's reading makes, with the open stretch running on to the end.
 */
export function redSecondsAt(
  window: MetricsWindow,
  state: Pick<DefaultBranchState, 'redSince' | 'closedRedSeconds'>,
): number {
  return state.redSince
    ? state.closedRedSeconds +
        redStretchSeconds(window, state.redSince, window.end)
    : state.closedRedSeconds;
}

function defaultBranchState(
  window: MetricsWindow,
  runs: WorkflowRunFact[],
): DefaultBranchState {
  const decided = runs
    .filter(
      run =>
        run.status === 'completed' && runOutcome(run.conclusion) !== 'other',
    )
    .sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id,
    );
  let redSeconds = 0;
  let redSince: Date | null = null;
  const addRed = (from: Date, to: Date) => {
    redSeconds += redStretchSeconds(window, from, to);
  };
  for (const run of decided) {
    if (runOutcome(run.conclusion) === 'failure') {
      redSince ??= run.createdAt;
    } else if (redSince) {
      addRed(redSince, run.createdAt);
      redSince = null;
    }
  }
  const closedRedSeconds = redSeconds;
  if (redSince) {
    addRed(redSince, window.end);
  }
  return {
    workflowId: runs[0].workflowId,
    workflowName: runs[0].workflowName,
    redSeconds,
    redNow: redSince !== null,
    redSince,
    closedRedSeconds,
  };
}

export function ciHealth(
  window: MetricsWindow,
  allRuns: readonly WorkflowRunFact[],
  defaultBranch: string | null,
): CiHealth {
  const runs = allRuns.filter(run => inWindow(window, run.createdAt));
  const byName = (
    a: { workflowName: string; workflowId: number },
    b: typeof a,
  ) =>
    a.workflowName.localeCompare(b.workflowName) || a.workflowId - b.workflowId;
  const workflows = [
    ...groupBy(runs, run => `${run.workflowId}\u0000${run.branch}`).values(),
  ]
    .map(workflowBranchHealth)
    .sort((a, b) => byName(a, b) || a.branch.localeCompare(b.branch));
  const flaky = [...groupBy(runs, run => String(run.workflowId)).values()]
    .map(sameWorkflow => ({
      workflowId: sameWorkflow[0].workflowId,
      workflowName: sameWorkflow[0].workflowName,
      shas: flakyShas(sameWorkflow),
    }))
    .filter(workflow => workflow.shas.length > 0)
    .sort(byName);
  const onDefault = allRuns.filter(
    run => run.branch === defaultBranch && run.createdAt <= window.end,
  );
  const defaultStates = [
    ...groupBy(onDefault, run => String(run.workflowId)).values(),
  ]
    .map(sameWorkflow => defaultBranchState(window, sameWorkflow))
    .sort(byName);
  return { workflows, flaky, defaultBranch: defaultStates };
}
