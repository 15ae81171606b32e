import { mockApis, renderTestApp } from '@backstage/frontend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  PullRequest,
  PulseApi,
  pulseApiRef,
  SyncStatus,
  TrackedEntity,
  WorkflowRun,
} from '@pulse-oss/plugin-pulse';
import pulsePlugin from '@pulse-oss/plugin-pulse/alpha';
import { screen } from '@testing-library/react';

// The first render compiles the catalog plugin's and Pulse's lazily loaded pages and cards, which
// takes longer than Jest's default 5 s on a busy machine.
jest.setTimeout(30_000);

function component(name: string, annotations: Record<string, string>) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

const tracked = component('payments-api', {
  [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api',
});
const untracked = component('legacy-batch', {});

const trackedEntity: TrackedEntity = {
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
};

const idleSync: SyncStatus = {
  repository: 'acme/payments-api',
  host: 'github.com',
  state: 'idle',
  progressPercent: 100,
  itemsSynced: 2,
  lastError: null,
  pausedUntil: null,
  requestedAt: null,
  lastSyncedAt: new Date().toISOString(),
  version: 1,
};

function renderEntityPage(path: string, pulseApi: Partial<PulseApi>) {
  return renderTestApp({
    features: [catalogPlugin, pulsePlugin],
    initialRouteEntries: [path],
    apis: [
      [catalogApiRef, catalogApiMock({ entities: [tracked, untracked] })],
      [pulseApiRef, pulseApi],
      mockApis.permission(),
    ],
  });
}

describe('entity page', () => {
  it('shows the Pulse card on the overview of a tracked component', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderEntityPage('/catalog/default/component/payments-api', {
      getTrackedEntity,
      getSyncStatus: async () => idleSync,
    });

    // The first render compiles the catalog plugin's lazily loaded pages.
    expect(
      await screen.findByRole(
        'link',
        { name: /^acme\/payments-api/ },
        { timeout: 20_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Pulse' })).toBeInTheDocument();
    expect(await screen.findByText(/^Synced/)).toBeInTheDocument();
  });

  it('has no Pulse card on a component without the annotation', async () => {
    const getTrackedEntity = jest.fn(async () => trackedEntity);

    renderEntityPage('/catalog/default/component/legacy-batch', {
      getTrackedEntity,
    });

    expect(
      await screen.findByText('About', undefined, { timeout: 20_000 }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('link', { name: /^acme\/payments-api/ }),
    ).not.toBeInTheDocument();
    expect(getTrackedEntity).not.toHaveBeenCalled();
  });
});

describe('entity page GitHub cards', () => {
  const lastSyncedAt = new Date(Date.now() - 2 * 60 * 1000).toISOString();

  const pullRequest: PullRequest = {
    number: 128,
    title: 'Reconcile settlements nightly',
    author: { login: 'amelia-chen', avatarUrl: null },
    draft: false,
    state: 'open',
    labels: [],
    additions: 80,
    deletions: 12,
    changedFiles: 4,
    createdAt: lastSyncedAt,
    updatedAt: lastSyncedAt,
    firstReviewAt: null,
    mergedAt: null,
    closedAt: null,
    headSha: 'f00d',
    headRef: 'settlements',
    baseRef: 'main',
    reviewDecision: 'approved',
    ciState: 'success',
    htmlUrl: 'https://github.com/acme/payments-api/pull/128',
  };

  const workflowRun: WorkflowRun = {
    id: 5150,
    workflowId: 3,
    workflowName: 'Release',
    name: 'Release',
    branch: 'main',
    event: 'push',
    status: 'completed',
    conclusion: 'success',
    runAttempt: 1,
    headSha: 'f00d',
    startedAt: lastSyncedAt,
    completedAt: lastSyncedAt,
    durationSeconds: 95,
    htmlUrl: 'https://github.com/acme/payments-api/actions/runs/5150',
  };

  const syncStatus: SyncStatus = {
    repository: 'acme/payments-api',
    host: 'github.com',
    state: 'idle',
    progressPercent: 100,
    itemsSynced: 2,
    lastError: null,
    pausedUntil: null,
    requestedAt: null,
    lastSyncedAt,
    version: 1,
  };

  const pulseApi: Partial<PulseApi> = {
    getTrackedEntity: async () => trackedEntity,
    getPullRequests: async () => ({
      items: [pullRequest],
      nextCursor: null,
      lastSyncedAt,
      sync: syncStatus,
      version: 1,
    }),
    getWorkflowSummary: async () => ({
      defaultBranch: 'main',
      items: [
        {
          workflowId: 3,
          workflowName: 'Release',
          latestRun: workflowRun,
          successRate: 1,
          medianDurationSeconds: 95,
          sampleSize: 1,
        },
      ],
      lastSyncedAt,
      sync: syncStatus,
      recentRuns: {
        items: [workflowRun],
        nextCursor: null,
        lastSyncedAt,
        version: 1,
      },
      version: 1,
    }),
    getWorkflowRuns: async () => ({
      items: [workflowRun],
      nextCursor: null,
      lastSyncedAt,
      version: 1,
    }),
    requestSync: async () => syncStatus,
  };

  it('shows the pull requests and workflow runs of a tracked component', async () => {
    renderEntityPage('/catalog/default/component/payments-api', pulseApi);

    expect(
      await screen.findByRole(
        'link',
        { name: /^#128 Reconcile settlements nightly/ },
        { timeout: 20_000 },
      ),
    ).toHaveAttribute('href', 'https://github.com/acme/payments-api/pull/128');
    const runLinks = await screen.findAllByRole(
      'link',
      { name: /^Release/ },
      { timeout: 20_000 },
    );
    expect(runLinks[0]).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/actions/runs/5150',
    );
    // The cards' titles (the overview card has a "Pull requests" line too).
    const cardTitle = '[class*="MuiCardHeader-title"]';
    expect(
      screen.getByText('Pull requests', { selector: cardTitle }),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Workflow runs', { selector: cardTitle }),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/^synced/).length).toBeGreaterThanOrEqual(2);
    // Both cards offer a refresh: the permission API allows everything.
    expect(
      await screen.findAllByRole('button', { name: 'Refresh' }),
    ).toHaveLength(2);
  });

  it('has no GitHub cards on a component without the annotation', async () => {
    const getPullRequests = jest.fn(pulseApi.getPullRequests);
    const getWorkflowRuns = jest.fn(pulseApi.getWorkflowRuns);

    renderEntityPage('/catalog/default/component/legacy-batch', {
      ...pulseApi,
      getPullRequests,
      getWorkflowRuns,
    });

    expect(
      await screen.findByText('About', undefined, { timeout: 20_000 }),
    ).toBeInTheDocument();
    expect(screen.queryByText('Pull requests')).not.toBeInTheDocument();
    expect(screen.queryByText('Workflow runs')).not.toBeInTheDocument();
    expect(getPullRequests).not.toHaveBeenCalled();
    expect(getWorkflowRuns).not.toHaveBeenCalled();
  });
});
