/*
 * The GitHub domain's wire format: the REST responses and domain event payloads of
 * `@pulse-oss/plugin-pulse-common`, made from the records the stores return.
 */
import { PullRequest, WorkflowRun } from '@pulse-oss/plugin-pulse-common';
import { PullRequestRecord, WorkflowRunRecord } from './githubRecords';
import { PullDerived, StoredPullRequest } from './store';
import { runDurationSeconds } from './workflowSummary';

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** The REST and event shape of a stored pull request. */
export function toApiPullRequest(
  pull: PullRequestRecord,
  derived: PullDerived,
): PullRequest {
  return {
    number: pull.number,
    title: pull.title,
    author: { login: pull.authorLogin, avatarUrl: pull.authorAvatarUrl },
    draft: pull.draft,
    state: pull.state,
    labels: pull.labels,
    additions: pull.additions,
    deletions: pull.deletions,
    changedFiles: pull.changedFiles,
    createdAt: pull.createdAt.toISOString(),
    updatedAt: pull.updatedAt.toISOString(),
    firstReviewAt: iso(derived.firstReviewAt),
    mergedAt: iso(pull.mergedAt),
    closedAt: iso(pull.closedAt),
    headSha: pull.headSha,
    headRef: pull.headRef,
    baseRef: pull.baseRef,
    reviewDecision: derived.reviewDecision,
    ciState: derived.ciState,
    htmlUrl: pull.htmlUrl,
  };
}

/** The REST and event shape of a pull request as the store returns it. */
export function toApiStoredPullRequest(stored: StoredPullRequest): PullRequest {
  return toApiPullRequest(stored.record, stored.derived);
}

/** The REST and event shape of a stored workflow run. */
export function toApiWorkflowRun(run: WorkflowRunRecord): WorkflowRun {
  return {
    id: run.id,
    workflowId: run.workflowId,
    workflowName: run.workflowName,
    name: run.name,
    branch: run.branch,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    runAttempt: run.runAttempt,
    headSha: run.headSha,
    startedAt: iso(run.startedAt),
    completedAt: iso(run.completedAt),
    durationSeconds: runDurationSeconds(run.startedAt, run.completedAt),
    htmlUrl: run.htmlUrl,
  };
}

/** The event payload of a deployment change (deployments have no REST endpoint yet). */
export interface DeploymentEventPayload {
  id: number;
  environment: string;
  sha: string;
  ref: string;
  state: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The domain event types this domain publishes. */
export const GITHUB_EVENT_TYPES = {
  pullRequestUpdated: 'github.pull_request.updated',
  workflowRunUpdated: 'github.workflow_run.updated',
  deploymentUpdated: 'github.deployment.updated',
  syncProgress: 'github.sync.progress',
} as const;
