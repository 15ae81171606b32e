import { ResponseError } from '@backstage/errors';
import { trackedEntityFixture } from '../__testUtils__/fixtures';
import { PulseClient } from './PulseClient';

const baseUrl = 'http://backstage.test/api/pulse';

const trackedEntity = trackedEntityFixture({
  refreshedAt: '2025-01-01T12:00:00.000Z',
});

function jsonResponse(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function createClient(response: Response) {
  const fetch = jest.fn(async (_input: RequestInfo | URL) => response);
  const getBaseUrl = jest.fn(async (_pluginId: string) => baseUrl);
  const client = new PulseClient({
    discoveryApi: { getBaseUrl },
    fetchApi: { fetch },
  });
  return { client, fetch, getBaseUrl };
}

describe('PulseClient', () => {
  it('fetches a tracked entity from the pulse backend', async () => {
    const { client, fetch, getBaseUrl } = createClient(
      jsonResponse(200, trackedEntity),
    );

    await expect(
      client.getTrackedEntity({
        kind: 'component',
        namespace: 'default',
        name: 'payments-api',
      }),
    ).resolves.toEqual(trackedEntity);

    expect(getBaseUrl).toHaveBeenCalledWith('pulse');
    expect(fetch).toHaveBeenCalledWith(
      `${baseUrl}/v1/entities/component/default/payments-api`,
    );
  });

  it('encodes each segment of the entity ref separately', async () => {
    const { client, fetch } = createClient(jsonResponse(200, trackedEntity));

    await client.getTrackedEntity({
      kind: 'Component',
      namespace: 'team a/b',
      name: 'svc?x=1#frag%',
    });

    expect(fetch).toHaveBeenCalledWith(
      `${baseUrl}/v1/entities/Component/team%20a%2Fb/svc%3Fx%3D1%23frag%25`,
    );
  });

  it('lists tracked entities', async () => {
    const { client, fetch } = createClient(
      jsonResponse(200, { items: [trackedEntity] }),
    );

    await expect(client.listTrackedEntities()).resolves.toEqual({
      items: [trackedEntity],
    });
    expect(fetch).toHaveBeenCalledWith(`${baseUrl}/v1/entities`);
  });

  it('turns a Backstage error body into a ResponseError', async () => {
    const { client } = createClient(
      jsonResponse(404, {
        error: {
          name: 'NotFoundError',
          message: 'component:default/ghost is not tracked by Pulse',
        },
        response: { statusCode: 404 },
      }),
    );

    const error = await client
      .getTrackedEntity({ kind: 'component', namespace: 'default', name: 'x' })
      .catch(e => e);

    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(404);
    expect(error.cause.name).toBe('NotFoundError');
    expect(error.cause.message).toBe(
      'component:default/ghost is not tracked by Pulse',
    );
  });

  it('rejects with a ResponseError when the body is not JSON', async () => {
    const { client } = createClient(
      new Response('upstream unavailable', {
        status: 502,
        statusText: 'Bad Gateway',
      }),
    );

    const error = await client.listTrackedEntities().catch(e => e);

    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(502);
    expect(error.cause.message).toContain('upstream unavailable');
  });
});

describe('PulseClient GitHub data', () => {
  const ref = { kind: 'component', namespace: 'default', name: 'payments-api' };
  const entityUrl = `${baseUrl}/v1/entities/component/default/payments-api`;
  const page = { items: [], nextCursor: null, lastSyncedAt: null, version: 3 };
  const syncStatus = {
    version: 2,
    repository: 'acme/payments-api',
    host: 'github.com',
    state: 'idle',
    progressPercent: 100,
    itemsSynced: 42,
    lastError: null,
    pausedUntil: null,
    requestedAt: null,
    lastSyncedAt: '2025-01-01T12:00:00.000Z',
  };

  it('fetches pull requests without a query string when no filter is given', async () => {
    const { client, fetch } = createClient(jsonResponse(200, page));

    await expect(client.getPullRequests(ref)).resolves.toEqual(page);
    expect(fetch).toHaveBeenCalledWith(`${entityUrl}/pull-requests`);
  });

  it('encodes the pull request query', async () => {
    const { client, fetch } = createClient(jsonResponse(200, page));

    await client.getPullRequests(ref, {
      state: 'merged',
      limit: 20,
      cursor: 'abc/+=&x',
    });

    expect(fetch).toHaveBeenCalledWith(
      `${entityUrl}/pull-requests?state=merged&limit=20&cursor=abc%2F%2B%3D%26x`,
    );
  });

  it('encodes the workflow run query and leaves out empty filters', async () => {
    const { client, fetch } = createClient(jsonResponse(200, page));
    fetch.mockImplementation(async () => jsonResponse(200, page));

    await client.getWorkflowRuns(ref, {
      branch: 'feature/a b&c',
      workflow: 7,
      status: 'completed',
      limit: 10,
      cursor: undefined,
    });
    await client.getWorkflowRuns(ref, { branch: '' });

    expect(fetch).toHaveBeenNthCalledWith(
      1,
      `${entityUrl}/workflow-runs?branch=feature%2Fa+b%26c&workflow=7&status=completed&limit=10`,
    );
    expect(fetch).toHaveBeenNthCalledWith(2, `${entityUrl}/workflow-runs`);
  });

  it('fetches the workflow summary', async () => {
    const summary = {
      defaultBranch: 'main',
      items: [],
      lastSyncedAt: null,
      version: 5,
    };
    const { client, fetch } = createClient(jsonResponse(200, summary));

    await expect(client.getWorkflowSummary(ref)).resolves.toEqual(summary);
    expect(fetch).toHaveBeenCalledWith(`${entityUrl}/workflow-summary`);
  });

  it('asks the workflow summary for a number of recent runs, 0 for none', async () => {
    const summary = {
      defaultBranch: 'main',
      items: [],
      lastSyncedAt: null,
      version: 5,
    };
    const { client, fetch } = createClient(jsonResponse(200, summary));
    fetch.mockImplementation(async () => jsonResponse(200, summary));

    await client.getWorkflowSummary(ref, { recentRuns: 20 });
    await client.getWorkflowSummary(ref, { recentRuns: 0 });

    expect(fetch).toHaveBeenNthCalledWith(
      1,
      `${entityUrl}/workflow-summary?recentRuns=20`,
    );
    expect(fetch).toHaveBeenNthCalledWith(
      2,
      `${entityUrl}/workflow-summary?recentRuns=0`,
    );
  });

  it('fetches the sync status', async () => {
    const { client, fetch } = createClient(jsonResponse(200, syncStatus));

    await expect(client.getSyncStatus(ref)).resolves.toEqual(syncStatus);
    expect(fetch).toHaveBeenCalledWith(`${entityUrl}/sync`);
  });

  it('requests a sync with a POST and returns the queued status', async () => {
    const queued = { ...syncStatus, requestedAt: '2025-01-01T12:05:00.000Z' };
    const { client, fetch } = createClient(jsonResponse(202, queued));

    await expect(client.requestSync(ref)).resolves.toEqual(queued);
    expect(fetch).toHaveBeenCalledWith(`${entityUrl}/sync`, {
      method: 'POST',
    });
  });

  it('keeps the retry-after header of a rate-limited sync request', async () => {
    const { client } = createClient(
      new Response(
        JSON.stringify({
          error: { name: 'Error', message: 'Too many sync requests' },
          response: { statusCode: 429 },
        }),
        {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '42' },
        },
      ),
    );

    const error = await client.requestSync(ref).catch(e => e);

    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(429);
    expect(error.response.headers.get('retry-after')).toBe('42');
  });
});

