import { mockCredentials } from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { startPulseTestBackend } from '../__testUtils__/testBackend';
import { createHarness, Harness, TEST_TOKEN } from './__testUtils__/harness';
import { OpenApiResponseValidator } from './__testUtils__/openapi';

jest.setTimeout(90_000);

const databases = createTestDatabases();
const spec = new OpenApiResponseValidator();
const OUTSIDER = 'user:default/outsider';

function component(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, annotations },
    spec: {},
  };
}

const entities = [
  component('web', { 'github.com/project-slug': 'acme/web' }),
  component('api', { 'github.com/project-slug': 'acme/api' }),
  component('status-page', {}),
  component('broken', { 'github.com/project-slug': 'acme' }),
];

const BASE = '/api/pulse/v1/entities/component/default';

describe.each(databases.eachSupportedId())(
  'GitHub REST API on %s',
  databaseId => {
    let h: Harness;

    beforeAll(async () => {
      h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web', 'acme/api'],
      });
      await h.engine.runCycle();
    });

    afterAll(async () => {
      await h.engine.stop();
      await h.sim.stop();
    });

    async function start(
      options: {
        decide?: (
          permission: string,
        ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;
        cooldownSeconds?: number;
      } = {},
    ) {
      const decide = options.decide ?? (() => AuthorizeResult.ALLOW);
      const { backend, as } = await startPulseTestBackend({
        knex: h.knex,
        entities,
        config: {
          integrations: {
            github: [
              { host: 'github.com', apiBaseUrl: h.sim.url, token: TEST_TOKEN },
            ],
          },
          pulse: {
            api: { validateResponses: true },
            github: {
              manualSyncCooldownSeconds: options.cooldownSeconds ?? 60,
            },
          },
        },
        // The catalog hides every entity from the outsider, as a catalog permission rule would.
        visible: (_entity, principal) => principal.ref !== OUTSIDER,
        decide: name => decide(name) === AuthorizeResult.ALLOW,
      });
      const get = (path: string, user?: string) =>
        request(backend.server)
          .get(`${BASE}${path}`)
          .set('Authorization', mockCredentials.user.header(user));
      const post = (path: string) =>
        as().post(`/entities/component/default${path}`);
      return { backend, get, post };
    }

    it('serves pull requests, newest first, in every state, page by page', async () => {
      const { backend, get } = await start();
      const open = await get('/web/pull-requests');
      expect(open.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/pull-requests',
        200,
        open.body,
      );
      expect(open.body.lastSyncedAt).toEqual(expect.any(String));
      expect(open.body.items.length).toBeGreaterThan(0);
      expect(open.body.items.every((p: any) => p.state === 'open')).toBe(true);
      const updated = open.body.items.map((p: any) => p.updatedAt);
      expect([...updated].sort().reverse()).toEqual(updated);

      const merged = await get('/web/pull-requests?state=merged&limit=100');
      expect(
        merged.body.items.every((p: any) => p.state === 'merged' && p.mergedAt),
      ).toBe(true);
      const mergedAt = merged.body.items.map((p: any) => p.mergedAt);
      expect([...mergedAt].sort().reverse()).toEqual(mergedAt);

      const sim = h.sim.store.repository('acme/web')!;
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: request.Response = await get(
          `/web/pull-requests?state=all&limit=7${
            cursor ? `&cursor=${cursor}` : ''
          }`,
        );
        expect(res.status).toBe(200);
        spec.validate(
          'get',
          '/entities/{kind}/{namespace}/{name}/pull-requests',
          200,
          res.body,
        );
        expect(res.body.items.length).toBeLessThanOrEqual(7);
        seen.push(...res.body.items.map((p: any) => p.number));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(sim.pulls.length / 7));
      expect([...seen].sort((a, b) => a - b)).toEqual(
        sim.pulls.map(p => p.number),
      );
      await backend.stop();
    });

    it('serves workflow runs with filters and cursors, and the workflow summary', async () => {
      const { backend, get } = await start();
      const sim = h.sim.store.repository('acme/web')!;
      const all = await get('/web/workflow-runs?limit=100');
      expect(all.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/workflow-runs',
        200,
        all.body,
      );
      expect(all.body.items).toHaveLength(Math.min(100, sim.runs.length));

      const branch = sim.repository.defaultBranch;
      const onBranch = await get(
        `/web/workflow-runs?branch=${branch}&status=success&limit=100`,
      );
      expect(onBranch.body.items.length).toBeGreaterThan(0);
      expect(
        onBranch.body.items.every(
          (r: any) => r.branch === branch && r.conclusion === 'success',
        ),
      ).toBe(true);
      expect(onBranch.body.items).toHaveLength(
        sim.runs.filter(
          r => r.headBranch === branch && r.conclusion === 'success',
        ).length,
      );

      const workflow = sim.workflows[0];
      const byId = await get(
        `/web/workflow-runs?workflow=${workflow.id}&limit=100`,
      );
      const byName = await get(
        `/web/workflow-runs?workflow=${encodeURIComponent(
          workflow.name,
        )}&limit=100`,
      );
      expect(byId.body.items.length).toBe(
        sim.runs.filter(r => r.workflow.id === workflow.id).length,
      );
      expect(byName.body.items).toEqual(byId.body.items);

      const ids: number[] = [];
      let cursor: string | null = null;
      do {
        const res: request.Response = await get(
          `/web/workflow-runs?limit=30${cursor ? `&cursor=${cursor}` : ''}`,
        );
        ids.push(...res.body.items.map((r: any) => r.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(new Set(ids).size).toBe(sim.runs.length);

      const summary = await get('/web/workflow-summary');
      expect(summary.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/workflow-summary',
        200,
        summary.body,
      );
      expect(summary.body.defaultBranch).toBe(branch);
      expect(summary.body.items.map((s: any) => s.workflowId).sort()).toEqual(
        [...new Set(sim.runs.map(r => r.workflow.id))].sort(),
      );
      const expected = summary.body.items.map((item: any) => {
        const runs = sim.runs
          .filter(
            r => r.workflow.id === item.workflowId && r.headBranch === branch,
          )
          .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
        const completed = runs
          .filter(r => r.status === 'completed')
          .slice(0, 30);
        return {
          workflowId: item.workflowId,
          latestRunId: runs[0]?.id ?? null,
          sampleSize: completed.length,
          successRate: completed.length
            ? completed.filter(r => r.conclusion === 'success').length /
              completed.length
            : null,
        };
      });
      expect(
        summary.body.items.map((item: any) => ({
          workflowId: item.workflowId,
          latestRunId: item.latestRun?.id ?? null,
          sampleSize: item.sampleSize,
          successRate: item.successRate,
        })),
      ).toEqual(expected);
      expect(expected.some((e: any) => e.sampleSize > 0)).toBe(true);
      await backend.stop();
    });

    it('reports sync status, and runs a requested sync once per cooldown', async () => {
      const { backend, get, post } = await start({ cooldownSeconds: 3600 });
      const status = await get('/api/sync');
      expect(status.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/sync',
        200,
        status.body,
      );
      expect(status.body).toMatchObject({
        repository: 'acme/api',
        host: 'github.com',
        state: 'idle',
        progressPercent: 100,
        lastError: null,
        pausedUntil: null,
        requestedAt: null,
      });

      h.sim.resetStats();
      const requested = await post('/api/sync');
      expect(requested.status).toBe(202);
      spec.validate(
        'post',
        '/entities/{kind}/{namespace}/{name}/sync',
        202,
        requested.body,
      );
      expect(requested.body.requestedAt).toEqual(expect.any(String));

      const again = await post('/api/sync');
      expect(again.status).toBe(429);
      spec.validate(
        'post',
        '/entities/{kind}/{namespace}/{name}/sync',
        429,
        again.body,
      );
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(3500);
      expect(again.body.error.name).toBe('TooManyRequestsError');

      let after: request.Response;
      const deadline = Date.now() + 20_000;
      do {
        after = await get('/api/sync');
      } while (after.body.requestedAt !== null && Date.now() < deadline);
      expect(after.body.requestedAt).toBeNull();
      expect(after.body.lastSyncedAt > status.body.lastSyncedAt).toBe(true);
      expect(h.sim.stats().byOperation['pulls/list']).toBeGreaterThan(0);
      await backend.stop();
    });

    it('answers 400 naming the bad query parameter', async () => {
      const { backend, get } = await start();
      const merged = await get('/web/pull-requests?state=merged&limit=1');
      const cases: Array<[string, string]> = [
        ['/web/pull-requests?state=draft', 'state'],
        ['/web/pull-requests?limit=0', 'limit'],
        ['/web/pull-requests?limit=101', 'limit'],
        ['/web/pull-requests?limit=ten', 'limit'],
        ['/web/pull-requests?limit=1&limit=2', 'limit'],
        ['/web/pull-requests?cursor=not-a-cursor', 'cursor'],
        [
          `/web/pull-requests?state=open&cursor=${merged.body.nextCursor}`,
          'cursor',
        ],
        ['/web/workflow-runs?status=exploded', 'status'],
        ['/web/workflow-runs?branch=', 'branch'],
      ];
      for (const [path, parameter] of cases) {
        const res = await get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        spec.validate(
          'get',
          '/entities/{kind}/{namespace}/{name}/pull-requests',
          400,
          res.body,
        );
        expect(res.body.error.name).toBe('InputError');
        expect(res.body.error.message).toContain(`'${parameter}'`);
      }
      const badName = await get(
        `/${encodeURIComponent('bad name!')}/pull-requests`,
      );
      expect(badName.status).toBe(400);
      await backend.stop();
    });

    it('answers 404 for entities the caller cannot see, untracked or unusable ones', async () => {
      const { backend, get } = await start();
      for (const path of [
        '/pull-requests',
        '/workflow-runs',
        '/workflow-summary',
        '/sync',
      ]) {
        const hidden = await get(`/web${path}`, OUTSIDER);
        expect(hidden.status).toBe(404);
        expect(hidden.body.error.message).toBe(
          'Entity component:default/web is not in the catalog',
        );
      }
      const untracked = await get('/status-page/pull-requests');
      expect(untracked.status).toBe(404);
      expect(untracked.body.error.message).toContain(
        'has no github.com/project-slug annotation',
      );
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/pull-requests',
        404,
        untracked.body,
      );
      const broken = await get('/broken/workflow-runs');
      expect(broken.status).toBe(404);
      expect(broken.body.error.message).toContain('must be "owner/repository"');
      expect((await get('/nope/sync')).status).toBe(404);
      await backend.stop();
    });

    it('answers 403 when the permission policy denies, and 401 for a bad token', async () => {
      const readDenied = await start({ decide: () => AuthorizeResult.DENY });
      const denied = await readDenied.get('/web/pull-requests');
      expect(denied.status).toBe(403);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/pull-requests',
        403,
        denied.body,
      );
      expect((await readDenied.post('/web/sync')).status).toBe(403);
      const forged = await request(readDenied.backend.server)
        .get(`${BASE}/web/sync`)
        .set('Authorization', mockCredentials.user.invalidHeader());
      expect(forged.status).toBe(401);
      await readDenied.backend.stop();

      const syncDenied = await start({
        decide: name =>
          name === 'pulse.sync.request'
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      });
      expect((await syncDenied.get('/web/sync')).status).toBe(200);
      const post = await syncDenied.post('/web/sync');
      expect(post.status).toBe(403);
      expect(post.body.error.message).toBe(
        'You are not allowed to use pulse.sync.request for component:default/web',
      );
      await syncDenied.backend.stop();
    });

    it('documents the entities endpoints it serves', async () => {
      const { backend } = await start();
      const server = backend.server;
      const auth = mockCredentials.user.header();
      const list = await request(server)
        .get('/api/pulse/v1/entities')
        .set('Authorization', auth);
      expect(list.status).toBe(200);
      spec.validate('get', '/entities', 200, list.body);
      const one = await request(server)
        .get(
          `/api/pulse/v1/entities/${stringifyEntityRef(entities[0]).replace(
            /[:]/g,
            '/',
          )}`,
        )
        .set('Authorization', auth);
      expect(one.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}',
        200,
        one.body,
      );
      const missing = await request(server)
        .get('/api/pulse/v1/entities/component/default/nope')
        .set('Authorization', auth);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}',
        404,
        missing.body,
      );
      expect(spec.paths()).toEqual(
        expect.arrayContaining([
          '/entities',
          '/entities/{kind}/{namespace}/{name}',
          '/entities/{kind}/{namespace}/{name}/pull-requests',
          '/entities/{kind}/{namespace}/{name}/workflow-runs',
          '/entities/{kind}/{namespace}/{name}/workflow-summary',
          '/entities/{kind}/{namespace}/{name}/sync',
        ]),
      );
      // The validator is not a rubber stamp.
      expect(() =>
        spec.validate('get', '/entities/{kind}/{namespace}/{name}/sync', 200, {
          ...list.body,
          state: 'sleeping',
        }),
      ).toThrow();
      await backend.stop();
    });
  },
);
