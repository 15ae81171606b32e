/*
 * Parses GitHub's JSON (REST responses and webhook payloads) into the records Pulse stores, checking
 * each item's shape; an item that cannot be read is a `MalformedItemError`.
 */
import { WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import { z } from 'zod';
import { CheckFacts, checkRunFacts, commitStatusFacts } from './derive';

/** A GitHub item that cannot be read; it is logged and skipped. */
export class MalformedItemError extends Error {
  constructor(what: string, issues: string) {
    super(`Malformed ${what}: ${issues}`);
    this.name = 'MalformedItemError';
  }
}

const timestamp = z
  .string()
  .refine(value => !Number.isNaN(Date.parse(value)), 'not a timestamp')
  .transform(value => new Date(value));
const optionalTimestamp = timestamp.nullish().transform(value => value ?? null);
const githubId = z.number().int().nonnegative();
const user = z
  .object({ login: z.string(), avatar_url: z.string().nullish() })
  .nullish();

function parse<T extends z.ZodTypeAny>(
  schema: T,
  what: string,
  value: unknown,
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 3)
      .map(issue => `${issue.path.join('.') || '(root)'} ${issue.message}`)
      .join('; ');
    throw new MalformedItemError(what, issues);
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Pull requests

const pullRequestSimpleSchema = z.object({
  id: githubId,
  number: z.number().int().positive(),
  title: z.string(),
  user,
  draft: z.boolean().nullish(),
  state: z.enum(['open', 'closed']),
  labels: z.array(z.object({ name: z.string() })).default([]),
  created_at: timestamp,
  updated_at: timestamp,
  closed_at: optionalTimestamp,
  merged_at: optionalTimestamp,
  merge_commit_sha: z.string().max(64).nullish(),
  head: z.object({ sha: z.string().min(7).max(64), ref: z.string() }),
  base: z.object({ ref: z.string() }),
  html_url: z.string(),
});

const pullRequestFullSchema = pullRequestSimpleSchema.extend({
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  changed_files: z.number().int().nonnegative(),
});

/** What a pull request list item says; enough to tell whether the stored copy is current. */
export interface PullRequestHeader {
  number: number;
  state: 'open' | 'closed' | 'merged';
  updatedAt: Date;
  headSha: string;
}

/** A pull request as stored (review and CI fields are derived separately). */
export interface PullRequestRecord extends PullRequestHeader {
  githubId: number;
  title: string;
  authorLogin: string;
  authorAvatarUrl: string | null;
  draft: boolean;
  labels: string[];
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: Date;
  mergedAt: Date | null;
  /** The commit the merge put on the base branch; null until merged (GitHub's test merge is not kept). */
  mergeCommitSha: string | null;
  closedAt: Date | null;
  headRef: string;
  baseRef: string;
  htmlUrl: string;
}

function pullState(pull: {
  state: 'open' | 'closed';
  merged_at: Date | null;
}): PullRequestRecord['state'] {
  if (pull.state === 'open') {
    return 'open';
  }
  return pull.merged_at ? 'merged' : 'closed';
}

/** A `pull-request-simple` list item. */
export function parsePullRequestHeader(value: unknown): PullRequestHeader {
  const pull = parse(pullRequestSimpleSchema, 'pull request', value);
  return {
    number: pull.number,
    state: pullState(pull),
    updatedAt: pull.updated_at,
    headSha: pull.head.sha,
  };
}

type PullRequestSimple = z.output<typeof pullRequestSimpleSchema>;

function simpleRecord(
  pull: PullRequestSimple,
): Omit<PullRequestRecord, 'additions' | 'deletions' | 'changedFiles'> {
  return {
    number: pull.number,
    githubId: pull.id,
    title: pull.title,
    authorLogin: pull.user?.login ?? 'ghost',
    authorAvatarUrl: pull.user?.avatar_url ?? null,
    draft: pull.draft ?? false,
    state: pullState(pull),
    labels: pull.labels.map(label => label.name),
    createdAt: pull.created_at,
    updatedAt: pull.updated_at,
    mergedAt: pull.merged_at,
    mergeCommitSha: (pull.merged_at && pull.merge_commit_sha) || null,
    closedAt: pull.closed_at,
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    baseRef: pull.base.ref,
    htmlUrl: pull.html_url,
  };
}

/**
 * A `pull-request-simple` without the size figures, which only the full representation has
 * (the `pull_request` of a `pull_request_review` webhook).
 */
export function parsePullRequestSimple(
  value: unknown,
): Omit<PullRequestRecord, 'additions' | 'deletions' | 'changedFiles'> {
  return simpleRecord(parse(pullRequestSimpleSchema, 'pull request', value));
}

/** A full `pull-request` (single pull request, or a `pull_request` webhook). */
export function parsePullRequest(value: unknown): PullRequestRecord {
  const pull = parse(pullRequestFullSchema, 'pull request', value);
  return {
    ...simpleRecord(pull),
    additions: pull.additions,
    deletions: pull.deletions,
    changedFiles: pull.changed_files,
  };
}

// ---------------------------------------------------------------------------------------------
// Reviews

const reviewSchema = z.object({
  id: githubId,
  user,
  state: z.string().min(1),
  submitted_at: optionalTimestamp,
  commit_id: z.string().nullish(),
});

export interface ReviewRecord {
  id: number;
  pullNumber: number;
  reviewerLogin: string;
  state: string;
  submittedAt: Date | null;
  commitId: string | null;
}

/** A `pull-request-review` (REST, upper-case state; webhooks send lower case). */
export function parseReview(value: unknown, pullNumber: number): ReviewRecord {
  const review = parse(reviewSchema, 'review', value);
  return {
    id: review.id,
    pullNumber,
    reviewerLogin: review.user?.login ?? 'ghost',
    state: review.state.toUpperCase(),
    submittedAt: review.submitted_at,
    commitId: review.commit_id ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Commits and the issue timeline

const commitSchema = z.object({
  sha: z.string().min(7).max(64),
  commit: z.object({
    author: z.object({ date: optionalTimestamp }).nullish(),
    committer: z.object({ date: optionalTimestamp }).nullish(),
  }),
  parents: z.array(z.object({ sha: z.string().min(7).max(64) })),
});

/** A commit as `GET .../commits` and `GET .../pulls/{n}/commits` list it. */
export interface CommitRecord {
  sha: string;
  parentShas: string[];
  authoredAt: Date | null;
  committedAt: Date | null;
}

export function parseCommit(value: unknown): CommitRecord {
  const commit = parse(commitSchema, 'commit', value);
  return {
    sha: commit.sha,
    parentShas: commit.parents.map(parent => parent.sha),
    authoredAt: commit.commit.author?.date ?? null,
    committedAt: commit.commit.committer?.date ?? null,
  };
}

const timelineEventSchema = z.object({
  event: z.string().nullish(),
  created_at: optionalTimestamp,
});

/** An issue timeline item reduced to its kind and time (most kinds are of no interest). */
export interface TimelineEventRecord {
  event: string | null;
  createdAt: Date | null;
}

export function parseTimelineEvent(value: unknown): TimelineEventRecord {
  const item = parse(timelineEventSchema, 'timeline event', value);
  return { event: item.event ?? null, createdAt: item.created_at };
}

// ---------------------------------------------------------------------------------------------
// CI: check runs, check suites and commit statuses

const checkSchema = z.object({
  id: githubId,
  head_sha: z.string(),
  status: z.string().nullish(),
  conclusion: z.string().nullish(),
  started_at: optionalTimestamp,
  completed_at: optionalTimestamp,
  updated_at: optionalTimestamp,
});

/** One contribution to a commit's CI state. */
export interface CheckRecord extends CheckFacts {
  sha: string;
  kind: 'check_run' | 'check_suite' | 'status';
  key: string;
  observedAt: Date | null;
}

/** A check run (REST list item or `check_run` webhook) or a check suite (`check_suite` webhook). */
export function parseCheck(
  value: unknown,
  kind: 'check_run' | 'check_suite',
): CheckRecord {
  const check = parse(checkSchema, kind.replace('_', ' '), value);
  return {
    sha: check.head_sha,
    kind,
    key: String(check.id),
    ...checkRunFacts(check.status ?? null, check.conclusion ?? null),
    observedAt: check.completed_at ?? check.updated_at ?? check.started_at,
  };
}

const checkRunListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  check_runs: z.array(z.unknown()),
});

/** `GET /repos/{owner}/{repo}/commits/{ref}/check-runs` */
export function parseCheckRunList(value: unknown): {
  totalCount: number;
  items: unknown[];
} {
  const list = parse(checkRunListSchema, 'check run list', value);
  return { totalCount: list.total_count, items: list.check_runs };
}

const combinedStatusSchema = z.object({
  statuses: z.array(
    z.object({
      context: z.string(),
      state: z.string(),
      updated_at: optionalTimestamp,
    }),
  ),
});

/** `GET /repos/{owner}/{repo}/commits/{ref}/status`: the latest status per context. */
export function parseCombinedStatus(
  value: unknown,
  sha: string,
): CheckRecord[] {
  const combined = parse(combinedStatusSchema, 'combined status', value);
  return combined.statuses.map(status => ({
    sha,
    kind: 'status' as const,
    key: status.context,
    ...commitStatusFacts(status.state),
    observedAt: status.updated_at,
  }));
}

const statusEventSchema = z.object({
  sha: z.string(),
  context: z.string(),
  state: z.string(),
  updated_at: optionalTimestamp,
});

/** A `status` webhook payload. */
export function parseStatusEvent(value: unknown): CheckRecord {
  const status = parse(statusEventSchema, 'status', value);
  return {
    sha: status.sha,
    kind: 'status',
    key: status.context,
    ...commitStatusFacts(status.state),
    observedAt: status.updated_at,
  };
}

// ---------------------------------------------------------------------------------------------
// Workflow runs

const RUN_STATUSES = [
  'queued',
  'in_progress',
  'completed',
  'waiting',
  'requested',
  'pending',
] as const;
const RUN_CONCLUSIONS = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'neutral',
  'stale',
] as const;

