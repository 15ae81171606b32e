import { EntityKind, entityId } from './ids';
import {
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
