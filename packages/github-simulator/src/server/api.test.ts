import request from 'supertest';
import { TEST_NOW, auth, startTestSimulator } from '../__testUtils__/simulator';
import { GitHubSimulator } from '../GitHubSimulator';
import { RepositoryState } from '../data/RepositoryState';

interface ParsedLink {
  url: string;
  page: number;
}

function parseLinks(header: string | undefined): Record<string, ParsedLink> {
  const links: Record<string, ParsedLink> = {};
  for (const part of header ? header.split(', ') : []) {
    const match = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (!match) {
      throw new Error(`Malformed link ${part}`);
    }
    links[match[2]] = {
      url: match[1],
      page: Number(new URL(match[1]).searchParams.get('page')),
    };
  }
  return links;
}

function relOrder(header: string | undefined): string[] {
  return [...(header ?? '').matchAll(/rel="(\w+)"/g)].map(match => match[1]);
}

describe('GitHub simulator API', () => {
  let simulator: GitHubSimulator;
  let web: RepositoryState;

  beforeAll(async () => {
    simulator = await startTestSimulator();
    web = simulator.store.repository('acme/web')!;
  });

  afterAll(async () => {
    await simulator.stop();
  });

  const get = (path: string, headers: Record<string, string> = auth) =>
    request(simulator.url).get(path).set(headers);

  describe('pagination', () => {
    it('builds GitHub Link headers for first, middle and last pages', async () => {
      const total = web.pulls.length;
      const lastPage = Math.ceil(total / 7);

      const first = await get('/repos/acme/web/pulls?state=all&per_page=7');
      expect(first.body).toHaveLength(7);
      expect(relOrder(first.headers.link)).toEqual(['next', 'last']);
      expect(parseLinks(first.headers.link)).toEqual({
        next: {
          url: `${simulator.url}/repositories/${web.repository.id}/pulls?state=all&per_page=7&page=2`,
          page: 2,
        },
        last: {
          url: `${simulator.url}/repositories/${web.repository.id}/pulls?state=all&per_page=7&page=${lastPage}`,
          page: lastPage,
        },
      });

      const middle = await get(
        '/repos/acme/web/pulls?state=all&page=3&per_page=7',
      );
      expect(relOrder(middle.headers.link)).toEqual([
        'prev',
        'next',
        'last',
        'first',
      ]);
      const middleLinks = parseLinks(middle.headers.link);
      expect(middleLinks.prev.url).toContain('?state=all&page=2&per_page=7');
      expect([
        middleLinks.prev.page,
        middleLinks.next.page,
        middleLinks.last.page,
        middleLinks.first.page,
      ]).toEqual([2, 4, lastPage, 1]);

      const last = await get(
        `/repos/acme/web/pulls?state=all&per_page=7&page=${lastPage}`,
      );
      expect(relOrder(last.headers.link)).toEqual(['prev', 'first']);
      expect(last.body).toHaveLength(total - 7 * (lastPage - 1));

      const beyond = await get(
        `/repos/acme/web/pulls?state=all&per_page=7&page=${lastPage + 3}`,
      );
      expect(beyond.body).toEqual([]);
    });

    it('following next links visits every item exactly once', async () => {
      const seen: number[] = [];
      let url:
        | string
        | undefined = `${simulator.url}/repos/acme/web/pulls?state=all&per_page=9`;
      while (url) {
        const response: request.Response = await request(url).get('').set(auth);
        expect(response.status).toBe(200);
        seen.push(
          ...response.body.map((pull: { number: number }) => pull.number),
        );
        url = parseLinks(response.headers.link).next?.url;
      }
      const expected = [...web.pulls]
        .sort((a, b) => b.createdAt - a.createdAt)
        .map(pull => pull.number);
      expect(seen).toEqual(expected);
    });

    it('defaults to 30 per page and caps per_page at 100', async () => {
      const defaults = await get('/repos/acme/web/actions/runs');
      expect(defaults.body.workflow_runs).toHaveLength(30);
      expect(defaults.body.total_count).toBe(web.runs.length);

      const capped = await get('/repos/acme/web/actions/runs?per_page=500');
      expect(capped.body.workflow_runs).toHaveLength(100);
      const links = parseLinks(capped.headers.link);
      expect(links.next.page).toBe(2);
      expect(links.last.page).toBe(Math.ceil(web.runs.length / 100));
    });

    it('keeps the /api/v3 prefix in links', async () => {
      const response = await get(
        '/api/v3/repos/acme/web/deployments?per_page=2',
      );
      expect(response.status).toBe(200);
      expect(parseLinks(response.headers.link).next.url).toMatch(
        new RegExp(
          `^${simulator.url}/api/v3/repositories/\\d+/deployments\\?per_page=2&page=2$`,
        ),
      );
    });

    it('has no Link header when everything fits on one page', async () => {
      const response = await get('/repos/acme/web/actions/workflows');
      expect(response.headers.link).toBeUndefined();
    });
  });

  describe('filters', () => {
    it('filters pull requests by state, head and base', async () => {
      for (const state of ['open', 'closed'] as const) {
        const response = await get(
          `/repos/acme/web/pulls?state=${state}&per_page=100`,
        );
        expect(
          response.body.map((pull: { number: number }) => pull.number).sort(),
        ).toEqual(
          web.pulls
            .filter(pull => pull.state === state)
            .map(pull => pull.number)
            .sort(),
        );
      }
      const defaultState = await get('/repos/acme/web/pulls?per_page=100');
      expect(
        defaultState.body.every(
          (pull: { state: string }) => pull.state === 'open',
        ),
      ).toBe(true);

      const target = web.pulls.find(pull => pull.state === 'open')!;
      const byHead = await get(
        `/repos/acme/web/pulls?head=acme:${target.headRef}`,
      );
      expect(
        byHead.body.map((pull: { number: number }) => pull.number),
      ).toEqual([target.number]);
      const wrongBase = await get(
        '/repos/acme/web/pulls?state=all&base=does-not-exist',
      );
      expect(wrongBase.body).toEqual([]);
    });

    it('sorts pull requests', async () => {
      const updated = await get(
        '/repos/acme/web/pulls?state=all&sort=updated&per_page=100',
      );
      const updatedTimes = updated.body.map((pull: { updated_at: string }) =>
        Date.parse(pull.updated_at),
      );
      expect(updatedTimes).toEqual([...updatedTimes].sort((a, b) => a - b));

      const popular = await get(
        '/repos/acme/web/pulls?state=all&sort=popularity&direction=desc&per_page=100',
      );
      const comments = popular.body.map(
        (pull: { number: number }) => web.pull(pull.number)!.comments,
      );
      expect(comments).toEqual([...comments].sort((a, b) => b - a));

      const created = await get(
        '/repos/acme/web/pulls?state=all&direction=asc&per_page=100',
      );
      const createdTimes = created.body.map((pull: { created_at: string }) =>
        Date.parse(pull.created_at),
      );
      expect(createdTimes).toEqual([...createdTimes].sort((a, b) => a - b));

      const month = 30 * 24 * 3600 * 1000;
      const longRunning = await get(
        '/repos/acme/web/pulls?sort=long-running&per_page=100',
      );
      expect(
        longRunning.body.map((pull: { number: number }) => pull.number).sort(),
      ).toEqual(
        web.pulls
          .filter(
            pull =>
              pull.state === 'open' &&
              pull.createdAt < TEST_NOW.getTime() - month &&
              pull.updatedAt >= TEST_NOW.getTime() - month,
          )
          .map(pull => pull.number)
          .sort(),
      );
    });

    it('filters workflow runs by branch, status, conclusion, event and actor', async () => {
      const branch = web.repository.defaultBranch;
      const cases: Array<
        [string, (run: RepositoryState['runs'][number]) => boolean]
      > = [
        [`branch=${branch}`, run => run.headBranch === branch],
        ['status=completed', run => run.status === 'completed'],
        ['status=success', run => run.conclusion === 'success'],
        ['status=failure', run => run.conclusion === 'failure'],
        ['status=in_progress', run => run.status === 'in_progress'],
        ['event=pull_request', run => run.event === 'pull_request'],
        ['event=schedule', run => run.event === 'schedule'],
        [
          `actor=${web.runs[0].actor.login}`,
          run => run.actor.login === web.runs[0].actor.login,
        ],
        [
          `head_sha=${web.runs[5].headSha}`,
          run => run.headSha === web.runs[5].headSha,
        ],
      ];
      for (const [query, predicate] of cases) {
        const response = await get(
          `/repos/acme/web/actions/runs?${query}&per_page=100`,
        );
        expect(response.status).toBe(200);
        const expected = web.runs.filter(predicate);
        expect({ query, total: response.body.total_count }).toEqual({
          query,
          total: expected.length,
        });
        expect(
          response.body.workflow_runs
            .map((run: { id: number }) => run.id)
            .sort(),
        ).toEqual(
          expected
            .slice(-100)
            .map(run => run.id)
            .sort(),
        );
      }
      expect(web.runs.some(run => run.conclusion === 'failure')).toBe(true);
    });

    it('filters workflow runs by created date ranges', async () => {
      const day = (offset: number) =>
        new Date(TEST_NOW.getTime() - offset * 86400000)
          .toISOString()
          .slice(0, 10);
      const startOf = (date: string) => Date.parse(`${date}T00:00:00Z`);
      const nextDay = (date: string) => startOf(date) + 86400000;
      const cases: Array<[string, (at: number) => boolean]> = [
        [`>=${day(30)}`, at => at >= startOf(day(30))],
        [`>${day(30)}`, at => at >= nextDay(day(30))],
        [`<${day(60)}`, at => at < startOf(day(60))],
        [`<=${day(60)}`, at => at < nextDay(day(60))],
        [
          `${day(50)}..${day(20)}`,
          at => at >= startOf(day(50)) && at < nextDay(day(20)),
        ],
        [`${day(10)}..*`, at => at >= startOf(day(10))],
        [`*..${day(100)}`, at => at < nextDay(day(100))],
        [day(3), at => at >= startOf(day(3)) && at < nextDay(day(3))],
        [
          `>=${day(7)}T06:30:00Z`,
          at => at >= Date.parse(`${day(7)}T06:30:00Z`),
        ],
      ];
      for (const [range, predicate] of cases) {
        const response = await get(
          `/repos/acme/web/actions/runs?created=${encodeURIComponent(
            range,
          )}&per_page=1`,
        );
        expect(response.status).toBe(200);
        const expected = web.runs.filter(run =>
          predicate(run.createdAt),
        ).length;
        expect({ range, total: response.body.total_count }).toEqual({
          range,
          total: expected,
        });
      }
      const invalid = await get(
        '/repos/acme/web/actions/runs?created=last-week',
      );
      expect(invalid.status).toBe(422);
      expect(invalid.body.errors[0]).toMatchObject({
        field: 'created',
        code: 'invalid',
      });
      const invalidStatus = await get(
        '/repos/acme/web/actions/runs?status=exploded',
      );
      expect(invalidStatus.status).toBe(422);
    });

    it('lists runs of one workflow by id or file name', async () => {
      const deploy = web.workflows.find(
        workflow => workflow.name === 'Deploy',
      )!;
      const byId = await get(
        `/repos/acme/web/actions/workflows/${deploy.id}/runs?per_page=100`,
      );
      const byFile = await get(
        '/repos/acme/web/actions/workflows/deploy.yml/runs?per_page=100',
      );
      const expected = web.runs.filter(run => run.workflow === deploy).length;
      expect(byId.body.total_count).toBe(expected);
      expect(byFile.body).toEqual(byId.body);
      expect(
        (await get('/repos/acme/web/actions/workflows/missing.yml/runs'))
          .status,
      ).toBe(404);
    });

    it('filters deployments by environment, sha and ref', async () => {
      const production = await get(
        '/repos/acme/web/deployments?environment=production&per_page=100',
      );
      expect(production.body.length).toBe(
        Math.min(
          100,
          web.deployments.filter(d => d.environment === 'production').length,
        ),
      );
      expect(
        production.body.every(
          (d: { environment: string }) => d.environment === 'production',
        ),
      ).toBe(true);
      const sample = web.deployments[0];
      const bySha = await get(`/repos/acme/web/deployments?sha=${sample.sha}`);
      expect(bySha.body.map((d: { id: number }) => d.id).sort()).toEqual(
        web.deployments
          .filter(d => d.sha === sample.sha)
          .map(d => d.id)
          .sort(),
      );
      const byRef = await get(
        `/repos/acme/web/deployments?ref=${web.repository.defaultBranch}&per_page=1`,
      );
      expect(byRef.body).toHaveLength(1);
      const ids = production.body.map((d: { id: number }) => d.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
    });

    it('filters check runs by name and status', async () => {
      const run = web.runs.find(
        candidate =>
          candidate.status === 'completed' &&
          candidate.event === 'pull_request',
      )!;
      const all = await get(
        `/repos/acme/web/commits/${run.headSha}/check-runs`,
      );
      expect(all.body.total_count).toBe(run.workflow.jobs.length);
      const one = await get(
        `/repos/acme/web/commits/${run.headSha}/check-runs?check_name=${run.workflow.jobs[0]}`,
      );
      expect(one.body.check_runs.map((c: { name: string }) => c.name)).toEqual([
        run.workflow.jobs[0],
      ]);
      const queued = await get(
        `/repos/acme/web/commits/${run.headSha}/check-runs?status=queued`,
      );
      expect(queued.body.total_count).toBe(0);
    });
  });

  describe('headers', () => {
    it('sends GitHub response headers', async () => {
      const response = await get('/repos/acme/web');
      expect(response.headers).toMatchObject({
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3; format=json',
        'x-ratelimit-resource': 'core',
        'x-ratelimit-limit': '5000',
      });
      expect(response.headers.etag).toMatch(/^W\/"[0-9a-f]{64}"$/);
      expect(response.headers['x-github-request-id']).toMatch(
        /^[0-9A-F]{4}(:[0-9A-F]+){4}$/,
      );
      expect(new Date(response.headers['last-modified']).getTime()).toBe(
        Math.floor(
          Math.max(web.repository.updatedAt, web.repository.pushedAt) / 1000,
        ) * 1000,
      );
      const list = await get('/repos/acme/web/pulls');
      expect(list.headers['last-modified']).toBeUndefined();
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(
        TEST_NOW.getTime() / 1000,
      );
    });

    it('accepts both `token` and `Bearer` authorization', async () => {
      for (const scheme of ['token', 'Bearer']) {
        const response = await get('/repos/acme/web', {
          authorization: `${scheme} some-token`,
        });
        expect(response.status).toBe(200);
        expect(response.headers['x-ratelimit-limit']).toBe('5000');
      }
      const anonymous = await request(simulator.url).get('/repos/acme/web');
      expect(anonymous.headers['x-ratelimit-limit']).toBe('60');
    });
  });

  describe('conditional requests', () => {
    it('answers 304 without spending quota', async () => {
      const first = await get('/repos/acme/api/pulls/3', {
        authorization: 'token conditional',
      });
      const remaining = first.headers['x-ratelimit-remaining'];
      const quotaBefore = simulator.stats().quotaUsed;
      for (let i = 0; i < 3; i++) {
        const again = await get('/repos/acme/api/pulls/3', {
          authorization: 'token conditional',
          'if-none-match': first.headers.etag,
        });
        expect(again.status).toBe(304);
        expect(again.headers['x-ratelimit-remaining']).toBe(remaining);
        expect(again.headers.etag).toBe(first.headers.etag);
      }
      expect(simulator.stats().quotaUsed).toBe(quotaBefore);

      const since = await get('/repos/acme/api/pulls/3', {
        authorization: 'token conditional',
        'if-modified-since': first.headers['last-modified'],
      });
      expect(since.status).toBe(304);

      const stale = await get('/repos/acme/api/pulls/3', {
        authorization: 'token conditional',
        'if-none-match': 'W/"0000"',
      });
      expect(stale.status).toBe(200);
      expect(Number(stale.headers['x-ratelimit-remaining'])).toBe(
        Number(remaining) - 1,
      );
    });

    it('changes ETags when activity touches a repository', async () => {
      const paths = ['/repos/acme/web', '/repos/acme/api'];
      const etags = new Map<string, string>();
      for (const path of paths) {
        etags.set(path, (await get(`${path}/pulls?state=all`)).headers.etag);
      }
      const versions = new Map(
        paths.map(path => [
          path,
          simulator.store.repository(path.slice(7))!.currentVersion,
        ]),
      );
      const touched = new Set<string>();
      for (let i = 0; i < 50 && touched.size < paths.length; i++) {
        for (const event of simulator.tick()) {
          if (event.name === 'pull_request') {
            touched.add(`/repos/${event.repository}`);
          }
        }
      }
      expect(touched.size).toBe(2);
      for (const path of paths) {
        expect(
          simulator.store.repository(path.slice(7))!.currentVersion,
        ).toBeGreaterThan(versions.get(path)!);
        const response = await get(`${path}/pulls?state=all`, {
          ...auth,
          'if-none-match': etags.get(path)!,
        });
        expect(response.status).toBe(200);
        expect(response.headers.etag).not.toBe(etags.get(path));
      }
    });
  });
});

describe('rate limits', () => {
  it('exhausts the primary quota with GitHub 403 body and headers', async () => {
    const simulator = await startTestSimulator({
      rateLimit: { limit: 3, windowSeconds: 600 },
    });
    try {
      const call = (headers: Record<string, string> = auth) =>
        request(simulator.url).get('/repos/acme/web/pulls').set(headers);
      const first = await call();
      expect(first.headers['x-ratelimit-remaining']).toBe('2');
      await call();
      const third = await call();
      expect(third.status).toBe(200);
      expect(third.headers['x-ratelimit-remaining']).toBe('0');

      const blocked = await call();
      expect(blocked.status).toBe(403);
      expect(blocked.headers).toMatchObject({
        'x-ratelimit-limit': '3',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '3',
        'x-ratelimit-resource': 'core',
      });
      expect(blocked.body.message).toMatch(
        /^API rate limit exceeded for user ID \d+\.$/,
      );
      expect(blocked.body.documentation_url).toContain(
        'rate-limits-for-the-rest-api',
      );

      const missing = await request(simulator.url)
        .get('/repos/acme/missing')
        .set(auth);
      expect(missing.status).toBe(403);

      const status = await request(simulator.url).get('/rate_limit').set(auth);
      expect(status.status).toBe(200);
      expect(status.body.resources.core).toMatchObject({
        limit: 3,
        used: 3,
        remaining: 0,
      });
      expect(status.body.rate).toEqual(status.body.resources.core);

      const conditional = await call({
        ...auth,
        'if-none-match': first.headers.etag,
      });
      expect(conditional.status).toBe(304);

      const otherToken = await call({ authorization: 'token another' });
      expect(otherToken.status).toBe(200);

      const anonymous = await request(simulator.url).get('/repos/acme/web');
      expect(anonymous.headers['x-ratelimit-limit']).toBe('60');

      simulator.clock.advance(600_000);
      const afterReset = await call();
      expect(afterReset.status).toBe(200);
      expect(afterReset.headers['x-ratelimit-remaining']).toBe('2');
      expect(simulator.stats().primaryRateLimited).toBe(2);
    } finally {
      await simulator.stop();
    }
  });

  it('applies secondary rate limits on demand without spending quota', async () => {
    const simulator = await startTestSimulator();
    try {
      simulator.triggerSecondaryRateLimit({
        count: 2,
        status: 429,
        retryAfterSeconds: 17,
      });
      for (let i = 0; i < 2; i++) {
        const limited = await request(simulator.url)
          .get('/repos/acme/web')
          .set(auth);
        expect(limited.status).toBe(429);
        expect(limited.headers['retry-after']).toBe('17');
        expect(limited.body.message).toMatch(
          /^You have exceeded a secondary rate limit\./,
        );
        expect(limited.body.message).toContain(
          limited.headers['x-github-request-id'],
        );
        expect(limited.headers['x-ratelimit-remaining']).toBe('5000');
      }
      const ok = await request(simulator.url).get('/repos/acme/web').set(auth);
      expect(ok.status).toBe(200);

      simulator.triggerSecondaryRateLimit({
        count: 1,
        status: 403,
        retryAfterSeconds: 60,
      });
      const forbidden = await request(simulator.url)
        .get('/repos/acme/web')
        .set(auth);
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers['retry-after']).toBe('60');
      expect(simulator.stats().secondaryRateLimited).toBe(3);
    } finally {
      await simulator.stop();
    }
  });

  it('applies a configured fraction of secondary rate limits', async () => {
    const simulator = await startTestSimulator({
      secondaryRateLimit: { rate: 1, status: 403, retryAfterSeconds: 5 },
    });
    try {
      const response = await request(simulator.url)
        .get('/repos/acme/web')
        .set(auth);
      expect(response.status).toBe(403);
      expect(response.headers['retry-after']).toBe('5');
    } finally {
      await simulator.stop();
    }
  });
});

