import { EntityKind, entityId } from './ids';
import {
  SimCommit,
  SimCommitStatus,
  SimDeployment,
  SimPullRequest,
  SimRepository,
  SimReview,
  SimWorkflow,
  SimWorkflowRun,
} from './types';

/**
 * Everything the simulator knows about one repository. Collections are kept
 * in creation order; every mutation goes through `touch()` so that the
 * version (which drives ETags) and `updated_at` move together.
 */
export class RepositoryState {
  readonly repository: SimRepository;
  /** Index `n - 1` holds pull request number `n`. */
  readonly pulls: SimPullRequest[] = [];
  readonly reviews = new Map<number, SimReview[]>();
  readonly statusesBySha = new Map<string, SimCommitStatus[]>();
  readonly statusContexts: string[];
  readonly workflows: SimWorkflow[] = [];
  readonly runs: SimWorkflowRun[] = [];
  readonly runsById = new Map<number, SimWorkflowRun>();
  readonly runsByHeadSha = new Map<string, SimWorkflowRun[]>();
  readonly deployments: SimDeployment[] = [];
  readonly deploymentsById = new Map<number, SimDeployment>();
  /** Per environment, the newest deployment whose latest status is `success`. */
  readonly latestSuccessfulDeployment = new Map<string, SimDeployment>();
  readonly branches = new Map<string, string>();
  /** Every commit reachable from the default branch, in the order they were added. */
  readonly defaultBranchCommits: SimCommit[] = [];
  readonly commitsBySha = new Map<string, SimCommit>();
  /** The default branch's successive tips (its first-parent chain), oldest first. */
  private readonly tips: SimCommit[] = [];
  /** Commits of merged pull requests, as they were when merged. */
  readonly frozenPullCommits = new Map<number, SimCommit[]>();
  readonly knownShas = new Set<string>();
  /** Open issues that are not pull requests (counted in `open_issues_count`). */
  openIssuesWithoutPulls: number;
  private version = 0;
  private readonly sequences = new Map<EntityKind, number>();
  private readonly runNumbers = new Map<number, number>();

  constructor(
    repository: SimRepository,
    statusContexts: string[],
    openIssuesWithoutPulls: number,
  ) {
    this.repository = repository;
    this.statusContexts = statusContexts;
    this.openIssuesWithoutPulls = openIssuesWithoutPulls;
  }

  get fullName(): string {
    return this.repository.fullName;
  }

  get currentVersion(): number {
    return this.version;
  }

  /** Records a change made at `at` (epoch ms). */
  touch(at: number, options: { pushed?: boolean } = {}): void {
    this.version++;
    this.repository.updatedAt = Math.max(this.repository.updatedAt, at);
    if (options.pushed) {
      this.repository.pushedAt = Math.max(this.repository.pushedAt, at);
    }
  }

  nextSequence(kind: EntityKind): number {
    const next = (this.sequences.get(kind) ?? 0) + 1;
    this.sequences.set(kind, next);
    return next;
  }

  nextRunNumber(workflowId: number): number {
    const next = (this.runNumbers.get(workflowId) ?? 0) + 1;
    this.runNumbers.set(workflowId, next);
    return next;
  }

  allocateId(kind: EntityKind): number {
    return entityId(kind, this.repository.index, this.nextSequence(kind));
  }

  pull(number: number): SimPullRequest | undefined {
    return this.pulls[number - 1];
  }

  openPullCount(): number {
    let count = 0;
    for (const pull of this.pulls) {
      if (pull.state === 'open') {
        count++;
      }
    }
    return count;
  }

  reviewsFor(number: number): SimReview[] {
    let list = this.reviews.get(number);
    if (!list) {
      list = [];
      this.reviews.set(number, list);
    }
    return list;
  }

  addStatus(status: SimCommitStatus): void {
    let list = this.statusesBySha.get(status.sha);
    if (!list) {
      list = [];
      this.statusesBySha.set(status.sha, list);
    }
    list.push(status);
    this.knownShas.add(status.sha);
  }

  /** Adds a commit reachable from the default branch without moving the branch. */
  addCommit(commit: SimCommit): void {
    if (this.commitsBySha.has(commit.sha)) {
      return;
    }
    this.defaultBranchCommits.push(commit);
    this.commitsBySha.set(commit.sha, commit);
    this.knownShas.add(commit.sha);
  }

  /** Adds a commit and makes it the default branch's tip. */
  appendDefaultBranchCommit(commit: SimCommit): void {
    this.addCommit(commit);
    this.tips.push(commit);
    this.branches.set(this.repository.defaultBranch, commit.sha);
  }

  defaultBranchTip(): string {
    return this.tips[this.tips.length - 1].sha;
  }

  /** The default branch's tip at `at` (its first commit when `at` is older). */
  defaultBranchTipAt(at: number): string {
    let low = 0;
    let high = this.tips.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.tips[middle].committedAt <= at) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return this.tips[Math.max(0, low - 1)].sha;
  }

  addRun(run: SimWorkflowRun): void {
    this.runs.push(run);
    this.runsById.set(run.id, run);
    let list = this.runsByHeadSha.get(run.headSha);
    if (!list) {
      list = [];
      this.runsByHeadSha.set(run.headSha, list);
    }
    list.push(run);
    this.knownShas.add(run.headSha);
  }

  addDeployment(deployment: SimDeployment): void {
    this.deployments.push(deployment);
    this.deploymentsById.set(deployment.id, deployment);
    this.knownShas.add(deployment.sha);
  }

  workflowByIdOrFile(idOrFile: string): SimWorkflow | undefined {
    return this.workflows.find(
      workflow =>
        String(workflow.id) === idOrFile ||
        workflow.path === idOrFile ||
        workflow.path.endsWith(`/${idOrFile}`),
    );
  }

  /** Resolves a branch name, `heads/` ref or commit SHA (7+ hex digits). */
  resolveRef(ref: string): string | undefined {
    const branch = ref.replace(/^refs\//, '').replace(/^heads\//, '');
    const branchSha = this.branches.get(branch);
    if (branchSha) {
      return branchSha;
    }
    const lower = ref.toLowerCase();
    if (!/^[0-9a-f]{7,40}$/.test(lower)) {
      return undefined;
    }
    if (this.knownShas.has(lower)) {
      return lower;
    }
    if (lower.length < 40) {
      for (const sha of this.knownShas) {
        if (sha.startsWith(lower)) {
          return sha;
        }
      }
    }
    return undefined;
  }
}
