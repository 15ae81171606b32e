import { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  PullRequest,
  PullRequestPage,
  pulseSyncRequestPermission,
} from '@pulse-oss/plugin-pulse-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import {
  allowAllBut,
  createPermissionApi,
  findPermissionAnswer,
  FreshPermissionCache,
  PermissionProbes,
  PermissionQuestion,
} from '../../__testUtils__/permissions';
import { requestsMade } from '../../__testUtils__/requests';
import { PulseApi, pulseApiRef } from '../../api';
import { ACTIVE_SYNC_POLL_INTERVAL_MS, POLL_INTERVAL_MS } from '../../live';
import { EntityPullRequestsCard } from './EntityPullRequestsCard';
import { syncStatusFixture } from '../../__testUtils__/fixtures';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function createEntity(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

const trackedComponent = createEntity({
  [GITHUB_PROJECT_SLUG_ANNOTATION]: 'acme/payments-api',
});
const entityRef = {
  kind: 'Component',
  namespace: 'default',
  name: 'payments-api',
};
const mayRefresh: PermissionQuestion = {
  permission: pulseSyncRequestPermission,
  resourceRef: 'component:default/payments-api',
};

function pullRequest(overrides: Partial<PullRequest>): PullRequest {
  return {
    number: 1,
    title: 'A change',
    author: { login: 'octocat', avatarUrl: 'https://avatars.test/octocat' },
    draft: false,
    state: 'open',
    labels: [],
    additions: 10,
    deletions: 5,
    changedFiles: 2,
    createdAt: ago(3 * DAY),
    updatedAt: ago(2 * HOUR),
    firstReviewAt: null,
    mergedAt: null,
    closedAt: null,
    headSha: 'abc123',
    headRef: 'feature',
    baseRef: 'main',
    reviewDecision: 'review_required',
    ciState: 'pending',
    htmlUrl: 'https://github.com/acme/payments-api/pull/1',
    ...overrides,
  };
}

const idleStatus = syncStatusFixture({
  itemsSynced: 1234,
  lastSyncedAt: ago(2 * MINUTE),
});

// First pages carry the repository's sync status, so that the card needs one request.
const openPage: PullRequestPage = {
  version: 1,
  items: [
    pullRequest({
      number: 42,
      title: 'Add idempotency keys to refunds',
      author: { login: 'amelia', avatarUrl: 'https://avatars.test/amelia' },
      additions: 120,
      deletions: 30,
      changedFiles: 5,
      reviewDecision: 'approved',
      ciState: 'success',
      htmlUrl: 'https://github.com/acme/payments-api/pull/42',
    }),
    pullRequest({
      number: 41,
      title: 'Rewrite the ledger',
      author: { login: 'bo', avatarUrl: null },
      draft: true,
      additions: 1500,
      deletions: 700,
      createdAt: ago(20 * DAY),
      updatedAt: ago(10 * DAY),
      reviewDecision: 'changes_requested',
      ciState: 'failure',
      htmlUrl: 'https://github.com/acme/payments-api/pull/41',
    }),
    pullRequest({
      number: 40,
      title: 'Bump dependencies',
      additions: 3,
      deletions: 3,
      updatedAt: ago(3 * DAY),
      reviewDecision: 'review_required',
      ciState: 'pending',
      htmlUrl: 'https://github.com/acme/payments-api/pull/40',
    }),
  ],
  nextCursor: null,
  lastSyncedAt: ago(5 * MINUTE),
  sync: idleStatus,
};

const mergedPage: PullRequestPage = {
  version: 1,
  items: [
    pullRequest({
      number: 39,
      title: 'Retry webhooks with backoff',
      state: 'merged',
      createdAt: ago(4 * DAY),
      updatedAt: ago(2 * HOUR),
      mergedAt: ago(2 * HOUR),
      closedAt: ago(2 * HOUR),
      reviewDecision: 'approved',
      ciState: 'success',
      htmlUrl: 'https://github.com/acme/payments-api/pull/39',
    }),
  ],
  nextCursor: null,
  lastSyncedAt: ago(5 * MINUTE),
  sync: idleStatus,
};

async function responseError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: status === 404 ? 'NotFoundError' : 'Error', message },
        response: { statusCode: status },
      }),
      { status, headers: { 'Content-Type': 'application/json', ...headers } },
    ),
  );
}

function createPulseApi(overrides: Partial<PulseApi> = {}) {
  return {
    getPullRequests: jest.fn(
      async (_ref: unknown, query?: { state?: string }) =>
        query?.state === 'merged' ? mergedPage : openPage,
    ),
    getSyncStatus: jest.fn(async () => idleStatus),
    requestSync: jest.fn(async () => ({
      ...idleStatus,
      requestedAt: new Date().toISOString(),
    })),
    ...overrides,
  };
}

