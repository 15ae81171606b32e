import { CiState, ReviewDecision } from '@pulse-oss/plugin-pulse-common';

/** A pull request review as far as the review decision is concerned. */
export interface ReviewFacts {
  id: number;
  reviewerLogin: string;
  /** GitHub's review state in any case: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING. */
  state: string;
  submittedAt: Date | null;
}

function byTimeThenId(a: ReviewFacts, b: ReviewFacts): number {
  const at = a.submittedAt?.getTime() ?? 0;
  const bt = b.submittedAt?.getTime() ?? 0;
  return at === bt ? a.id - b.id : at - bt;
}

/**
 * GitHub's review decision, derived from the reviews: each reviewer's latest approving,
 * change-requesting or dismissed review counts; comments leave a reviewer's standing unchanged.
 * Any outstanding request for changes wins over approvals.
 */
export function deriveReviewDecision(
  reviews: ReviewFacts[],
  authorLogin: string,
): ReviewDecision {
  const standing = new Map<string, string>();
  for (const review of [...reviews].sort(byTimeThenId)) {
    const state = review.state.toUpperCase();
    if (review.reviewerLogin === authorLogin) {
      continue;
    }
    if (
      state === 'APPROVED' ||
      state === 'CHANGES_REQUESTED' ||
      state === 'DISMISSED'
    ) {
      standing.set(review.reviewerLogin, state);
    }
  }
  const states = [...standing.values()];
  if (states.includes('CHANGES_REQUESTED')) {
    return 'changes_requested';
  }
  if (states.includes('APPROVED')) {
    return 'approved';
  }
  return 'review_required';
}

/** When someone other than the author first submitted a review; null if nobody has. */
export function deriveFirstReviewAt(
  reviews: ReviewFacts[],
  authorLogin: string,
): Date | null {
  let first: Date | null = null;
  for (const review of reviews) {
    if (
      review.reviewerLogin === authorLogin ||
      review.state.toUpperCase() === 'PENDING' ||
      !review.submittedAt
    ) {
      continue;
    }
    if (!first || review.submittedAt < first) {
      first = review.submittedAt;
    }
  }
  return first;
}

/** One check run, check suite or commit status reduced to what the CI state needs. */
export interface CheckFacts {
  state: Exclude<CiState, 'none'>;
  /** 0 queued, 1 in progress, 2 completed. */
  rank: number;
}

const FAILING_CONCLUSIONS = new Set([
  'failure',
  'timed_out',
  'cancelled',
  'action_required',
  'startup_failure',
  'stale',
]);

/** A check run or check suite (`status`, `conclusion`) as CI facts. */
export function checkRunFacts(
  status: string | null,
  conclusion: string | null,
): CheckFacts {
  if (status !== 'completed') {
    return { state: 'pending', rank: status === 'in_progress' ? 1 : 0 };
  }
  if (conclusion && FAILING_CONCLUSIONS.has(conclusion)) {
    return { state: 'failure', rank: 2 };
  }
  return { state: 'success', rank: 2 };
}

/** A commit status (`pending`, `success`, `failure`, `error`) as CI facts. */
export function commitStatusFacts(state: string): CheckFacts {
  switch (state) {
    case 'success':
      return { state: 'success', rank: 2 };
    case 'failure':
    case 'error':
      return { state: 'failure', rank: 2 };
    default:
      return { state: 'pending', rank: 1 };
  }
}

/** The combined state of a commit: failure beats pending beats success; nothing reported is `none`. */
export function combineCiStates(states: Array<CheckFacts['state']>): CiState {
  if (states.length === 0) {
    return 'none';
  }
  if (states.includes('failure')) {
    return 'failure';
  }
  if (states.includes('pending')) {
    return 'pending';
  }
  return 'success';
}

/** What decides whether one observation of a workflow run is newer than another. */
export interface RunVersion {
  runAttempt: number;
  updatedAt: Date;
  status: string;
}

function runStatusRank(status: string): number {
  switch (status) {
    case 'completed':
      return 3;
    case 'in_progress':
      return 2;
    case 'queued':
    case 'waiting':
    case 'pending':
    case 'requested':
      return 1;
    default:
      return 0;
  }
}

/**
 * Whether `incoming` may replace `stored`: a later attempt always wins, an earlier one never;
 * within one attempt the later `updated_at` wins, and at the same instant the further status.
 */
export function isRunUpdate(stored: RunVersion, incoming: RunVersion): boolean {
  if (incoming.runAttempt !== stored.runAttempt) {
    return incoming.runAttempt > stored.runAttempt;
  }
  const delta = incoming.updatedAt.getTime() - stored.updatedAt.getTime();
  if (delta !== 0) {
    return delta > 0;
  }
  return runStatusRank(incoming.status) > runStatusRank(stored.status);
}

/** Deployment states after which a deployment's state no longer changes by itself. */
export function isFinalDeploymentState(state: string | null): boolean {
  return (
    state === 'success' ||
    state === 'failure' ||
    state === 'error' ||
    state === 'inactive'
  );
}

/** A timeline event that moved a pull request into or out of draft. */
export interface DraftEvent {
  event: 'ready_for_review' | 'convert_to_draft';
  at: Date;
}

/**
 * When a pull request first became ready for review: the first draft event tells how it was
 * opened. A first `ready_for_review` means it was opened as a draft and became ready then; a
 * first `convert_to_draft`, or none at all on a pull request that is not a draft, means it was
 * ready when it was opened. A draft with no such event has not been ready yet (null).
 */
export function deriveReadyForReviewAt(
  createdAt: Date,
  draftNow: boolean,
  events: DraftEvent[],
): Date | null {
  const first = [...events].sort((a, b) => a.at.getTime() - b.at.getTime())[0];
  if (!first) {
    return draftNow ? null : createdAt;
  }
  return first.event === 'ready_for_review' ? first.at : createdAt;
}
