import { nodeId } from '../data/ids';
import { Random } from '../data/random';
import { RepositoryState } from '../data/RepositoryState';
import {
  CommitStatusState,
  DeploymentState,
  SimCheckRun,
  SimCommitStatus,
  SimDeployment,
  SimDeploymentStatus,
  SimUser,
  SimWorkflow,
  SimRunAttempt,
  SimWorkflowRun,
} from '../data/types';
import {
  Json,
  UrlContext,
  githubActionsAppJson,
  isoTime,
  isoTimeOrNull,
  repositoryApiUrl,
  repositoryHtmlUrl,
  repositoryLiteJson,
  userAvatarUrl,
  userJson,
} from './common';
import { pullRequestMinimalJson } from './pulls';

const COMMIT_STATUS_DESCRIPTIONS: Record<CommitStatusState, string> = {
  pending: 'Build in progress',
  success: 'All checks passed',
  failure: 'Some checks failed',
  error: 'The build errored',
};

const DEPLOYMENT_STATUS_DESCRIPTIONS: Record<DeploymentState, string> = {
  error: 'Deployment errored',
  failure: 'Deployment failed',
  inactive: 'Superseded by a newer deployment',
  pending: 'Deployment pending',
  success: 'Deployment finished successfully',
  queued: 'Deployment queued',
  in_progress: 'Deployment in progress',
};

export function commitStatusDescription(status: SimCommitStatus): string {
  return COMMIT_STATUS_DESCRIPTIONS[status.state];
}

/** The tree of a simulated commit, derived from the commit SHA. */
export function treeSha(commitSha: string): string {
  return Random.from('tree', commitSha).sha();
}

export function commitStatusTargetUrl(
  state: RepositoryState,
  status: SimCommitStatus,
): string {
  return `https://ci.example.com/${state.fullName}/builds/${status.buildNumber}`;
}

export function workflowJson(
  ctx: UrlContext,
  state: RepositoryState,
  workflow: SimWorkflow,
): Json {
  const html = repositoryHtmlUrl(ctx, state);
  return {
    id: workflow.id,
    node_id: workflow.nodeId,
    name: workflow.name,
    path: workflow.path,
    state: 'active',
    created_at: isoTime(workflow.createdAt),
    updated_at: isoTime(workflow.updatedAt),
    url: `${repositoryApiUrl(ctx, state)}/actions/workflows/${workflow.id}`,
    html_url: `${html}/blob/${state.repository.defaultBranch}/${workflow.path}`,
    badge_url: `${html}/workflows/${encodeURIComponent(
      workflow.name,
    )}/badge.svg`,
  };
}

function runPullRequests(
  ctx: UrlContext,
  state: RepositoryState,
  run: SimWorkflowRun,
): Json[] {
  return run.pullNumbers.flatMap(number => {
    const pull = state.pull(number);
    return pull ? [pullRequestMinimalJson(ctx, state, pull)] : [];
  });
}

