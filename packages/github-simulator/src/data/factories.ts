import { entityId } from './ids';
import { Random } from './random';
import { RepositoryState } from './RepositoryState';
import {
  AuthorAssociation,
  CommitStatusState,
  DeploymentState,
  ReviewState,
  RunConclusion,
  RunEvent,
  RunStatus,
  SimCommitInfo,
  SimCommitStatus,
  SimDeployment,
  SimDeploymentStatus,
  SimReview,
  SimRunAttempt,
  SimUser,
  SimWorkflow,
  SimWorkflowRun,
} from './types';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const RUN_CONCLUSION_WEIGHTS: Array<[RunConclusion, number]> = [
  ['success', 85],
  ['failure', 10],
  ['cancelled', 5],
];

const REVIEW_STATE_WEIGHTS: Array<[ReviewState, number]> = [
  ['APPROVED', 50],
  ['COMMENTED', 30],
  ['CHANGES_REQUESTED', 20],
];

const STATUS_OUTCOME_WEIGHTS: Array<[CommitStatusState, number]> = [
  ['success', 88],
  ['failure', 9],
  ['error', 3],
];

const MEDIAN_RUN_MINUTES: Record<string, number> = {
  CI: 6,
  Deploy: 9,
  Nightly: 25,
};

const DEPLOYMENT_OUTCOMES: Record<RunConclusion, DeploymentState> = {
  success: 'success',
  failure: 'failure',
  cancelled: 'error',
};

/** The deployment status a deploy run's conclusion leads to. */
export function deploymentOutcome(conclusion: RunConclusion | null) {
  return DEPLOYMENT_OUTCOMES[conclusion ?? 'cancelled'];
}

/** Distributions shared by the initial data and activity mode. */
export const distributions = {
  pullSize(rng: Random) {
    const additions = Math.min(20_000, Math.round(rng.logNormal(3.6, 1.5)));
    const deletions = Math.min(
      20_000,
      Math.round(additions * rng.next() * 0.7 + rng.logNormal(1.5, 1.2)),
    );
    const changedFiles = Math.max(
      1,
      Math.round(((additions + deletions) / 60) * (0.5 + rng.next())),
    );
    const commits = 1 + Math.floor(rng.logNormal(0.6, 0.8));
    return { additions, deletions, changedFiles, commits };
  },

  runConclusion(rng: Random): RunConclusion {
    return rng.weighted(RUN_CONCLUSION_WEIGHTS);
  },

  runDurationSeconds(workflowName: string, rng: Random): number {
    const medianMinutes = MEDIAN_RUN_MINUTES[workflowName] ?? 6;
    return Math.max(
      30,
      Math.round(rng.logNormal(Math.log(medianMinutes * 60), 0.45)),
    );
  },

  reviewState(rng: Random): ReviewState {
    return rng.weighted(REVIEW_STATE_WEIGHTS);
  },

  statusOutcome(rng: Random): CommitStatusState {
    return rng.weighted(STATUS_OUTCOME_WEIGHTS);
  },
};

export function commitAuthorOf(user: SimUser): { name: string; email: string } {
  return {
    name: user.name ?? user.login,
    email: user.email ?? `${user.id}+${user.login}@users.noreply.github.com`,
  };
}

export function commitInfo(
  message: string,
  author: SimUser,
  at: number,
): SimCommitInfo {
  const { name, email } = commitAuthorOf(author);
  return { message, authorName: name, authorEmail: email, timestamp: at };
}

export interface RunInput {
  workflow: SimWorkflow;
  event: RunEvent;
  headBranch: string;
  headSha: string;
  headCommit: SimCommitInfo;
  actor: SimUser;
  displayTitle: string;
  pullNumbers: number[];
  createdAt: number;
  status: RunStatus;
  conclusion: RunConclusion | null;
  runStartedAt: number;
  completedAt: number | null;
  plannedDurationSeconds: number;
  plannedConclusion: RunConclusion;
}