describe('faults and latency', () => {
  async function statuses(simulator: GitHubSimulator, count: number) {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) {
      seen.push(
        (await request(simulator.url).get('/repos/acme/web').set(auth)).status,
      );
    }
    return seen;
  }

  it('answers a fraction of requests with 5xx, reproducibly from the seed', async () => {
    const runs: number[][] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const simulator = await startTestSimulator({
        faults: { errorRate: 0.4 },
      });
      try {
        runs.push(await statuses(simulator, 40));
        expect(simulator.stats().injectedErrors).toBe(
          runs[attempt].filter(s => s >= 500).length,
        );
      } finally {
        await simulator.stop();
      }
    }
    expect(runs[0]).toEqual(runs[1]);
    const errors = runs[0].filter(status => status >= 500);
    expect(errors.length).toBeGreaterThan(5);
    expect(errors.length).toBeLessThan(30);
    expect(new Set(errors)).toEqual(new Set([502, 503]));
    expect(runs[0].filter(status => status === 200).length).toBe(
      40 - errors.length,
    );
  });

  it('drops connections', async () => {
    const simulator = await startTestSimulator({ faults: { dropRate: 1 } });
    try {
      await expect(
        request(simulator.url).get('/repos/acme/web').set(auth),
      ).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(simulator.stats()).toMatchObject({
        droppedConnections: 1,
        byStatus: { dropped: 1 },
      });
    } finally {
      await simulator.stop();
    }
  });

  it('holds timed-out requests without answering', async () => {
    const simulator = await startTestSimulator({
      faults: { timeoutRate: 1, timeoutMs: 5_000 },
    });
    try {
      const started = Date.now();
      await expect(
        request(simulator.url).get('/repos/acme/web').set(auth).timeout(400),
      ).rejects.toMatchObject({ timeout: 400 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      expect(simulator.stats().injectedTimeouts).toBe(1);
      simulator.setFaults({});
      expect(
        (await request(simulator.url).get('/repos/acme/web').set(auth)).status,
      ).toBe(200);
    } finally {
      await simulator.stop();
    }
  });

  it('closes a held connection when the timeout elapses', async () => {
    const simulator = await startTestSimulator({
      faults: { timeoutRate: 1, timeoutMs: 150 },
    });
    try {
      await expect(
        request(simulator.url).get('/repos/acme/web').set(auth),
      ).rejects.toThrow(/socket hang up|ECONNRESET/);
    } finally {
      await simulator.stop();
    }
  });

  it('adds configured latency', async () => {
    const simulator = await startTestSimulator({
      latencyMs: { minMs: 120, maxMs: 160 },
    });
    try {
      const started = Date.now();
      const response = await request(simulator.url)
        .get('/repos/acme/web')
        .set(auth);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    } finally {
      await simulator.stop();
    }
  });
});