/** REST `workflow-run` and the webhook `workflow_run` object. */
export function workflowRunJson(
  ctx: UrlContext,
  state: RepositoryState,
  run: SimWorkflowRun,
  options: { excludePullRequests?: boolean } = {},
): Json {
  const api = `${repositoryApiUrl(ctx, state)}/actions/runs/${run.id}`;
  const commitAuthor = {
    name: run.headCommit.authorName,
    email: run.headCommit.authorEmail,
  };
  const repository = repositoryLiteJson(ctx, state);
  return {
    id: run.id,
    name: run.workflow.name,
    node_id: nodeId('WorkflowRun', run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflow.path,
    display_title: run.displayTitle,
    run_number: run.runNumber,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow.id,
    check_suite_id: run.checkSuiteId,
    check_suite_node_id: nodeId('CheckSuite', run.checkSuiteId),
    url: api,
    html_url: `${repositoryHtmlUrl(ctx, state)}/actions/runs/${run.id}`,
    pull_requests: options.excludePullRequests
      ? []
      : runPullRequests(ctx, state, run),
    created_at: isoTime(run.createdAt),
    updated_at: isoTime(run.updatedAt),
    actor: userJson(ctx, run.actor),
    run_attempt: run.runAttempt,
    referenced_workflows: [],
    run_started_at: isoTime(run.runStartedAt),
    triggering_actor: userJson(ctx, run.actor),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${repositoryApiUrl(ctx, state)}/check-suites/${
      run.checkSuiteId
    }`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url:
      run.runAttempt > 1 ? `${api}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${repositoryApiUrl(ctx, state)}/actions/workflows/${
      run.workflow.id
    }`,
    head_commit: {
      id: run.headSha,
      tree_id: treeSha(run.headSha),
      message: run.headCommit.message,
      timestamp: isoTime(run.headCommit.timestamp),
      author: commitAuthor,
      committer: commitAuthor,
    },
    repository,
    head_repository: repository,
  };
}

/** The check suite object GitHub embeds in check run webhooks and REST. */
/** A run as it was at the end of attempt `attempt` (the run itself for its latest attempt). */
export function workflowRunAttemptJson(
  ctx: UrlContext,
  state: RepositoryState,
  run: SimWorkflowRun,
  attempt: SimRunAttempt,
  options: { excludePullRequests?: boolean } = {},
): Json {
  return workflowRunJson(
    ctx,
    state,
    {
      ...run,
      runAttempt: attempt.runAttempt,
      status: attempt.status,
      conclusion: attempt.conclusion,
      createdAt: attempt.createdAt,
      runStartedAt: attempt.runStartedAt,
      updatedAt: attempt.updatedAt,
    },
    options,
  );
}

function checkSuiteJson(
  ctx: UrlContext,
  state: RepositoryState,
  run: SimWorkflowRun,
  githubOrg: SimUser,
): Json {
  return {
    id: run.checkSuiteId,
    node_id: nodeId('CheckSuite', run.checkSuiteId),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    status: run.status,
    conclusion: run.status === 'completed' ? run.conclusion : null,
    url: `${repositoryApiUrl(ctx, state)}/check-suites/${run.checkSuiteId}`,
    before: null,
    after: run.headSha,
    pull_requests: runPullRequests(ctx, state, run),
    app: githubActionsAppJson(ctx, githubOrg),
    created_at: isoTime(run.createdAt),
    updated_at: isoTime(run.updatedAt),
  };
}

/** REST `check-run` and the webhook `check_run` object. */
export function checkRunJson(
  ctx: UrlContext,
  state: RepositoryState,
  checkRun: SimCheckRun,
  githubOrg: SimUser,
): Json {
  const api = `${repositoryApiUrl(ctx, state)}/check-runs/${checkRun.id}`;
  const html = `${repositoryHtmlUrl(ctx, state)}/actions/runs/${
    checkRun.run.id
  }/job/${checkRun.id}`;
  const failed = checkRun.conclusion === 'failure';
  return {
    id: checkRun.id,
    name: checkRun.name,
    node_id: nodeId('CheckRun', checkRun.id),
    head_sha: checkRun.headSha,
    external_id: `${checkRun.run.id}-${checkRun.jobIndex}`,
    url: api,
    html_url: html,
    details_url: html,
    status: checkRun.status,
    conclusion: checkRun.conclusion,
    started_at: isoTime(checkRun.startedAt),
    completed_at: isoTimeOrNull(checkRun.completedAt),
    output: {
      title: failed ? `${checkRun.name} failed` : null,
      summary: failed ? 'Process completed with exit code 1.' : null,
      text: null,
      annotations_count: failed ? 1 : 0,
      annotations_url: `${api}/annotations`,
    },
    check_suite: checkSuiteJson(ctx, state, checkRun.run, githubOrg),
    app: githubActionsAppJson(ctx, githubOrg),
    pull_requests: runPullRequests(ctx, state, checkRun.run),
  };
}

/** REST `status` (GET /commits/{ref}/statuses). */
export function commitStatusJson(
  ctx: UrlContext,
  state: RepositoryState,
  status: SimCommitStatus,
): Json {
  return {
    url: `${repositoryApiUrl(ctx, state)}/statuses/${status.sha}`,
    avatar_url: userAvatarUrl(status.creator),
    id: status.id,
    node_id: nodeId('StatusContext', status.id),
    state: status.state,
    description: COMMIT_STATUS_DESCRIPTIONS[status.state],
    target_url: commitStatusTargetUrl(state, status),
    context: status.context,
    created_at: isoTime(status.createdAt),
    updated_at: isoTime(status.updatedAt),
    creator: userJson(ctx, status.creator),
  };
}

/** The newest status of each context, newest context first. */
export function latestStatusPerContext(
  statuses: SimCommitStatus[],
): SimCommitStatus[] {
  const latest = new Map<string, SimCommitStatus>();
  for (const status of statuses) {
    const current = latest.get(status.context);
    if (!current || status.id > current.id) {
      latest.set(status.context, status);
    }
  }
  return [...latest.values()].sort((a, b) => b.id - a.id);
}

/** GitHub's rule for the combined state of the latest statuses. */
export function combinedState(latest: SimCommitStatus[]): string {
  if (latest.some(s => s.state === 'failure' || s.state === 'error')) {
    return 'failure';
  }
  if (latest.length === 0 || latest.some(s => s.state === 'pending')) {
    return 'pending';
  }
  return 'success';
}

/** REST `combined-commit-status`. */
export function combinedStatusJson(
  ctx: UrlContext,
  state: RepositoryState,
  sha: string,
  page: SimCommitStatus[],
  allLatest: SimCommitStatus[],
): Json {
  const api = repositoryApiUrl(ctx, state);
  return {
    state: combinedState(allLatest),
    statuses: page.map(status => ({
      url: `${api}/statuses/${status.sha}`,
      avatar_url: userAvatarUrl(status.creator),
      id: status.id,
      node_id: nodeId('StatusContext', status.id),
      state: status.state,
      description: COMMIT_STATUS_DESCRIPTIONS[status.state],
      target_url: commitStatusTargetUrl(state, status),
      context: status.context,
      created_at: isoTime(status.createdAt),
      updated_at: isoTime(status.updatedAt),
    })),
    sha,
    total_count: allLatest.length,
    repository: repositoryLiteJson(ctx, state),
    commit_url: `${api}/commits/${sha}`,
    url: `${api}/commits/${sha}/status`,
  };
}

/** REST `deployment` and the webhook `deployment` object. */
export function deploymentJson(
  ctx: UrlContext,
  state: RepositoryState,
  deployment: SimDeployment,
  githubOrg: SimUser,
): Json {
  const api = `${repositoryApiUrl(ctx, state)}/deployments/${deployment.id}`;
  return {
    url: api,
    id: deployment.id,
    node_id: nodeId('Deployment', deployment.id),
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: {},
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: `Deploy ${deployment.ref} to ${deployment.environment}`,
    creator: userJson(ctx, deployment.creator),
    created_at: isoTime(deployment.createdAt),
    updated_at: isoTime(deployment.updatedAt),
    statuses_url: `${api}/statuses`,
    repository_url: repositoryApiUrl(ctx, state),
    transient_environment: false,
    production_environment: deployment.productionEnvironment,
    performed_via_github_app: githubActionsAppJson(ctx, githubOrg),
  };
}

/** REST `deployment-status` and the webhook `deployment_status` object. */
export function deploymentStatusJson(
  ctx: UrlContext,
  state: RepositoryState,
  deployment: SimDeployment,
  status: SimDeploymentStatus,
  githubOrg: SimUser,
): Json {
  const deploymentUrl = `${repositoryApiUrl(ctx, state)}/deployments/${
    deployment.id
  }`;
  const logUrl = `${repositoryHtmlUrl(ctx, state)}/actions/runs/${
    deployment.runId ?? 0
  }`;
  return {
    url: `${deploymentUrl}/statuses/${status.id}`,
    id: status.id,
    node_id: nodeId('DeploymentStatus', status.id),
    state: status.state,
    creator: userJson(ctx, status.creator),
    description: DEPLOYMENT_STATUS_DESCRIPTIONS[status.state],
    environment: status.environment,
    target_url: logUrl,
    created_at: isoTime(status.createdAt),
    updated_at: isoTime(status.updatedAt),
    deployment_url: deploymentUrl,
    repository_url: repositoryApiUrl(ctx, state),
    environment_url: `https://${status.environment}.${state.repository.name}.example.com`,
    log_url: logUrl,
    performed_via_github_app: githubActionsAppJson(ctx, githubOrg),
  };
}
