import { checkRunsForSha } from '../data/checkRuns';
import { RepositoryState } from '../data/RepositoryState';
import { SimCommit, SimPullRequest, SimUser } from '../data/types';
import { currentAttempt } from '../data/factories';
import {
  checkRunJson,
  combinedStatusJson,
  commitStatusJson,
  deploymentJson,
  deploymentStatusJson,
  latestStatusPerContext,
  workflowJson,
  workflowRunAttemptJson,
  workflowRunJson,
} from '../representations/actions';
import { pullCommits } from '../data/history';
import {
  Json,
  UrlContext,
  fullRepositoryJson,
} from '../representations/common';
import { commitJson, draftTimelineEventJson } from '../representations/commits';
import {
  pullRequestJson,
  pullRequestSimpleJson,
  reviewJson,
} from '../representations/pulls';
import { notFound } from './errors';
import { Page, paginate } from './pagination';
import {
  RawQuery,
  checkRunsQuery,
  commitsQuery,
  deploymentsQuery,
  inRange,
  pagingQuery,
  parseQuery,
  pullsListQuery,
  workflowRunsQuery,
} from './params';

const MONTH_MS = 30 * 24 * 60 * 60 * 1000;

export interface OperationInput {
  state: RepositoryState;
  params: Record<string, string>;
  query: RawQuery;
  urls: UrlContext;
  now: number;
  githubOrganization: SimUser;
}

export interface OperationResult {
  body: unknown;
  page?: Page<unknown>;
  /** Epoch ms for `Last-Modified`, on single resources as GitHub sends it. */
  lastModified?: number;
}

export interface RepositoryOperation {
  operationId: string;
  /** Express path below `/repos/:owner/:repo`. */
  path: string;
  run(input: OperationInput): OperationResult;
}

function docs(path: string): string {
  return `https://docs.github.com/rest/${path}`;
}

function parsePositiveInt(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : NaN;
}

function requirePull(state: RepositoryState, value: string): SimPullRequest {
  const pull = state.pull(parsePositiveInt(value));
  if (!pull) {
    throw notFound();
  }
  return pull;
}

function requireSha(state: RepositoryState, ref: string): string {
  const sha = state.resolveRef(ref);
  if (!sha) {
    throw notFound();
  }
  return sha;
}

function listPage<T>(
  items: T[],
  paging: { page: number; per_page: number },
  render: (item: T) => Json,
): OperationResult {
  const page = paginate(items, paging.page, paging.per_page);
  return { body: page.items.map(render), page };
}

function comparePulls(
  sort: 'created' | 'updated' | 'popularity' | 'long-running',
): (a: SimPullRequest, b: SimPullRequest) => number {
  switch (sort) {
    case 'updated':
      return (a, b) => a.updatedAt - b.updatedAt || a.number - b.number;
    case 'popularity':
      return (a, b) => a.comments - b.comments || a.number - b.number;
    default:
      return (a, b) => a.createdAt - b.createdAt || a.number - b.number;
  }
}

function matchesHead(
  state: RepositoryState,
  pull: SimPullRequest,
  head: string,
): boolean {
  const separator = head.indexOf(':');
  if (separator < 0) {
    return pull.headRef === head;
  }
  return (
    head.slice(0, separator).toLowerCase() ===
      state.repository.owner.login.toLowerCase() &&
    pull.headRef === head.slice(separator + 1)
  );
}

