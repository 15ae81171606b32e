import { WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import type { StatusKind } from '../StatusLabel';

/** How a run's state is drawn: which status icon, and the words beside it. */
export interface RunStatusDescription {
  kind: StatusKind;
  label: string;
}

/** The status icon and label of a workflow run, from its status and conclusion. */
export function describeRun(
  run: Pick<WorkflowRun, 'status' | 'conclusion'>,
): RunStatusDescription {
  switch (run.status) {
    case 'in_progress':
      return { kind: 'running', label: 'In progress' };
    case 'waiting':
      return { kind: 'pending', label: 'Waiting' };
    case 'queued':
    case 'requested':
    case 'pending':
      return { kind: 'pending', label: 'Queued' };
    default:
      break;
  }
  switch (run.conclusion) {
    case 'success':
      return { kind: 'ok', label: 'Succeeded' };
    case 'failure':
      return { kind: 'error', label: 'Failed' };
    case 'timed_out':
      return { kind: 'error', label: 'Timed out' };
    case 'action_required':
      return { kind: 'warning', label: 'Action required' };
    case 'cancelled':
      return { kind: 'aborted', label: 'Cancelled' };
    case 'skipped':
      return { kind: 'aborted', label: 'Skipped' };
    case 'stale':
      return { kind: 'aborted', label: 'Stale' };
    case 'neutral':
      return { kind: 'aborted', label: 'Neutral' };
    default:
      return { kind: 'aborted', label: 'Completed' };
  }
}

/** A success rate (0..1) as a whole percentage, e.g. "93%". */
export function formatSuccessRate(rate: number): string {
  return `${Math.round(Math.max(0, Math.min(1, rate)) * 100)}%`;
}

/**
 * Branches to offer in the branch filter: the default branch first, then the others
 * alphabetically, without duplicates.
 */
export function branchOptions(
  defaultBranch: string | null | undefined,
  branches: Iterable<string>,
): string[] {
  const others = new Set(branches);
  if (defaultBranch) {
    others.delete(defaultBranch);
  }
  const sorted = [...others].filter(Boolean).sort((a, b) => a.localeCompare(b));
  return defaultBranch ? [defaultBranch, ...sorted] : sorted;
}
