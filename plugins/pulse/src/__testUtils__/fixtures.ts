import { Entity } from '@backstage/catalog-model';
import {
  DeploymentEntry,
  EntityDeliveryMetrics,
  EntityDeployments,
  EntityOnCall,
  PullRequest,
  SyncStatus,
  TrackedEntity,
  GITHUB_PROJECT_SLUG_ANNOTATION,
  WorkflowRun,
} from '@pulse-oss/plugin-pulse-common';
import type { PulseApi } from '../api';

/** The catalog's payments-api: a service annotated with its repository `acme/payments-api`. */
export const paymentsApiEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    namespace: 'default',
    annotations: { [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

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

const HOUR_SECONDS = 3600;

/** A percentile set in hours. */
function hours(p50: number, p75: number, p90: number, sample: number) {
  return {
    sample,
    p50Seconds: p50 * HOUR_SECONDS,
    p75Seconds: p75 * HOUR_SECONDS,
    p90Seconds: p90 * HOUR_SECONDS,
  };
}

/** Delivery metrics of payments-api over 7 days: some keys banded, one without enough data. */
export function deliveryMetricsFixture(
  overrides: Partial<EntityDeliveryMetrics> = {},
): EntityDeliveryMetrics {
  const days = [
    '2026-11-24',
    '2026-11-25',
    '2026-11-26',
    '2026-11-27',
    '2026-11-28',
    '2026-11-29',
    '2026-11-30',
  ];
  const series = (values: Array<number | null>) =>
    days.map((day, index) => ({
      day,
      value: values[index],
      sample: values[index] === null ? 0 : 1,
    }));
  return {
    entityRef: 'component:default/payments-api',
    window: { days: 7, firstDay: days[0], lastDay: days[6], timeZone: 'UTC' },
    windows: [7, 30, 90],
    computedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    productionEnvironments: ['production', 'prod'],
    bands: { year: 2023, source: 'Accelerate State of DevOps Report 2023' },
    deploymentFrequency: {
      value: 9,
      sample: 9,
      minimumSample: 5,
      level: 'elite',
      series: series([1, 2, 1, 0, 3, 1, 1]),
      perDay: 9 / 7,
      medianDeploymentDaysPerWeek: 6,
    },
    leadTime: {
      value: 51 * HOUR_SECONDS,
      sample: 6,
      minimumSample: 5,
      level: 'high',
      series: series([
        null,
        40 * HOUR_SECONDS,
        null,
        51 * HOUR_SECONDS,
        null,
        null,
        60 * HOUR_SECONDS,
      ]),
      p90Seconds: 74 * HOUR_SECONDS,
      waiting: 1,
      baselined: 0,
      unmeasured: 0,
    },
    changeFailureRate: {
      value: 1 / 9,
      sample: 9,
      minimumSample: 5,
      level: 'medium',
      series: series([0, 0.5, 0, null, 0, 0, 0]),
      failed: 1,
    },
    timeToRestore: {
      value: 1800,
      sample: 2,
      minimumSample: 5,
      level: null,
      series: series([null, null, null, 7200, 1800, null, null]),
      p90Seconds: 7200,
      unresolved: 0,
      failedDeploymentRecovery: {
        sample: 1,
        p50Seconds: 3 * HOUR_SECONDS,
        p90Seconds: 3 * HOUR_SECONDS,
        unresolved: 0,
      },
    },
    pullRequestFlow: {
      merged: 6,
      phases: {
        coding: hours(2, 3, 5, 6),
        pickup: hours(3, 4, 6, 5),
        review: hours(15, 20, 26, 5),
        deploy: hours(25, 48, 48, 5),
      },
      sizes: { S: 3, M: 1, L: 1, XL: 1 },
      mergedWithoutApproval: 1,
      open: { count: 2, ages: hours(24, 30, 30, 2) },
      botPullRequests: 2,
    },
    ciHealth: {
      branch: 'main',
      workflows: [
        {
          workflowId: 1,
          workflowName: 'Build and test',
          branch: 'main',
          runs: 20,
          succeeded: 18,
          failed: 2,
          successRate: 0.9,
          durationP50Seconds: 300,
          durationP95Seconds: 540,
          queueP50Seconds: 20,
          queueP95Seconds: 90,
        },
      ],
      flaky: [
        {
          workflowId: 1,
          workflowName: 'Build and test',
          shas: ['c4f00d1234567890'],
        },
      ],
      defaultBranch: [
        {
          workflowId: 1,
          workflowName: 'Build and test',
          redSeconds: 3 * HOUR_SECONDS,
          redNow: false,
          redSince: null,
        },
      ],
    },
    version: 4,
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
    getDeliveryMetrics: async () => deliveryMetricsFixture(),
    getDeployments: async () => deploymentsFixture(),
    getMetricItems: async () => ({ items: [], nextCursor: null, version: 4 }),
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

export function deploymentEntryFixture(
  overrides: Partial<DeploymentEntry> = {},
): DeploymentEntry {
  return {
    id: '103',
    environment: 'production',
    production: true,
    sha: 'c4'.padEnd(40, '0'),
    ref: 'main',
    state: 'success',
    createdAt: '2026-11-28T11:50:00Z',
    statusAt: '2026-11-28T12:00:00Z',
    succeededAt: '2026-11-28T12:00:00Z',
    shipped: {
      baseline: false,
      failed: false,
      pullRequests: [
        {
          number: 4,
          title: 'Bump lodash',
          htmlUrl: 'https://github.com/acme/payments-api/pull/4',
        },
      ],
    },
    ...overrides,
  };
}

export function deploymentsFixture(
  overrides: Partial<EntityDeployments> = {},
): EntityDeployments {
  const production = deploymentEntryFixture();
  const failed = deploymentEntryFixture({
    id: '102',
    state: 'failure',
    createdAt: '2026-11-28T08:50:00Z',
    statusAt: '2026-11-28T09:00:00Z',
    succeededAt: null,
    shipped: null,
  });
  const earlier = deploymentEntryFixture({
    id: '101',
    sha: 'c3'.padEnd(40, '0'),
    state: 'inactive',
    createdAt: '2026-11-27T09:50:00Z',
    statusAt: '2026-11-28T12:00:00Z',
    succeededAt: '2026-11-27T10:00:00Z',
    shipped: {
      baseline: false,
      failed: true,
      pullRequests: [
        {
          number: 2,
          title: 'Faster checkout',
          htmlUrl: 'https://github.com/acme/payments-api/pull/2',
        },
        {
          number: 3,
          title: 'Refunds',
          htmlUrl: 'https://github.com/acme/payments-api/pull/3',
        },
      ],
    },
  });
  const staging = deploymentEntryFixture({
    id: '200',
    environment: 'staging',
    production: false,
    sha: 'c5'.padEnd(40, '0'),
    state: 'in_progress',
    createdAt: '2026-11-29T10:50:00Z',
    statusAt: '2026-11-29T10:55:00Z',
    succeededAt: null,
    shipped: null,
  });
  return {
    entityRef: 'component:default/payments-api',
    environments: [
      {
        environment: 'production',
        production: true,
        latest: production,
        lastSuccess: production,
      },
      {
        environment: 'staging',
        production: false,
        latest: staging,
        lastSuccess: null,
      },
    ],
    history: [staging, production, failed, earlier],
    nextCursor: null,
    version: 5,
    metricsVersion: 3,
    ...overrides,
  };
}