describe('PulseClient live data', () => {
  const ref = { kind: 'component', namespace: 'default', name: 'payments-api' };
  const entityUrl = `${baseUrl}/v1/entities/component/default/payments-api`;

  it("fetches an entity's versions", async () => {
    const versions = {
      entityRef: 'component:default/payments-api',
      versions: { 'pull-requests': 4, activity: 9 },
    };
    const { client, fetch } = createClient(jsonResponse(200, versions));

    await expect(client.getEntityVersions(ref)).resolves.toEqual(versions);
    expect(fetch).toHaveBeenCalledWith(`${entityUrl}/versions`);
  });

  it("fetches a schedule's versions, encoding its id", async () => {
    const versions = {
      scheduleId: 'payments/primary',
      versions: { oncall: 2 },
    };
    const { client, fetch } = createClient(jsonResponse(200, versions));

    await expect(
      client.getScheduleVersions('payments/primary'),
    ).resolves.toEqual(versions);
    expect(fetch).toHaveBeenCalledWith(
      `${baseUrl}/v1/schedules/payments%2Fprimary/versions`,
    );
  });

  it('fetches a page of activity, older than a cursor', async () => {
    const page = { items: [], nextCursor: null, version: 3 };
    const { client, fetch } = createClient(jsonResponse(200, page));
    fetch.mockImplementation(async () => jsonResponse(200, page));

    await expect(client.getActivity(ref)).resolves.toEqual(page);
    await client.getActivity(ref, { before: 'b3_x-Y', limit: 25 });

    expect(fetch).toHaveBeenNthCalledWith(1, `${entityUrl}/activity`);
    expect(fetch).toHaveBeenNthCalledWith(
      2,
      `${entityUrl}/activity?before=b3_x-Y&limit=25`,
    );
  });
});
