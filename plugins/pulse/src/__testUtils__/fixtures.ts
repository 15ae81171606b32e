import {
  EntityOnCall,
  PullRequest,
  SyncStatus,
  TrackedEntity,
  WorkflowRun,
} from '@pulse-oss/plugin-pulse-common';
import type { PulseApi } from '../api';

const daysAgo = (days: number) =>
  new Date(Date.now() - days * 24 * 60 * 60 * 1000).toISOString();

/** payments-api as Pulse tracks it: linked to `acme/payments-api` on github.com, valid. */
export function trackedEntityFixture(
  overrides: Partial<TrackedEntity> = {},
): TrackedEntity {
  return {
    entityRef: 'component:default/payments-api',
    kind: 'component',
    namespace: 'default',
    name: 'payments-api',
    repository: {
      slug: 'acme/payments-api',
      owner: 'acme',
      name: 'payments-api',
      host: 'github.com',
      htmlUrl: 'https://github.com/acme/payments-api',
    },
    valid: true,
    problems: [],
    refreshedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** The sync of `acme/payments-api`, idle after a completed sync. */
export function syncStatusFixture(
  overrides: Partial<SyncStatus> = {},
): SyncStatus {
  return {
    version: 1,
    repository: 'acme/payments-api',
    host: 'github.com',
    state: 'idle',
    progressPercent: 100,
    itemsSynced: 2,
    lastError: null,
    pausedUntil: null,
    requestedAt: null,
    lastSyncedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** An open pull request of `acme/payments-api` waiting for review, its CI green. */
export function pullRequestFixture(
  overrides: Partial<PullRequest> = {},
): PullRequest {
  return {
    number: 7,
    title: 'Tidy up the refund flow',
    author: { login: 'amelia', avatarUrl: null },
    draft: false,
    state: 'open',
    labels: [],
    additions: 20,
    deletions: 4,
    changedFiles: 3,
    createdAt: daysAgo(4),
    updatedAt: daysAgo(3),
    firstReviewAt: null,
    mergedAt: null,
    closedAt: null,
    headSha: 'abc',
    headRef: 'tidy',
    baseRef: 'main',
    reviewDecision: 'review_required',
    ciState: 'success',
    htmlUrl: 'https://github.com/acme/payments-api/pull/7',
    ...overrides,
  };
}

/** A successful run of the "Build and test" workflow on main, a couple of hours ago. */
export function workflowRunFixture(
  overrides: Partial<WorkflowRun> = {},
): WorkflowRun {
  return {
    id: 99,
    workflowId: 1,
    workflowName: 'Build and test',
    name: 'Build and test',
    branch: 'main',
    event: 'push',
    status: 'completed',
    conclusion: 'success',
    runAttempt: 1,
    headSha: 'abc',
    startedAt: daysAgo(0.1),
    completedAt: daysAgo(0.09),
    durationSeconds: 300,
    htmlUrl: 'https://github.com/acme/payments-api/actions/runs/99',
    ...overrides,
  };
}

/** On-call for payments-api: nobody on call, no policy problem, no open incidents. */
export function entityOnCallFixture(
  overrides: Partial<EntityOnCall> = {},
): EntityOnCall {
  return {
    version: 1,
    entityRef: 'component:default/payments-api',
    policy: null,
    problem: null,
    now: { userRef: null, until: null, scheduleId: null },
    next: null,
    openIncidents: [],
    ...overrides,
  };
}

/**
 * The Pulse API as the cards of payments-api read it: tracked, synced, one open pull request
 * ({@link pullRequestFixture}), one workflow with one run ({@link workflowRunFixture}), no activity.
 */
export function pulseApiFixture(): Partial<PulseApi> {
  const syncStatus = syncStatusFixture();
  const pullRequest = pullRequestFixture();
  const workflowRun = workflowRunFixture();
  return {
    getTrackedEntity: async () => trackedEntityFixture(),
    getSyncStatus: async () => syncStatus,
    requestSync: async () => syncStatus,
    getPullRequests: async () => ({
      version: 1,
      items: [pullRequest],
      nextCursor: null,
      lastSyncedAt: syncStatus.lastSyncedAt,
      sync: syncStatus,
    }),
    getWorkflowSummary: async () => ({
      version: 1,
      defaultBranch: 'main',
      items: [
        {
          workflowId: 1,
          workflowName: 'Build and test',
          latestRun: workflowRun,
          successRate: 1,
          medianDurationSeconds: 300,
          sampleSize: 1,
        },
      ],
      lastSyncedAt: syncStatus.lastSyncedAt,
      sync: syncStatus,
      recentRuns: {
        version: 1,
        items: [workflowRun],
        nextCursor: null,
        lastSyncedAt: syncStatus.lastSyncedAt,
      },
    }),
    getEntityOnCall: async () => entityOnCallFixture(),
    getActivity: async () => ({ items: [], nextCursor: null, version: 0 }),
  };
}
