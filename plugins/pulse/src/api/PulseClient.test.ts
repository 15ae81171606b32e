import { ResponseError } from '@backstage/errors';
import { TrackedEntity } from '@internal/plugin-pulse-common';
import { PulseClient } from './PulseClient';

const baseUrl = 'http://backstage.test/api/pulse';

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
  refreshedAt: '2025-01-01T12:00:00.000Z',
};

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