const workflowRunSchema = z.object({
  id: githubId,
  workflow_id: githubId,
  name: z.string().nullish(),
  display_title: z.string().nullish(),
  head_branch: z.string().nullish(),
  head_sha: z.string(),
  event: z.string(),
  status: z.enum(RUN_STATUSES),
  conclusion: z
    .union([z.enum(RUN_CONCLUSIONS), z.literal('startup_failure')])
    .nullish()
    .transform(value => (value === 'startup_failure' ? 'failure' : value)),
  run_attempt: z.number().int().positive().nullish(),
  created_at: timestamp,
  updated_at: timestamp,
  run_started_at: optionalTimestamp,
  html_url: z.string(),
});

/** A workflow run as stored. */
export interface WorkflowRunRecord {
  id: number;
  workflowId: number;
  workflowName: string;
  name: string;
  branch: string;
  event: string;
  status: WorkflowRun['status'];
  conclusion: WorkflowRun['conclusion'];
  runAttempt: number;
  headSha: string;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
  htmlUrl: string;
}

function nonBlank(value: string | null | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

/**
 * Whether a raw workflow run carries a name. GitHub sends some with an empty one; those show the
 * name of their workflow (the webhook's `workflow`, or the repository's list of workflows).
 */
export function namesItsWorkflow(value: unknown): boolean {
  const name = (value as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.trim() !== '';
}

/**
 * A `workflow-run` (REST list item, or the `workflow_run` of a webhook). A run without a name of
 * its own shows `workflowName`, the name of its workflow, when given.
 */
export function parseWorkflowRun(
  value: unknown,
  workflowName?: string | null,
): WorkflowRunRecord {
  const run = parse(workflowRunSchema, 'workflow run', value);
  const name =
    nonBlank(run.name) ??
    nonBlank(workflowName) ??
    `workflow ${run.workflow_id}`;
  return {
    id: run.id,
    workflowId: run.workflow_id,
    workflowName: name,
    name: nonBlank(run.display_title) ?? name,
    branch: run.head_branch ?? '',
    event: run.event,
    status: run.status,
    conclusion: run.conclusion ?? null,
    runAttempt: run.run_attempt ?? 1,
    headSha: run.head_sha,
    createdAt: run.created_at,
    startedAt: run.run_started_at ?? run.created_at,
    // The REST representation has no completion time; a completed run's last update is it.
    completedAt: run.status === 'completed' ? run.updated_at : null,
    updatedAt: run.updated_at,
    htmlUrl: run.html_url,
  };
}

const workflowRunListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  workflow_runs: z.array(z.unknown()),
});

const workflowListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  workflows: z.array(z.object({ id: githubId, name: z.string().nullish() })),
});

/** `GET /repos/{owner}/{repo}/actions/workflows`: each workflow's id and name. */
export function parseWorkflowList(value: unknown): {
  totalCount: number;
  workflows: Array<{ id: number; name: string | null }>;
} {
  const list = parse(workflowListSchema, 'workflow list', value);
  return {
    totalCount: list.total_count,
    workflows: list.workflows.map(w => ({ id: w.id, name: w.name ?? null })),
  };
}

/** `GET /repos/{owner}/{repo}/actions/runs` */
export function parseWorkflowRunList(value: unknown): {
  totalCount: number;
  items: unknown[];
} {
  const list = parse(workflowRunListSchema, 'workflow run list', value);
  return { totalCount: list.total_count, items: list.workflow_runs };
}

// ---------------------------------------------------------------------------------------------
// Deployments

const deploymentSchema = z.object({
  id: githubId,
  sha: z.string(),
  ref: z.string(),
  environment: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
});

export interface DeploymentRecord {
  id: number;
  environment: string;
  sha: string;
  ref: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A `deployment` (REST list item or the `deployment` of a webhook). */
export function parseDeployment(value: unknown): DeploymentRecord {
  const deployment = parse(deploymentSchema, 'deployment', value);
  return {
    id: deployment.id,
    environment: deployment.environment,
    sha: deployment.sha,
    ref: deployment.ref,
    createdAt: deployment.created_at,
    updatedAt: deployment.updated_at,
  };
}

const deploymentStatusSchema = z.object({
  id: githubId,
  state: z.enum([
    'error',
    'failure',
    'inactive',
    'pending',
    'success',
    'queued',
    'in_progress',
  ]),
  created_at: timestamp,
});

export interface DeploymentStatusRecord {
  id: number;
  state: string;
  createdAt: Date;
}

/** A `deployment-status`. */
export function parseDeploymentStatus(value: unknown): DeploymentStatusRecord {
  const status = parse(deploymentStatusSchema, 'deployment status', value);
  return { id: status.id, state: status.state, createdAt: status.created_at };
}

/** When a deployment first succeeded, from its statuses; `null` if none is `success`. */
export function firstSuccessAt(
  statuses: DeploymentStatusRecord[],
): Date | null {
  let first: Date | null = null;
  for (const status of statuses) {
    if (status.state === 'success' && (!first || status.createdAt < first)) {
      first = status.createdAt;
    }
  }
  return first;
}

/** The earlier of two success times, either of which may be unknown. */
export function earlierSuccess(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) {
    return a ?? b;
  }
  return a <= b ? a : b;
}

/** The newest of a deployment's statuses (GitHub lists them newest first; this does not rely on it). */
export function latestDeploymentStatus(
  statuses: DeploymentStatusRecord[],
): DeploymentStatusRecord | undefined {
  let latest: DeploymentStatusRecord | undefined;
  for (const status of statuses) {
    if (
      !latest ||
      status.createdAt > latest.createdAt ||
      (status.createdAt.getTime() === latest.createdAt.getTime() &&
        status.id > latest.id)
    ) {
      latest = status;
    }
  }
  return latest;
}

// ---------------------------------------------------------------------------------------------
// Repositories

const repositorySchema = z.object({
  id: githubId,
  full_name: z.string(),
  default_branch: z.string(),
  html_url: z.string().nullish(),
});

export interface RepositoryRecord {
  githubId: number;
  fullName: string;
  defaultBranch: string;
  htmlUrl: string | null;
}

/** A `full-repository`, or the `repository` of a webhook. */
export function parseRepository(value: unknown): RepositoryRecord {
  const repo = parse(repositorySchema, 'repository', value);
  return {
    githubId: repo.id,
    fullName: repo.full_name,
    defaultBranch: repo.default_branch,
    htmlUrl: repo.html_url ?? null,
  };
}
