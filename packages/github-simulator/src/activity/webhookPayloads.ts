import { commitAuthorOf } from '../data/factories';
import { RepositoryState } from '../data/RepositoryState';
import {
  SimCheckRun,
  SimCommitStatus,
  SimDeployment,
  SimDeploymentStatus,
  SimPullRequest,
  SimReview,
  SimUser,
  SimWorkflowRun,
} from '../data/types';
import {
  checkRunJson,
  commitStatusDescription,
  commitStatusTargetUrl,
  deploymentJson,
  deploymentStatusJson,
  treeSha,
  workflowJson,
  workflowRunJson,
} from '../representations/actions';
import {
  Json,
  UrlContext,
  isoTime,
  organizationJson,
  repositoryApiUrl,
  repositoryHtmlUrl,
  repositoryJson,
  userJson,
} from '../representations/common';
import {
  pullRequestJson,
  pullRequestSimpleJson,
  reviewJson,
} from '../representations/pulls';

/** Everything payload builders need besides the entity itself. */
export interface PayloadContext {
  urls: UrlContext;
  state: RepositoryState;
  githubOrganization: SimUser;
  installationId?: number;
}

/** `repository`, `organization`, `installation` and `sender` as GitHub adds them. */
function envelope(context: PayloadContext, sender: SimUser): Json {
  const owner = context.state.repository.owner;
  return {
    repository: repositoryJson(context.urls, context.state),
    ...(owner.type === 'Organization'
      ? { organization: organizationJson(context.urls, owner) }
      : {}),
    ...(context.installationId !== undefined
      ? {
          installation: {
            id: context.installationId,
            node_id: Buffer.from(
              `026:Integration::Installation${context.installationId}`,
            ).toString('base64'),
          },
        }
      : {}),
    sender: userJson(context.urls, sender),
  };
}

export function pullRequestPayload(
  context: PayloadContext,
  action: 'opened' | 'closed' | 'ready_for_review',
  pull: SimPullRequest,
  sender: SimUser,
): Json {
  return {
    action,
    number: pull.number,
    pull_request: pullRequestJson(context.urls, context.state, pull),
    ...envelope(context, sender),
  };
}

export function pullRequestSynchronizePayload(
  context: PayloadContext,
  pull: SimPullRequest,
  before: string,
  sender: SimUser,
): Json {
  return {
    action: 'synchronize',
    number: pull.number,
    before,
    after: pull.headSha,
    pull_request: pullRequestJson(context.urls, context.state, pull),
    ...envelope(context, sender),
  };
}

export function pullRequestReviewPayload(
  context: PayloadContext,
  review: SimReview,
  pull: SimPullRequest,
): Json {
  return {
    action: 'submitted',
    review: reviewJson(context.urls, context.state, review, 'webhook'),
    pull_request: pullRequestSimpleJson(context.urls, context.state, pull),
    ...envelope(context, review.user),
  };
}

export function workflowRunPayload(
  context: PayloadContext,
  action: 'requested' | 'in_progress' | 'completed',
  run: SimWorkflowRun,
): Json {
  return {
    action,
    workflow: workflowJson(context.urls, context.state, run.workflow),
    workflow_run: workflowRunJson(context.urls, context.state, run),
    ...envelope(context, run.actor),
  };
}

export function checkRunPayload(
  context: PayloadContext,
  action: 'created' | 'completed',
  checkRun: SimCheckRun,
): Json {
  return {
    action,
    check_run: checkRunJson(
      context.urls,
      context.state,
      checkRun,
      context.githubOrganization,
    ),
    ...envelope(context, checkRun.run.actor),
  };
}

const DEPLOYMENT_WORKFLOW_RUN_FIELDS = [
  'id',
  'name',
  'path',
  'display_title',
  'node_id',
  'head_branch',
  'head_sha',
  'run_number',
  'event',
  'status',
  'conclusion',
  'workflow_id',
  'check_suite_id',
  'check_suite_node_id',
  'url',
  'html_url',
  'pull_requests',
  'created_at',
  'updated_at',
  'actor',
  'triggering_actor',
  'run_attempt',
  'run_started_at',
  'referenced_workflows',
];