export function createWorkflowRun(
  state: RepositoryState,
  input: RunInput,
): SimWorkflowRun {
  const index = state.repository.index;
  const sequence = state.nextSequence('run');
  const id = entityId('run', index, sequence);
  const checkSuiteId = entityId('checkSuite', index, sequence);
  const run: SimWorkflowRun = {
    ...input,
    id,
    sequence,
    runNumber: state.nextRunNumber(input.workflow.id),
    runAttempt: 1,
    previousAttempts: [],
    checkSuiteId,
    updatedAt: input.completedAt ?? input.runStartedAt,
  };
  state.addRun(run);
  return run;
}

/** The run as it stands, as one attempt: what a re-run keeps of it, and what `attempts/{n}` serves. */
export function currentAttempt(run: SimWorkflowRun): SimRunAttempt {
  return {
    runAttempt: run.runAttempt,
    status: run.status,
    conclusion: run.conclusion,
    createdAt: run.createdAt,
    runStartedAt: run.runStartedAt,
    updatedAt: run.updatedAt,
  };
}

export function createReview(
  state: RepositoryState,
  input: {
    pullNumber: number;
    user: SimUser;
    authorAssociation: AuthorAssociation;
    state: ReviewState;
    body: string;
    submittedAt: number;
    commitId: string;
  },
): SimReview {
  const id = state.allocateId('review');
  const review: SimReview = {
    ...input,
    id,
  };
  state.reviewsFor(input.pullNumber).push(review);
  return review;
}

export function createCommitStatus(
  state: RepositoryState,
  input: {
    sha: string;
    state: CommitStatusState;
    context: string;
    creator: SimUser;
    at: number;
    buildNumber: number;
  },
): SimCommitStatus {
  const id = state.allocateId('status');
  const status: SimCommitStatus = {
    id,
    sha: input.sha,
    state: input.state,
    context: input.context,
    buildNumber: input.buildNumber,
    creator: input.creator,
    createdAt: input.at,
    updatedAt: input.at,
  };
  state.addStatus(status);
  return status;
}

export function createDeployment(
  state: RepositoryState,
  input: {
    sha: string;
    ref: string;
    environment: string;
    creator: SimUser;
    createdAt: number;
    runId: number | null;
  },
): SimDeployment {
  const id = state.allocateId('deployment');
  const deployment: SimDeployment = {
    id,
    sha: input.sha,
    ref: input.ref,
    task: 'deploy',
    environment: input.environment,
    creator: input.creator,
    productionEnvironment: input.environment === 'production',
    createdAt: input.createdAt,
    updatedAt: input.createdAt,
    runId: input.runId,
    statuses: [],
  };
  state.addDeployment(deployment);
  return deployment;
}

function latestDeploymentState(
  deployment: SimDeployment,
): DeploymentState | undefined {
  return deployment.statuses[deployment.statuses.length - 1]?.state;
}

/**
 * Adds a status to a deployment. Like GitHub, a `success` marks the
 * deployment that was live in that environment `inactive`; all statuses
 * created are returned, the requested one first. Statuses must be added in
 * time order.
 */
export function addDeploymentStatus(
  state: RepositoryState,
  deployment: SimDeployment,
  input: { state: DeploymentState; creator: SimUser; at: number },
): SimDeploymentStatus[] {
  const created: SimDeploymentStatus[] = [];
  const append = (target: SimDeployment, deploymentState: DeploymentState) => {
    const id = state.allocateId('deploymentStatus');
    const status: SimDeploymentStatus = {
      id,
      state: deploymentState,
      environment: target.environment,
      creator: input.creator,
      createdAt: input.at,
      updatedAt: input.at,
    };
    target.statuses.push(status);
    target.updatedAt = input.at;
    created.push(status);
  };
  append(deployment, input.state);
  if (input.state === 'success') {
    const previous = state.latestSuccessfulDeployment.get(
      deployment.environment,
    );
    if (
      previous &&
      previous !== deployment &&
      latestDeploymentState(previous) === 'success'
    ) {
      append(previous, 'inactive');
    }
    state.latestSuccessfulDeployment.set(deployment.environment, deployment);
  }
  return created;
}
