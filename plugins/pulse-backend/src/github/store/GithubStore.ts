import { Knex } from 'knex';
import { BranchCommitStore } from './BranchCommitStore';
import { DeploymentStore } from './DeploymentStore';
import { PullRequestStore } from './PullRequestStore';
import { RepositoryStore } from './RepositoryStore';
import { WorkflowRunStore } from './WorkflowRunStore';

/**
 * The GitHub domain's stores over one connection or transaction, passed around as one object so
 * that a sync step or webhook writes through any of them in the same transaction.
 */
export class GithubStore {
  readonly repositories: RepositoryStore;
  readonly pullRequests: PullRequestStore;
  readonly workflowRuns: WorkflowRunStore;
  readonly deployments: DeploymentStore;
  readonly branchCommits: BranchCommitStore;

  constructor(private readonly db: Knex) {
    this.repositories = new RepositoryStore(db);
    this.pullRequests = new PullRequestStore(db);
    this.workflowRuns = new WorkflowRunStore(db);
    this.deployments = new DeploymentStore(db);
    this.branchCommits = new BranchCommitStore(db);
  }

  /** Runs `fn` in one transaction with stores bound to it. */
  async transaction<R>(
    fn: (store: GithubStore, tx: Knex.Transaction) => Promise<R>,
  ): Promise<R> {
    return this.db.transaction(tx => fn(new GithubStore(tx), tx));
  }
}