describe('control endpoints', () => {
  it('reports and resets stats, switches faults and runs activity steps', async () => {
    const simulator = await startTestSimulator();
    try {
      await request(simulator.url).get('/repos/acme/web').set(auth);
      await request(simulator.url).get('/repos/acme/missing').set(auth);
      const stats = await request(simulator.url).get('/_simulator/stats');
      expect(stats.body).toMatchObject({
        totalRequests: 2,
        byStatus: { 200: 1, 404: 1 },
        byOperation: { 'repos/get': 2 },
        quotaUsed: 2,
      });
      expect(stats.body).toEqual(simulator.stats());

      await request(simulator.url).post('/_simulator/reset-stats').expect(204);
      expect(simulator.stats()).toMatchObject({
        totalRequests: 0,
        quotaUsed: 0,
        byStatus: {},
      });

      await request(simulator.url)
        .put('/_simulator/faults')
        .send({ errorRate: 1, errorStatuses: [503] })
        .expect(200);
      expect(
        (await request(simulator.url).get('/repos/acme/web').set(auth)).status,
      ).toBe(503);
      await request(simulator.url)
        .put('/_simulator/faults')
        .send({})
        .expect(200);
      await request(simulator.url)
        .put('/_simulator/faults')
        .send({ errorRate: 2 })
        .expect(400);

      await request(simulator.url)
        .post('/_simulator/secondary-rate-limit')
        .send({ count: 1, status: 429, retryAfterSeconds: 3 })
        .expect(204);
      expect(
        (await request(simulator.url).get('/repos/acme/web').set(auth)).status,
      ).toBe(429);

      const tick = await request(simulator.url)
        .post('/_simulator/tick')
        .expect(200);
      expect(tick.body.events.length).toBeGreaterThan(0);
      expect(tick.body.events[0]).toEqual({
        event: expect.any(String),
        action: expect.any(String),
        repository: expect.stringMatching(/^acme\//),
      });
    } finally {
      await simulator.stop();
    }
  });
});

describe('pull requests opened and merged on request', () => {
  it('opens a pull request activity leaves alone, merges it with its webhook, and refuses bad requests', async () => {
    const simulator = await startTestSimulator();
    const events: Array<{
      name: string;
      action?: string;
      repository: string;
      number?: number;
    }> = [];
    simulator.onEvent(event =>
      events.push({
        name: event.name,
        action: event.action,
        repository: event.repository,
        number: (event.payload.pull_request as { number?: number } | undefined)
          ?.number,
      }),
    );
    try {
      const opened = await request(simulator.url)
        .post('/_simulator/repos/acme/web/pulls')
        .send({ title: 'Retry budget per tenant' })
        .expect(201);
      const number: number = opened.body.number;
      expect(events).toEqual([
        {
          name: 'pull_request',
          action: 'opened',
          repository: 'acme/web',
          number,
        },
      ]);

      const open = await request(simulator.url)
        .get(`/repos/acme/web/pulls/${number}`)
        .set(auth)
        .expect(200);
      expect(open.body).toMatchObject({
        title: 'Retry budget per tenant',
        state: 'open',
        draft: false,
        merged: false,
      });

      for (let i = 0; i < 200; i++) simulator.tick();
      const afterActivity = await request(simulator.url)
        .get(`/repos/acme/web/pulls/${number}`)
        .set(auth)
        .expect(200);
      expect(afterActivity.body).toMatchObject({
        state: 'open',
        head: { sha: open.body.head.sha },
      });
      expect(
        events.filter(
          event => event.repository === 'acme/web' && event.number === number,
        ),
      ).toHaveLength(1);

      events.length = 0;
      await request(simulator.url)
        .post(`/_simulator/repos/acme/web/pulls/${number}/merge`)
        .expect(200, { merged: true });
      expect(events).toEqual([
        {
          name: 'pull_request',
          action: 'closed',
          repository: 'acme/web',
          number,
        },
      ]);
      const merged = await request(simulator.url)
        .get(`/repos/acme/web/pulls/${number}`)
        .set(auth)
        .expect(200);
      expect(merged.body).toMatchObject({ state: 'closed', merged: true });

      events.length = 0;
      await request(simulator.url)
        .post(`/_simulator/repos/acme/web/pulls/${number}/merge`)
        .expect(409);
      await request(simulator.url)
        .post('/_simulator/repos/acme/web/pulls/9999/merge')
        .expect(404);
      await request(simulator.url)
        .post('/_simulator/repos/acme/web/pulls/first/merge')
        .expect(400);
      await request(simulator.url)
        .post('/_simulator/repos/acme/missing/pulls')
        .send({})
        .expect(404);
      await request(simulator.url)
        .post('/_simulator/repos/acme/web/pulls')
        .send({ title: 42 })
        .expect(400);
      expect(events).toEqual([]);
    } finally {
      await simulator.stop();
    }
  });
});
