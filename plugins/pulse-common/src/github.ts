/**
 * When the data in a response was last brought up to date from GitHub.
 *
 * @public
 */
export interface SyncFreshness {
  /** ISO 8601 of the last completed sync of the repository, or null before the first. */
  lastSyncedAt: string | null;
}

/**
 * The review state of a pull request, as GitHub's review decision.
 *
 * @public
 */
export type ReviewDecision =
  | 'approved'
  | 'changes_requested'
  | 'review_required';

/**
 * The combined CI state of a commit: check runs and commit statuses together.
 *
 * @public
 */
export type CiState = 'success' | 'failure' | 'pending' | 'none';

/**
 * A pull request as the portal stores it.
 *
 * @public
 */
export interface PullRequest {
  number: number;
  title: string;
  author: { login: string; avatarUrl: string | null };
  draft: boolean;
  state: 'open' | 'closed' | 'merged';
  labels: string[];
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: string;
  updatedAt: string;
  firstReviewAt: string | null;
  mergedAt: string | null;
  closedAt: string | null;
  headSha: string;
  headRef: string;
  baseRef: string;
  reviewDecision: ReviewDecision | null;
  ciState: CiState;
  htmlUrl: string;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/pull-requests`
 *
 * @public
 */
export interface PullRequestPage extends SyncFreshness {
  /** The live version of this data's topic when it was read; a hint with a higher one means it changed. */
  version: number;
  items: PullRequest[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
  /** The repository's sync status, on the first page only: a card needs one request. */
  sync?: SyncStatus;
}

/**
 * A GitHub Actions run's status, as GitHub reports it.
 *
 * @public
 */
export const WORKFLOW_RUN_STATUSES = [
  'queued',
  'in_progress',
  'completed',
  'waiting',
  'requested',
  'pending',
] as const;

/**
 * How a completed GitHub Actions run ended, as GitHub reports it.
 *
 * @public
 */
export const WORKFLOW_RUN_CONCLUSIONS = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'neutral',
  'stale',
] as const;

/**
 * A workflow run's status.
 *
 * @public
 */
export type WorkflowRunStatus = (typeof WORKFLOW_RUN_STATUSES)[number];

/**
 * A completed workflow run's conclusion.
 *
 * @public
 */
export type WorkflowRunConclusion = (typeof WORKFLOW_RUN_CONCLUSIONS)[number];

/**
 * A GitHub Actions workflow run as the portal stores it.
 *
 * @public
 */
export interface WorkflowRun {
  id: number;
  workflowId: number;
  workflowName: string;
  name: string;
  branch: string;
  event: string;
  status: WorkflowRunStatus;
  conclusion: WorkflowRunConclusion | null;
  runAttempt: number;
  headSha: string;
  startedAt: string | null;
  completedAt: string | null;
  /** Seconds from start to completion; null while running. */
  durationSeconds: number | null;
  htmlUrl: string;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/workflow-runs`
 *
 * @public
 */
export interface WorkflowRunPage extends SyncFreshness {
  /** The live version of this data's topic when it was read; a hint with a higher one means it changed. */
  version: number;
  items: WorkflowRun[];
  nextCursor: string | null;
}

/**
 * One workflow's health on the default branch.
 *
 * @public
 */
export interface WorkflowSummary {
  workflowId: number;
  workflowName: string;
  /** The latest run on the default branch, if any. */
  latestRun: WorkflowRun | null;
  /** Share of the last 30 completed runs on the default branch that succeeded (0..1); null when none. */
  successRate: number | null;
  /** Median duration in seconds of those runs; null when none. */
  medianDurationSeconds: number | null;
  /** How many completed runs the two figures above are computed from (at most 30). */
  sampleSize: number;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/workflow-summary`
 *
 * @public
 */
export interface WorkflowSummaryList extends SyncFreshness {
  /** The live version of this data's topic when it was read; a hint with a higher one means it changed. */
  version: number;
  defaultBranch: string | null;
  items: WorkflowSummary[];
  /** The repository's sync status: a card needs one request for its first paint. */
  sync: SyncStatus;
  /** The first page of recent runs on any branch, unless `recentRuns=0` was asked. */
  recentRuns?: WorkflowRunPage;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/sync`
 *
 * @public
 */
export interface SyncStatus extends SyncFreshness {
  /** The live version of this data's topic when it was read; a hint with a higher one means it changed. */
  version: number;
  repository: string;
  host: string;
  /** `backfilling` during the first sync of a repository, `idle` between cycles. */
  state: 'pending' | 'backfilling' | 'syncing' | 'idle' | 'paused' | 'error';
  /** Progress of the first backfill, 0..100; 100 once complete. */
  progressPercent: number;
  itemsSynced: number;
  lastError: { message: string; at: string } | null;
  /** When the host's rate limit pause ends, if it is paused. */
  pausedUntil: string | null;
  /** When a requested sync was queued and not yet run. */
  requestedAt: string | null;
}