/** The workflow and run that created a deployment, as deployment events carry them. */
function deploymentOrigin(
  context: PayloadContext,
  deployment: SimDeployment,
): { workflow: Json | null; workflow_run: Json | null } {
  const run =
    deployment.runId === null
      ? undefined
      : context.state.runsById.get(deployment.runId);
  if (!run) {
    return { workflow: null, workflow_run: null };
  }
  const full = workflowRunJson(context.urls, context.state, run);
  return {
    workflow: workflowJson(context.urls, context.state, run.workflow),
    workflow_run: Object.fromEntries(
      DEPLOYMENT_WORKFLOW_RUN_FIELDS.map(field => [field, full[field]]),
    ),
  };
}

export function deploymentPayload(
  context: PayloadContext,
  deployment: SimDeployment,
): Json {
  return {
    action: 'created',
    deployment: deploymentJson(
      context.urls,
      context.state,
      deployment,
      context.githubOrganization,
    ),
    ...deploymentOrigin(context, deployment),
    ...envelope(context, deployment.creator),
  };
}

export function deploymentStatusPayload(
  context: PayloadContext,
  deployment: SimDeployment,
  status: SimDeploymentStatus,
): Json {
  const origin = deploymentOrigin(context, deployment);
  return {
    action: 'created',
    deployment_status: deploymentStatusJson(
      context.urls,
      context.state,
      deployment,
      status,
      context.githubOrganization,
    ),
    deployment: deploymentJson(
      context.urls,
      context.state,
      deployment,
      context.githubOrganization,
    ),
    ...(origin.workflow ? origin : {}),
    ...envelope(context, status.creator),
  };
}

/** The `status` event for a commit status on a pull request's head commit. */
export function commitStatusPayload(
  context: PayloadContext,
  status: SimCommitStatus,
  pull: SimPullRequest,
): Json {
  const { urls, state } = context;
  const api = repositoryApiUrl(urls, state);
  const html = repositoryHtmlUrl(urls, state);
  const author = pull.author;
  const person = { ...commitAuthorOf(author), date: isoTime(pull.updatedAt) };
  const branches = [...state.branches.entries()]
    .filter(([, sha]) => sha === status.sha)
    .map(([name, sha]) => ({
      name,
      commit: { sha, url: `${api}/commits/${sha}` },
      protected: name === state.repository.defaultBranch,
    }));
  return {
    id: status.id,
    sha: status.sha,
    name: state.fullName,
    avatar_url: `https://avatars.githubusercontent.com/u/${status.creator.id}?v=4`,
    target_url: commitStatusTargetUrl(state, status),
    context: status.context,
    description: commitStatusDescription(status),
    state: status.state,
    commit: {
      sha: status.sha,
      node_id: Buffer.from(
        `06:Commit${state.repository.id}:${status.sha}`,
      ).toString('base64'),
      commit: {
        author: person,
        committer: person,
        message: pull.title,
        tree: {
          sha: treeSha(status.sha),
          url: `${api}/git/trees/${treeSha(status.sha)}`,
        },
        url: `${api}/git/commits/${status.sha}`,
        comment_count: 0,
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
        },
      },
      url: `${api}/commits/${status.sha}`,
      html_url: `${html}/commit/${status.sha}`,
      comments_url: `${api}/commits/${status.sha}/comments`,
      author: userJson(urls, author),
      committer: userJson(urls, author),
      parents: [
        {
          sha: pull.baseSha,
          url: `${api}/commits/${pull.baseSha}`,
          html_url: `${html}/commit/${pull.baseSha}`,
        },
      ],
    },
    branches,
    created_at: isoTime(status.createdAt),
    updated_at: isoTime(status.updatedAt),
    ...envelope(context, status.creator),
  };
}