async function renderCard(
  pulseApi: Partial<PulseApi>,
  options: {
    entity?: Entity;
    staleAfterDays?: number;
    permissions?: ReturnType<typeof createPermissionApi>;
    probes?: PermissionQuestion[];
  } = {},
) {
  const permissions = options.permissions ?? createPermissionApi();
  return renderInTestApp(
    <FreshPermissionCache>
      <TestApiProvider
        apis={[
          [pulseApiRef, pulseApi],
          [permissionApiRef, permissions.api],
        ]}
      >
        <EntityProvider entity={options.entity ?? trackedComponent}>
          <EntityPullRequestsCard staleAfterDays={options.staleAfterDays} />
        </EntityProvider>
        <PermissionProbes questions={options.probes} />
      </TestApiProvider>
    </FreshPermissionCache>,
  );
}

describe('EntityPullRequestsCard', () => {
  it('shows progress while the pull requests load', async () => {
    const pulseApi = createPulseApi({
      getPullRequests: jest.fn(() => new Promise<PullRequestPage>(() => {})),
    });

    await renderCard(pulseApi);

    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    expect(screen.getByText('Pull requests')).toBeInTheDocument();
  });

  it('lists the open pull requests with their author, age, review, CI and size', async () => {
    const pulseApi = createPulseApi();

    await renderCard(pulseApi);

    const link = await screen.findByRole('link', {
      name: /^#42 Add idempotency keys to refunds/,
    });
    expect(link).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/pull/42',
    );
    expect(pulseApi.getPullRequests).toHaveBeenCalledWith(entityRef, {
      state: 'open',
      limit: 20,
    });
    expect(requestsMade(pulseApi)).toEqual(['getPullRequests']);

    const approved = within(screen.getByTestId('pull-request-42'));
    expect(approved.getByAltText('amelia')).toHaveAttribute(
      'src',
      'https://avatars.test/amelia',
    );
    expect(
      approved.getByText(/opened 3 days ago by amelia/),
    ).toBeInTheDocument();
    expect(approved.getByText('Approved')).toBeInTheDocument();
    expect(approved.getByText('Checks passed')).toBeInTheDocument();
    expect(
      approved.getByLabelText('Size M, 150 lines changed'),
    ).toHaveTextContent('M');
    expect(approved.queryByText('Draft')).not.toBeInTheDocument();

    const draft = within(screen.getByTestId('pull-request-41'));
    expect(draft.getByText('Draft')).toBeInTheDocument();
    expect(draft.getByText('Changes requested')).toBeInTheDocument();
    expect(draft.getByText('Checks failed')).toBeInTheDocument();
    expect(draft.getByLabelText(/^Size XL/)).toHaveTextContent('XL');
    // No avatar picture: the avatar falls back to the author's initials.
    expect(draft.queryByAltText('bo')).not.toBeInTheDocument();
    expect(draft.getByText('b')).toBeInTheDocument();

    const small = within(screen.getByTestId('pull-request-40'));
    expect(small.getByText('Review required')).toBeInTheDocument();
    expect(small.getByText('Checks running')).toBeInTheDocument();
    expect(small.getByLabelText(/^Size XS/)).toHaveTextContent('XS');
  });

  it('highlights pull requests idle for more than 7 days by default', async () => {
    await renderCard(createPulseApi());

    const stale = await screen.findByTestId('pull-request-41');
    expect(stale).toHaveAttribute('data-stale', 'true');
    expect(within(stale).getByText('Stale')).toBeInTheDocument();
    expect(
      within(stale).getByText(/no activity for 10 days/),
    ).toBeInTheDocument();
    expect(screen.getByTestId('pull-request-40')).toHaveAttribute(
      'data-stale',
      'false',
    );
    expect(screen.getAllByText('Stale')).toHaveLength(1);
  });

  it('uses the stale threshold it is given', async () => {
    await renderCard(createPulseApi(), { staleAfterDays: 2 });

    expect(await screen.findByTestId('pull-request-40')).toHaveAttribute(
      'data-stale',
      'true',
    );
    expect(screen.getByTestId('pull-request-42')).toHaveAttribute(
      'data-stale',
      'false',
    );
    expect(screen.getAllByText('Stale')).toHaveLength(2);
  });

  it('shows recently merged pull requests in their own tab', async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);
    await screen.findByText('#42 Add idempotency keys to refunds');

    fireEvent.click(screen.getByRole('tab', { name: 'Recently merged' }));

    const link = await screen.findByRole('link', {
      name: /^#39 Retry webhooks with backoff/,
    });
    expect(link).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/pull/39',
    );
    expect(
      screen.getByText(/by octocat, merged 2 hours ago/),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('#42 Add idempotency keys to refunds'),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('tab', { name: 'Recently merged' }),
    ).toHaveAttribute('aria-selected', 'true');
    expect(pulseApi.getPullRequests).toHaveBeenLastCalledWith(entityRef, {
      state: 'merged',
      limit: 20,
    });
    expect(requestsMade(pulseApi)).toEqual([
      'getPullRequests',
      'getPullRequests',
    ]);
    expect(
      screen.getByRole('link', { name: /Merged pull requests on GitHub/ }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-api/pulls?q=is%3Apr%20is%3Amerged',
    );
  });

  it('links to all open pull requests on GitHub', async () => {
    await renderCard(createPulseApi());

    expect(
      await screen.findByRole('link', { name: /Open pull requests on GitHub/ }),
    ).toHaveAttribute('href', 'https://github.com/acme/payments-api/pulls');
  });

  it('says so when there are no open pull requests', async () => {
    await renderCard(
      createPulseApi({
        getPullRequests: jest.fn(async () => ({
          version: 1,
          items: [],
          nextCursor: null,
          lastSyncedAt: ago(MINUTE),
        })),
      }),
    );

    expect(
      await screen.findByText('No open pull requests'),
    ).toBeInTheDocument();
  });

  it('shows when the data was last synced', async () => {
    await renderCard(createPulseApi());

    const freshness = await screen.findByText(/^synced/);
    expect(freshness).toHaveTextContent('synced 2 minutes ago');
    expect(within(freshness).getByText('2 minutes ago')).toHaveAttribute(
      'datetime',
      idleStatus.lastSyncedAt,
    );
  });

  it('shows the progress of the first sync', async () => {
    await renderCard(
      createPulseApi({
        getPullRequests: jest.fn(async () => ({
          version: 1,
          items: [],
          nextCursor: null,
          lastSyncedAt: null,
          sync: {
            ...idleStatus,
            state: 'backfilling' as const,
            progressPercent: 42,
            itemsSynced: 1234,
            lastSyncedAt: null,
          },
        })),
      }),
    );

    const progress = await screen.findByRole('progressbar', {
      name: 'Syncing from GitHub',
    });
    expect(progress).toHaveAttribute('aria-valuenow', '42');
    expect(
      screen.getByText('Syncing 42% · 1,234 items so far'),
    ).toBeInTheDocument();
    expect(screen.getByText('not synced yet')).toBeInTheDocument();
    expect(
      screen.getByText(/still importing the history of this repository/),
    ).toBeInTheDocument();
  });

  it('requests a sync and reloads on refresh', async () => {
    const pulseApi = createPulseApi();
    await renderCard(pulseApi);
    await screen.findByText('#42 Add idempotency keys to refunds');
    expect(requestsMade(pulseApi)).toEqual(['getPullRequests']);

    fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));

    await waitFor(() =>
      expect(pulseApi.getPullRequests).toHaveBeenCalledTimes(2),
    );
    expect(pulseApi.requestSync).toHaveBeenCalledWith(entityRef);
    // The status comes back with the pull requests: no request of its own.
    expect(requestsMade(pulseApi)).toEqual([
      'getPullRequests',
      'requestSync',
      'getPullRequests',
    ]);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('explains a refresh the user is not permitted to make', async () => {
    const error = await responseError(403, 'not allowed');
    const pulseApi = createPulseApi({
      requestSync: jest.fn(() => Promise.reject(error)),
    });
    await renderCard(pulseApi);
    await screen.findByText('#42 Add idempotency keys to refunds');

    fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'You do not have permission to sync this repository.',
    );
    expect(pulseApi.getPullRequests).toHaveBeenCalledTimes(1);
    // The list stays in place.
    expect(
      screen.getByText('#42 Add idempotency keys to refunds'),
    ).toBeInTheDocument();
  });

  it('says when to try again after refreshing too often', async () => {
    const error = await responseError(429, 'too many requests', {
      'Retry-After': '30',
    });
    await renderCard(
      createPulseApi({ requestSync: jest.fn(() => Promise.reject(error)) }),
    );
    await screen.findByText('#42 Add idempotency keys to refunds');

    fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'A sync of this repository was requested moments ago. Try again in 30 seconds.',
    );

    fireEvent.click(within(alert).getByRole('button', { name: 'Close' }));
    await waitFor(() =>
      expect(screen.queryByRole('alert')).not.toBeInTheDocument(),
    );
  });

  it('explains why an entity is not tracked when the backend answers 404', async () => {
    const error = await responseError(
      404,
      'component:default/payments-api is not tracked by Pulse',
    );
    await renderCard(
      createPulseApi({
        getPullRequests: jest.fn(() => Promise.reject(error)),
      }),
    );

    expect(await screen.findByText('Not tracked by Pulse')).toBeInTheDocument();
    expect(
      screen.getByText(
        'component:default/payments-api is not tracked by Pulse',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Refresh' }),
    ).not.toBeInTheDocument();
  });

  it('shows other failures in an error panel', async () => {
    const error = await responseError(500, 'database is unavailable');
    await renderCard(
      createPulseApi({ getPullRequests: jest.fn(() => Promise.reject(error)) }),
    );

    expect(
      await screen.findByText(/Request failed with 500/),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/database is unavailable/).length,
    ).toBeGreaterThan(0);
  });

  it('asks for the annotation when the entity does not have it', async () => {
    const pulseApi = createPulseApi();

    await renderCard(pulseApi, { entity: createEntity() });

    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(
      screen.getAllByText(GITHUB_PROJECT_SLUG_ANNOTATION, { exact: false })
        .length,
    ).toBeGreaterThan(0);
    expect(requestsMade(pulseApi)).toEqual([]);
  });

  it('paints from one request: the pull requests carry the sync status', async () => {
    const pulseApi = createPulseApi({
      getPullRequests: jest.fn(async () => ({
        ...openPage,
        sync: {
          ...idleStatus,
          state: 'error' as const,
          lastError: { message: 'Bad credentials', at: ago(MINUTE) },
        },
      })),
    });

    await renderCard(pulseApi);

    expect(await screen.findByText(/^synced/)).toHaveTextContent(
      'synced 2 minutes ago · last sync failed: Bad credentials',
    );
    expect(
      screen.getByRole('link', { name: /Open pull requests on GitHub/ }),
    ).toBeInTheDocument();
    expect(requestsMade(pulseApi)).toEqual(['getPullRequests']);
    expect(pulseApi.getSyncStatus).not.toHaveBeenCalled();
  });

  it('offers a refresh when the user may sync the entity, and asks about this entity', async () => {
    const permissions = createPermissionApi();
    await renderCard(createPulseApi(), { permissions });

    expect(
      await screen.findByRole('button', { name: 'Refresh' }),
    ).toBeEnabled();
    expect(permissions.authorize).toHaveBeenCalledWith(mayRefresh);
  });

  it('offers no refresh when the user may not sync the entity', async () => {
    const permissions = createPermissionApi(
      allowAllBut(pulseSyncRequestPermission),
    );
    const pulseApi = createPulseApi();
    await renderCard(pulseApi, { permissions, probes: [mayRefresh] });

    await screen.findByText('#42 Add idempotency keys to refunds');
    await findPermissionAnswer(mayRefresh);
    expect(permissions.authorize).toHaveBeenCalledWith(mayRefresh);
    expect(
      screen.queryByRole('button', { name: 'Refresh' }),
    ).not.toBeInTheDocument();
    expect(screen.getByText(/^synced/)).toBeInTheDocument();
    expect(pulseApi.requestSync).not.toHaveBeenCalled();
  });

  describe('polling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('reloads faster while a sync runs, with no sync status request of its own', async () => {
      const running = {
        ...openPage,
        sync: {
          ...idleStatus,
          state: 'syncing' as const,
        },
      };
      const getPullRequests = jest
        .fn()
        .mockResolvedValueOnce(running)
        .mockResolvedValue(openPage);
      const pulseApi = createPulseApi({ getPullRequests });
      await renderCard(pulseApi);
      await screen.findByText('#42 Add idempotency keys to refunds');
      expect(getPullRequests).toHaveBeenCalledTimes(1);

      // Syncing: the next reload comes after the short interval.
      await act(async () => {
        jest.advanceTimersByTime(ACTIVE_SYNC_POLL_INTERVAL_MS);
      });
      await waitFor(() => expect(getPullRequests).toHaveBeenCalledTimes(2));

      // Idle again: nothing within the short interval, one reload within the long one.
      await act(async () => {
        jest.advanceTimersByTime(ACTIVE_SYNC_POLL_INTERVAL_MS);
      });
      expect(getPullRequests).toHaveBeenCalledTimes(2);
      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS);
      });
      expect(getPullRequests).toHaveBeenCalledTimes(3);
      expect(pulseApi.getSyncStatus).not.toHaveBeenCalled();
    });

    it('reloads at the long interval between syncs', async () => {
      const pulseApi = createPulseApi();
      await renderCard(pulseApi);
      await screen.findByText('#42 Add idempotency keys to refunds');

      await act(async () => {
        jest.advanceTimersByTime(POLL_INTERVAL_MS - 1_000);
      });
      expect(pulseApi.getPullRequests).toHaveBeenCalledTimes(1);
      await act(async () => {
        jest.advanceTimersByTime(1_000);
      });
      expect(requestsMade(pulseApi)).toEqual([
        'getPullRequests',
        'getPullRequests',
      ]);
    });
  });
});