/** Commits reachable from `sha`, newest commit date first (as `git log` lists them). */
function reachableCommits(state: RepositoryState, sha: string): SimCommit[] {
  const order = new Map<string, number>();
  state.defaultBranchCommits.forEach((commit, index) =>
    order.set(commit.sha, index),
  );
  const seen = new Set<string>([sha]);
  const stack = [sha];
  const found: SimCommit[] = [];
  while (stack.length) {
    const commit = state.commitsBySha.get(stack.pop()!);
    if (!commit) {
      continue;
    }
    found.push(commit);
    for (const parent of commit.parents) {
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return found.sort(
    (a, b) =>
      b.committedAt - a.committedAt ||
      (order.get(b.sha) ?? 0) - (order.get(a.sha) ?? 0),
  );
}

export const repositoryOperations: RepositoryOperation[] = [
  {
    operationId: 'repos/get',
    path: '',
    run: ({ state, urls }) => ({
      body: fullRepositoryJson(urls, state),
      lastModified: Math.max(
        state.repository.updatedAt,
        state.repository.pushedAt,
      ),
    }),
  },
  {
    operationId: 'pulls/list',
    path: '/pulls',
    run: ({ state, query, urls, now }) => {
      const params = parseQuery(
        pullsListQuery,
        query,
        'PullRequest',
        docs('pulls/pulls#list-pull-requests'),
      );
      const direction =
        params.direction ??
        (params.sort === 'created' || params.sort === 'long-running'
          ? 'desc'
          : 'asc');
      let pulls = state.pulls.filter(
        pull =>
          (params.state === 'all' || pull.state === params.state) &&
          (params.base === undefined || pull.baseRef === params.base) &&
          (params.head === undefined || matchesHead(state, pull, params.head)),
      );
      if (params.sort === 'long-running') {
        pulls = pulls.filter(
          pull =>
            pull.createdAt < now - MONTH_MS && pull.updatedAt >= now - MONTH_MS,
        );
      }
      const compare = comparePulls(params.sort);
      pulls.sort(direction === 'asc' ? compare : (a, b) => compare(b, a));
      return listPage(pulls, params, pull =>
        pullRequestSimpleJson(urls, state, pull),
      );
    },
  },
  {
    operationId: 'pulls/get',
    path: '/pulls/:pull_number',
    run: ({ state, params, urls }) => {
      const pull = requirePull(state, params.pull_number);
      return {
        body: pullRequestJson(urls, state, pull),
        lastModified: pull.updatedAt,
      };
    },
  },
  {
    operationId: 'pulls/list-reviews',
    path: '/pulls/:pull_number/reviews',
    run: ({ state, params, query, urls }) => {
      const pull = requirePull(state, params.pull_number);
      const paging = parseQuery(pagingQuery, query, 'PullRequestReview');
      return listPage(state.reviews.get(pull.number) ?? [], paging, review =>
        reviewJson(urls, state, review),
      );
    },
  },
  {
    operationId: 'pulls/list-commits',
    path: '/pulls/:pull_number/commits',
    run: ({ state, params, query, urls }) => {
      const pull = requirePull(state, params.pull_number);
      const paging = parseQuery(pagingQuery, query, 'Commit');
      return listPage(pullCommits(state, pull), paging, commit =>
        commitJson(urls, state, commit),
      );
    },
  },
  {
    operationId: 'issues/list-events-for-timeline',
    path: '/issues/:issue_number/timeline',
    run: ({ state, params, query, urls }) => {
      const pull = requirePull(state, params.issue_number);
      const paging = parseQuery(pagingQuery, query, 'Issue');
      const events = pull.draftEvents.map((event, position) => ({
        event,
        position,
      }));
      return listPage(events, paging, ({ event, position }) =>
        draftTimelineEventJson(urls, state, pull, event, position),
      );
    },
  },
  {
    operationId: 'repos/list-commits',
    path: '/commits',
    run: ({ state, query, urls }) => {
      const filters = parseQuery(
        commitsQuery,
        query,
        'Commit',
        docs('commits/commits#list-commits'),
      );
      const sha = requireSha(
        state,
        filters.sha ?? state.repository.defaultBranch,
      );
      const commits = reachableCommits(state, sha).filter(
        commit =>
          (filters.since === undefined ||
            commit.committedAt >= filters.since) &&
          (filters.until === undefined || commit.committedAt <= filters.until),
      );
      return listPage(commits, filters, commit =>
        commitJson(urls, state, commit),
      );
    },
  },
  {
    operationId: 'repos/get-combined-status-for-ref',
    path: '/commits/:ref(*)/status',
    run: ({ state, params, query, urls }) => {
      const sha = requireSha(state, params.ref);
      const paging = parseQuery(pagingQuery, query, 'Status');
      const latest = latestStatusPerContext(state.statusesBySha.get(sha) ?? []);
      const page = paginate(latest, paging.page, paging.per_page);
      return {
        body: combinedStatusJson(urls, state, sha, page.items, latest),
        page,
      };
    },
  },
  {
    operationId: 'repos/list-commit-statuses-for-ref',
    path: '/commits/:ref(*)/statuses',
    run: ({ state, params, query, urls }) => {
      const sha = requireSha(state, params.ref);
      const paging = parseQuery(pagingQuery, query, 'Status');
      const statuses = [...(state.statusesBySha.get(sha) ?? [])].reverse();
      return listPage(statuses, paging, status =>
        commitStatusJson(urls, state, status),
      );
    },
  },
  {
    operationId: 'checks/list-for-ref',
    path: '/commits/:ref(*)/check-runs',
    run: ({ state, params, query, urls, githubOrganization }) => {
      const sha = requireSha(state, params.ref);
      const filters = parseQuery(
        checkRunsQuery,
        query,
        'CheckRun',
        docs('checks/runs#list-check-runs-for-a-git-reference'),
      );
      let checkRuns = checkRunsForSha(state, sha).sort((a, b) => b.id - a.id);
      if (filters.filter === 'latest') {
        const seen = new Set<string>();
        checkRuns = checkRuns.filter(checkRun => {
          if (seen.has(checkRun.name)) {
            return false;
          }
          seen.add(checkRun.name);
          return true;
        });
      }
      checkRuns = checkRuns.filter(
        checkRun =>
          (filters.check_name === undefined ||
            checkRun.name === filters.check_name) &&
          (filters.status === undefined ||
            checkRun.status === filters.status) &&
          (filters.app_id === undefined || filters.app_id === 15368),
      );
      const page = paginate(checkRuns, filters.page, filters.per_page);
      return {
        body: {
          total_count: page.total,
          check_runs: page.items.map(checkRun =>
            checkRunJson(urls, state, checkRun, githubOrganization),
          ),
        },
        page,
      };
    },
  },
  {
    operationId: 'actions/list-repo-workflows',
    path: '/actions/workflows',
    run: ({ state, query, urls }) => {
      const paging = parseQuery(pagingQuery, query, 'Workflow');
      const page = paginate(state.workflows, paging.page, paging.per_page);
      return {
        body: {
          total_count: page.total,
          workflows: page.items.map(workflow =>
            workflowJson(urls, state, workflow),
          ),
        },
        page,
      };
    },
  },
  {
    operationId: 'actions/list-workflow-runs-for-repo',
    path: '/actions/runs',
    run: input => listWorkflowRuns(input, undefined),
  },
  {
    operationId: 'actions/list-workflow-runs',
    path: '/actions/workflows/:workflow_id/runs',
    run: input => {
      const workflow = input.state.workflowByIdOrFile(input.params.workflow_id);
      if (!workflow) {
        throw notFound();
      }
      return listWorkflowRuns(input, workflow.id);
    },
  },
  {
    operationId: 'actions/get-workflow-run',
    path: '/actions/runs/:run_id',
    run: ({ state, params, query, urls }) => {
      const run = state.runsById.get(parsePositiveInt(params.run_id));
      if (!run) {
        throw notFound();
      }
      return {
        body: workflowRunJson(urls, state, run, {
          excludePullRequests: query.exclude_pull_requests === 'true',
        }),
        lastModified: run.updatedAt,
      };
    },
  },
  {
    operationId: 'actions/get-workflow-run-attempt',
    path: '/actions/runs/:run_id/attempts/:attempt_number',
    run: ({ state, params, query, urls }) => {
      const run = state.runsById.get(parsePositiveInt(params.run_id));
      const number = parsePositiveInt(params.attempt_number);
      const attempt =
        number === run?.runAttempt
          ? currentAttempt(run)
          : run?.previousAttempts.find(
              candidate => candidate.runAttempt === number,
            );
      if (!run || !attempt) {
        throw notFound();
      }
      return {
        body: workflowRunAttemptJson(urls, state, run, attempt, {
          excludePullRequests: query.exclude_pull_requests === 'true',
        }),
        lastModified: attempt.updatedAt,
      };
    },
  },
  {
    operationId: 'repos/list-deployments',
    path: '/deployments',
    run: ({ state, query, urls, githubOrganization }) => {
      const filters = parseQuery(
        deploymentsQuery,
        query,
        'Deployment',
        docs('deployments/deployments#list-deployments'),
      );
      const deployments = state.deployments
        .filter(
          deployment =>
            (filters.sha === undefined || deployment.sha === filters.sha) &&
            (filters.ref === undefined ||
              deployment.ref === filters.ref ||
              deployment.sha === filters.ref) &&
            (filters.task === undefined || deployment.task === filters.task) &&
            (filters.environment === undefined ||
              deployment.environment === filters.environment),
        )
        .reverse();
      return listPage(deployments, filters, deployment =>
        deploymentJson(urls, state, deployment, githubOrganization),
      );
    },
  },
  {
    operationId: 'repos/list-deployment-statuses',
    path: '/deployments/:deployment_id/statuses',
    run: ({ state, params, query, urls, githubOrganization }) => {
      const deployment = state.deploymentsById.get(
        parsePositiveInt(params.deployment_id),
      );
      if (!deployment) {
        throw notFound();
      }
      const paging = parseQuery(pagingQuery, query, 'DeploymentStatus');
      return listPage([...deployment.statuses].reverse(), paging, status =>
        deploymentStatusJson(
          urls,
          state,
          deployment,
          status,
          githubOrganization,
        ),
      );
    },
  },
];

function listWorkflowRuns(
  { state, query, urls }: OperationInput,
  workflowId: number | undefined,
): OperationResult {
  const filters = parseQuery(
    workflowRunsQuery,
    query,
    'WorkflowRun',
    docs('actions/workflow-runs#list-workflow-runs-for-a-repository'),
  );
  const runs = [];
  for (let i = state.runs.length - 1; i >= 0; i--) {
    const run = state.runs[i];
    if (
      (workflowId === undefined || run.workflow.id === workflowId) &&
      (filters.actor === undefined || run.actor.login === filters.actor) &&
      (filters.branch === undefined || run.headBranch === filters.branch) &&
      (filters.event === undefined || run.event === filters.event) &&
      (filters.status === undefined ||
        run.status === filters.status ||
        run.conclusion === filters.status) &&
      (filters.head_sha === undefined || run.headSha === filters.head_sha) &&
      (filters.check_suite_id === undefined ||
        run.checkSuiteId === filters.check_suite_id) &&
      inRange(filters.created, run.createdAt)
    ) {
      runs.push(run);
    }
  }
  runs.sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  const page = paginate(runs, filters.page, filters.per_page);
  return {
    body: {
      total_count: page.total,
      workflow_runs: page.items.map(run =>
        workflowRunJson(urls, state, run, {
          excludePullRequests: filters.exclude_pull_requests,
        }),
      ),
    },
    page,
  };
}
