export { GithubStore } from './GithubStore';
export { BranchCommitStore } from './BranchCommitStore';
export { DeploymentStore } from './DeploymentStore';
export type { StoredDeployment } from './DeploymentStore';
export { PullRequestStore } from './PullRequestStore';
export type {
  PullDerived,
  PullRequestStateFilter,
  StoredPullHeader,
  StoredPullRequest,
} from './PullRequestStore';
export { RepositoryStore } from './RepositoryStore';
export type {
  HostRateState,
  RepositoryPatch,
  RepositorySyncState,
  StoredEtag,
  SyncedRepository,
} from './RepositoryStore';
export { attemptOfRun, WorkflowRunStore } from './WorkflowRunStore';
export type {
  WorkflowRunAttemptRecord,
  WorkflowRunFilter,
} from './WorkflowRunStore';
export type { KeysetPage, KeysetPosition } from './rows';
