import { mockServices } from '@backstage/backend-test-utils';
import { GitHubSimulator } from '@internal/github-simulator';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { realTimeFrom, SIM_START, TEST_TOKEN } from './__testUtils__/harness';
import { GithubHostClient, HostPausedError } from './GithubClient';

jest.setTimeout(30_000);

describe('GithubHostClient', () => {
  let sim: GitHubSimulator;
  const repo = { owner: 'acme', name: 'web' };
  const params = { owner: 'acme', repo: 'web' };

  function client(
    options: { rateLimitReserve?: number; retries?: number } = {},
  ) {
    return new GithubHostClient(
      'github.com',
      sim.url,
      async () => ({ Authorization: `Bearer ${TEST_TOKEN}` }),
      {
        maxConcurrentRequestsPerHost: 2,
        rateLimitReserve: options.rateLimitReserve ?? 0,
        retryBaseMs: 1,
        retries: options.retries,
        maxPauseWaitMs: 5_000,
        clock: { now: () => new Date(sim.clock.now()) },
      },
      mockServices.logger.mock(),
    );
  }

  beforeEach(async () => {
    sim = await GitHubSimulator.start({
      repositories: ['acme/web'],
      pullsPerRepo: 5,
      runsPerRepo: 5,
      now: realTimeFrom(SIM_START),
      tokens: [TEST_TOKEN],
      rateLimit: { limit: 10, windowSeconds: 3600 },
    });
  });

  afterEach(() => sim.stop());

  it('makes conditional requests that cost nothing when unchanged', async () => {
    const github = client();
    const first = await github.get('/repos/{owner}/{repo}', params, { repo });
    expect(first.modified).toBe(true);
    const etag = first.modified ? first.etag : null;
    expect(etag).toEqual(expect.any(String));
    const quota = sim.stats().quotaUsed;
    expect(
      await github.get('/repos/{owner}/{repo}', params, { repo, etag }),
    ).toEqual({
      modified: false,
    });
    expect(sim.stats().quotaUsed).toBe(quota);
    expect(github.stats).toEqual({ requests: 2, notModified: 1 });
    expect(github.snapshot()).toMatchObject({ limit: 10, remaining: 9 });
  });

  it('pauses the host once the reserve is reached, until the reset, without asking again', async () => {
    const github = client({ rateLimitReserve: 0.5 });
    for (let i = 0; i < 6; i++) {
      await github.get(
        '/repos/{owner}/{repo}/pulls',
        { ...params, page: i + 1 },
        { repo },
      );
    }
    const pausedUntil = github.pausedUntil();
    expect(pausedUntil).not.toBeNull();
    expect(pausedUntil!.getTime()).toBeGreaterThan(sim.clock.now() + 3_000_000);
    const sent = sim.stats().totalRequests;
    await expect(
      github.get('/repos/{owner}/{repo}', params, { repo }),
    ).rejects.toThrow(HostPausedError);
    expect(sim.stats().totalRequests).toBe(sent);

    sim.clock.advance(3601_000);
    expect(github.pausedUntil()).toBeNull();
    expect(
      (await github.get('/repos/{owner}/{repo}', params, { repo })).modified,
    ).toBe(true);
  });

  it('stops at an exhausted primary limit with the reset time', async () => {
    const github = client({ rateLimitReserve: 0 });
    for (let i = 0; i < 10; i++) {
      await github.get(
        '/repos/{owner}/{repo}/pulls',
        { ...params, page: i + 1 },
        { repo },
      );
    }
    const error = await github
      .get('/repos/{owner}/{repo}', params, { repo })
      .catch(e => e);
    expect(error).toBeInstanceOf(HostPausedError);
    expect(error.pausedUntil.getTime()).toBe(
      github.snapshot().resetAt!.getTime(),
    );
    expect(sim.stats().primaryRateLimited).toBe(1);
  });

  it.each([429, 403] as const)(
    'honours retry-after on %s secondary rate limits, then succeeds',
    async status => {
      const github = client();
      sim.triggerSecondaryRateLimit({ count: 1, status, retryAfterSeconds: 1 });
      const started = Date.now();
      expect(
        (await github.get('/repos/{owner}/{repo}', params, { repo })).modified,
      ).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(sim.stats().secondaryRateLimited).toBe(1);
      expect(github.stats.requests).toBe(2);
    },
  );

  it('retries server errors and dropped connections', async () => {
    const github = client({ retries: 8 });
    sim.setFaults({ errorRate: 0.3, dropRate: 0.1 });
    for (let i = 0; i < 5; i++) {
      expect(
        (await github.get('/repos/{owner}/{repo}', params, { repo })).modified,
      ).toBe(true);
    }
    expect(
      sim.stats().injectedErrors + sim.stats().droppedConnections,
    ).toBeGreaterThan(0);
  });
});

describe('GithubHostClient reading response bodies', () => {
  const repo = { owner: 'acme', name: 'web' };
  const pulls = Array.from({ length: 200 }, (_, i) => ({
    number: i + 1,
    title: `Pull request ${i + 1}`,
  }));
  const body = JSON.stringify(pulls);
  let server: Server;
  let requests: number;
  /** How the first response goes wrong once its headers and half its body are out. */
  let firstResponse: 'broken off' | 'stalled';

  beforeEach(async () => {
    requests = 0;
    server = createServer((req, res) => {
      requests++;
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      if (requests > 1) {
        res.end(body);
        return;
      }
      res.write(body.slice(0, body.length / 2), () => {
        if (firstResponse === 'broken off') {
          res.socket?.destroy();
        }
      });
      // 'stalled': the rest never comes; the response ends when the client gives up.
      req.socket.on('close', () => res.destroy());
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(
    () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  function client(requestTimeoutMs = 30_000) {
    const { port } = server.address() as AddressInfo;
    return new GithubHostClient(
      'github.com',
      `http://127.0.0.1:${port}`,
      async () => undefined,
      {
        maxConcurrentRequestsPerHost: 2,
        rateLimitReserve: 0,
        retryBaseMs: 1,
        requestTimeoutMs,
      },
      mockServices.logger.mock(),
    );
  }

  it('retries a body that broke off instead of reading it as empty', async () => {
    firstResponse = 'broken off';
    const response = await client().get(
      '/repos/{owner}/{repo}/pulls',
      { owner: 'acme', repo: 'web' },
      { repo },
    );
    expect(response).toMatchObject({ modified: true, data: pulls });
    expect(requests).toBe(2);
  });

  it('retries a body that did not arrive within the request timeout', async () => {
    firstResponse = 'stalled';
    const response = await client(200).get(
      '/repos/{owner}/{repo}/pulls',
      { owner: 'acme', repo: 'web' },
      { repo },
    );
    expect(response).toMatchObject({ modified: true, data: pulls });
    expect(requests).toBe(2);
  });
});
