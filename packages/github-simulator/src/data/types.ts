/**
 * Internal entity records. Timestamps are epoch milliseconds; the REST and
 * webhook representations are produced from these records on demand.
 */

export type UserType = 'User' | 'Organization' | 'Bot';

export interface SimUser {
  login: string;
  id: number;
  nodeId: string;
  type: UserType;
  name: string | null;
  email: string | null;
}

export interface SimLicense {
  key: string;
  name: string;
  spdxId: string;
  nodeId: string;
}

export interface SimLabel {
  id: number;
  nodeId: string;
  name: string;
  description: string | null;
  color: string;
  isDefault: boolean;
}

export interface SimRepository {
  index: number;
  id: number;
  nodeId: string;
  owner: SimUser;
  name: string;
  fullName: string;
  description: string | null;
  homepage: string | null;
  language: string | null;
  topics: string[];
  defaultBranch: string;
  license: SimLicense | null;
  isPrivate: boolean;
  stargazersCount: number;
  forksCount: number;
  subscribersCount: number;
  size: number;
  createdAt: number;
  updatedAt: number;
  pushedAt: number;
}

export type AuthorAssociation =
  | 'OWNER'
  | 'MEMBER'
  | 'COLLABORATOR'
  | 'CONTRIBUTOR'
  | 'FIRST_TIME_CONTRIBUTOR'
  | 'NONE';

export interface SimPullRequest {
  id: number;
  number: number;
  title: string;
  body: string | null;
  author: SimUser;
  authorAssociation: AuthorAssociation;
  state: 'open' | 'closed';
  draft: boolean;
  locked: boolean;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  mergedAt: number | null;
  mergedBy: SimUser | null;
  mergeCommitSha: string | null;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  additions: number;
  deletions: number;
  changedFiles: number;
  commits: number;
  comments: number;
  reviewComments: number;
  labels: SimLabel[];
  requestedReviewers: SimUser[];
  assignees: SimUser[];
  /** How the pull request was merged onto the default branch. */
  mergeMethod: MergeMethod | null;
  /** Draft transitions in time order (the issue timeline's `convert_to_draft` and `ready_for_review`). */
  draftEvents: SimDraftEvent[];
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface SimDraftEvent {
  event: 'convert_to_draft' | 'ready_for_review';
  actor: SimUser;
  at: number;
}

/** A git commit; `committedAt` is the committer date, which `since` filters on. */
export interface SimCommit {
  sha: string;
  parents: string[];
  message: string;
  author: SimUser;
  committer: SimUser;
  authoredAt: number;
  committedAt: number;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';

export interface SimReview {
  id: number;
  pullNumber: number;
  user: SimUser;
  authorAssociation: AuthorAssociation;
  state: ReviewState;
  body: string;
  submittedAt: number;
  commitId: string;
}

export type CommitStatusState = 'pending' | 'success' | 'failure' | 'error';

export interface SimCommitStatus {
  id: number;
  sha: string;
  state: CommitStatusState;
  context: string;
  /** Build number at the external CI system the status links to. */
  buildNumber: number;
  creator: SimUser;
  createdAt: number;
  updatedAt: number;
}

export interface SimWorkflow {
  id: number;
  nodeId: string;
  name: string;
  path: string;
  jobs: string[];
  createdAt: number;
  updatedAt: number;
}

export type RunEvent =
  | 'push'
  | 'pull_request'
  | 'schedule'
  | 'workflow_dispatch';
export type RunStatus = 'queued' | 'in_progress' | 'completed';
export type RunConclusion = 'success' | 'failure' | 'cancelled';

export interface SimCommitInfo {
  message: string;
  authorName: string;
  authorEmail: string;
  timestamp: number;
}

export interface SimWorkflowRun {
  id: number;
  /** Per-repository sequence number, used to derive check run and suite ids. */
  sequence: number;
  workflow: SimWorkflow;
  runNumber: number;
  runAttempt: number;
  event: RunEvent;
  status: RunStatus;
  conclusion: RunConclusion | null;
  headBranch: string;
  headSha: string;
  headCommit: SimCommitInfo;
  actor: SimUser;
  displayTitle: string;
  pullNumbers: number[];
  checkSuiteId: number;
  createdAt: number;
  updatedAt: number;
  runStartedAt: number;
  completedAt: number | null;
  /** How long the run takes once started; used by activity mode. */
  plannedDurationSeconds: number;
  /** The conclusion the run will reach when activity mode completes it. */
  plannedConclusion: RunConclusion;
  /** Earlier attempts of a re-run, oldest first; the run itself is attempt `runAttempt`. */
  previousAttempts: SimRunAttempt[];
}

/** What a workflow run looked like at the end of one of its attempts. */
export interface SimRunAttempt {
  runAttempt: number;
  status: RunStatus;
  conclusion: RunConclusion | null;
  createdAt: number;
  runStartedAt: number;
  updatedAt: number;
}

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type CheckRunConclusion = RunConclusion | 'skipped';

export interface SimCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  startedAt: number;
  completedAt: number | null;
  run: SimWorkflowRun;
  jobIndex: number;
}

export type DeploymentState =
  | 'error'
  | 'failure'
  | 'inactive'
  | 'pending'
  | 'success'
  | 'queued'
  | 'in_progress';

export interface SimDeploymentStatus {
  id: number;
  state: DeploymentState;
  environment: string;
  creator: SimUser;
  createdAt: number;
  updatedAt: number;
}

export interface SimDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  creator: SimUser;
  productionEnvironment: boolean;
  createdAt: number;
  updatedAt: number;
  runId: number | null;
  /** Chronological. */
  statuses: SimDeploymentStatus[];
}
