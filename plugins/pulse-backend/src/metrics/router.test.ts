import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { OpenApiResponseValidator } from '../github/__testUtils__/openapi';
import { startPulseTestBackend } from '../__testUtils__/testBackend';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import { VersionStore } from '../live/VersionStore';
import { pulseClockServiceRef } from '../service/clock';
import { readMetricsConfig } from './config';
import {
  at,
  ENTITY_REF,
  INCIDENT_IDS,
  NOW,
  seedDeliveryFixture,
  sha,
} from './__testUtils__/deliveryFixture';
import { MetricsAggregation } from './MetricsAggregation';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const spec = new OpenApiResponseValidator();
const OUTSIDER = 'user:default/outsider';
/** Sees every entity but `web-admin`. */
const LIMITED = 'user:default/limited';
const WEB_ADMIN = 'component:default/web-admin';
const TEAM = '/entities/group/default/team-web/metrics';
const ORG = '/entities/group/default/engineering/metrics';
const SYSTEM = '/entities/system/default/shop/metrics';
const H = 3600;
const METRICS = '/entities/component/default/web/metrics';
/** The backend's clock; the aggregation's stays at NOW. */
let requestNow = NOW;

const metricsSection = {
  windows: [7, 30],
  productionEnvironments: ['production'],
  minimumSample: 2,
  // The test runs the aggregation itself.
  schedule: {
    frequency: { hours: 24 },
    timeout: { minutes: 1 },
    initialDelay: { hours: 24 },
  },
};

describe.each(databases.eachSupportedId())(
  'delivery metrics API on %s',
  databaseId => {
    let knex: Knex;
    let repositoryId: number;
    let as: Awaited<ReturnType<typeof startPulseTestBackend>>['as'];
    let stop: () => Promise<void>;
    let aggregation: MetricsAggregation;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      repositoryId = await seedDeliveryFixture(knex);
      const config = readMetricsConfig(
        new ConfigReader({ pulse: { metrics: metricsSection } }),
        {
          githubDays: 180,
          resolvedIncidentDays: 365,
        },
      );
      aggregation = new MetricsAggregation({
        knex,
        config,
        targets: async () => [
          {
            repositoryId,
            defaultBranch: 'main',
            // A monorepo: two components show one repository.
            entityRefs: [ENTITY_REF, WEB_ADMIN],
          },
        ],
        publisher: new DomainEventPublisher(knex, mockServices.logger.mock()),
        clock: { now: () => NOW },
        logger: mockServices.logger.mock(),
      });
      const started = await startPulseTestBackend({
        knex,
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'web',
              annotations: { 'github.com/project-slug': 'acme/web' },
            },
            spec: { owner: 'team-web', system: 'shop' },
            relations: [
              { type: 'ownedBy', targetRef: 'group:default/team-web' },
              { type: 'partOf', targetRef: 'system:default/shop' },
            ],
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'web-admin',
              annotations: { 'github.com/project-slug': 'acme/web' },
            },
            spec: { owner: 'team-web' },
            relations: [
              { type: 'ownedBy', targetRef: 'group:default/team-web' },
            ],
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: { name: 'engineering' },
            spec: { type: 'department', children: ['team-web'] },
            relations: [
              { type: 'parentOf', targetRef: 'group:default/team-web' },
            ],
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: { name: 'team-web' },
            spec: { type: 'team', children: [] },
            relations: [
              { type: 'childOf', targetRef: 'group:default/engineering' },
            ],
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Group',
            metadata: { name: 'newcomers' },
            spec: { type: 'team', children: [] },
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'System',
            metadata: { name: 'shop' },
            spec: { owner: 'team-web' },
          },
        ],
        config: {
          pulse: {
            api: { validateResponses: true },
            metrics: metricsSection,
            catalog: {
              refresh: {
                frequency: { hours: 24 },
                timeout: { minutes: 1 },
                initialDelay: { hours: 24 },
              },
            },
            github: {
              schedule: {
                frequency: { hours: 24 },
                timeout: { minutes: 1 },
                initialDelay: { hours: 24 },
              },
            },
          },
        },
        visible: (entity, principal) =>
          principal.ref !== OUTSIDER &&
          !(principal.ref === LIMITED && entity.metadata.name === 'web-admin'),
        features: [
          createServiceFactory({
            service: pulseClockServiceRef,
            deps: {},
            factory: () => ({ now: () => requestNow }),
          }),
        ],
      });
      as = started.as;
      stop = () => started.backend.stop();
    });

    afterAll(async () => {
      await stop();
    });

    it('says the entity is not aggregated yet before the first run', async () => {
      const res = await as().get(`${METRICS}?window=7d`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        computedAt: null,
        deploymentFrequency: { value: 0, sample: 0, level: null },
        leadTime: { value: null, sample: 0, level: null },
      });
    });

    it('gives the hand-worked figures of the fixture for the 7-day window', async () => {
      const result = await aggregation.run();
      expect(result).toMatchObject({ computed: 2, complete: true });
      const res = await as().get(`${METRICS}?window=7d`);
      expect(res.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/metrics',
        200,
        res.body,
      );
      const body = res.body;
      expect(body.computedAt).toBe(NOW.toISOString());
      expect(body.window).toEqual({
        days: 7,
        firstDay: '2026-11-24',
        lastDay: '2026-11-30',
        timeZone: 'UTC',
      });
      expect(body.windows).toEqual([7, 30]);
      expect(body.bands).toEqual({ year: 2023, source: expect.any(String) });
      expect(body.deploymentFrequency).toMatchObject({
        value: 2,
        sample: 2,
        level: 'high',
        perDay: 2 / 7,
        medianDeploymentDaysPerWeek: 2,
      });
      expect(body.deploymentFrequency.series).toHaveLength(7);
      expect(body.deploymentFrequency.series[3]).toEqual({
        day: '2026-11-27',
        value: 1,
        sample: 1,
      });
      expect(body.leadTime).toMatchObject({
        value: 51 * H,
        p90Seconds: 74 * H,
        sample: 3,
        level: 'high',
        waiting: 1,
        baselined: 0,
        unmeasured: 0,
      });
      expect(body.changeFailureRate).toMatchObject({
        value: 0.5,
        sample: 2,
        failed: 1,
        level: 'low',
      });
      expect(body.timeToRestore).toMatchObject({
        value: 30 * 60,
        p90Seconds: 2 * H,
        sample: 2,
        level: 'elite',
        unresolved: 0,
        failedDeploymentRecovery: {
          sample: 1,
          p50Seconds: 3 * H,
          p90Seconds: 3 * H,
          unresolved: 0,
        },
      });
      const percentiles = (
        p50: number,
        p75: number,
        p90: number,
        sample: number,
      ) => ({
        sample,
        p50Seconds: p50 * H,
        p75Seconds: p75 * H,
        p90Seconds: p90 * H,
      });
      expect(body.pullRequestFlow).toEqual({
        merged: 3,
        phases: {
          coding: percentiles(2, 2, 2, 3),
          pickup: percentiles(3, 4, 4, 2),
          review: percentiles(15, 20, 20, 2),
          deploy: percentiles(25, 48, 48, 2),
        },
        sizes: { S: 1, M: 0, L: 1, XL: 1 },
        mergedWithoutApproval: 1,
        open: { count: 1, ages: percentiles(24, 24, 24, 1) },
        botPullRequests: 1,
      });
      expect(body.ciHealth.workflows).toEqual([
        {
          workflowId: 7,
          workflowName: 'CI',
          branch: 'feature-6',
          runs: 1,
          succeeded: 1,
          failed: 0,
          successRate: 1,
          durationP50Seconds: 300,
          durationP95Seconds: 300,
          queueP50Seconds: 60,
          queueP95Seconds: 60,
        },
        {
          workflowId: 7,
          workflowName: 'CI',
          branch: 'main',
          runs: 4,
          succeeded: 2,
          failed: 2,
          successRate: 0.5,
          durationP50Seconds: 480,
          durationP95Seconds: 600,
          queueP50Seconds: 60,
          queueP95Seconds: 120,
        },
      ]);
      expect(body.ciHealth.branch).toBe('main');
      expect(body.ciHealth.flaky).toEqual([
        { workflowId: 7, workflowName: 'CI', shas: [sha('c4')] },
      ]);
      expect(body.ciHealth.defaultBranch).toEqual([
        {
          workflowId: 7,
          workflowName: 'CI',
          redSeconds: 29 * H,
          redNow: true,
          redSince: at(29, '10:00').toISOString(),
        },
      ]);
    });

    it('gives the 30-day figures, the first deployment a baseline', async () => {
      const res = await as().get(`${METRICS}?window=30d`);
      expect(res.status).toBe(200);
      const body = res.body;
      expect(body.deploymentFrequency).toMatchObject({
        value: 0.7,
        sample: 3,
        level: 'medium',
        medianDeploymentDaysPerWeek: 0,
      });
      expect(body.leadTime).toMatchObject({
        value: 51 * H,
        sample: 3,
        waiting: 1,
        baselined: 1,
      });
      expect(body.changeFailureRate).toMatchObject({
        value: 1 / 3,
        failed: 1,
        sample: 3,
      });
      expect(body.timeToRestore).toMatchObject({
        value: H,
        p90Seconds: 2 * H,
        sample: 3,
        level: 'high',
      });
      expect(body.pullRequestFlow.merged).toBe(4);
      expect(body.pullRequestFlow.phases.coding).toEqual({
        sample: 4,
        p50Seconds: 2 * H,
        p75Seconds: 2 * H,
        p90Seconds: 24 * H,
      });
    });

    it('lists what each number counts, newest first, page by page', async () => {
      const items = async (metric: string, query = 'window=7d') => {
        const res = await as().get(`${METRICS}/${metric}/items?${query}`);
        expect(res.status).toBe(200);
        spec.validate(
          'get',
          '/entities/{kind}/{namespace}/{name}/metrics/{metric}/items',
          200,
          res.body,
        );
        return res.body;
      };
      const failures = await items('change-failures');
      expect(failures.items).toHaveLength(1);
      expect(failures.items[0]).toMatchObject({
        key: '101',
        detail: {
          sha: sha('c3'),
          pullRequests: [2, 3],
          causes: [
            { kind: 'incident', id: INCIDENT_IDS.i1 },
            { kind: 'failed-deployment', id: '102' },
          ],
        },
      });
      const lead = await items('lead-time');
      expect(
        lead.items.map((item: any) => [
          item.detail.number,
          item.detail.status,
          item.value,
        ]),
      ).toEqual([
        [5, 'waiting', null],
        [4, 'deployed', 49 * H],
        [3, 'deployed', 51 * H],
        [2, 'deployed', 74 * H],
      ]);
      const unapproved = await items('unapproved-merges');
      expect(unapproved.items.map((item: any) => item.detail.number)).toEqual([
        5,
      ]);
      const baseline = await items('deployments', 'window=30d');
      expect(
        baseline.items.map((item: any) => [
          item.key,
          item.detail.state,
          item.detail.baseline,
        ]),
      ).toEqual([
        ['103', 'success', false],
        ['102', 'failure', false],
        ['101', 'success', false],
        ['100', 'success', true],
      ]);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await items(
          'workflow-runs',
          `window=7d&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((item: any) => item.key));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['5', '4', '3', '2', '1']);
    });

    it('carries the metrics version, raised by each aggregation that changed the entity', async () => {
      const versions = new VersionStore(knex);
      const before = await versions.versionOf(ENTITY_REF, 'metrics');
      expect(before).toBeGreaterThan(0);
      expect((await as().get(`${METRICS}?window=7d`)).body.version).toBe(
        before,
      );
      // Nothing changed: nothing is recomputed, and the version stays.
      expect(await aggregation.run()).toMatchObject({
        computed: 0,
        unchanged: 2,
      });
      expect(await versions.versionOf(ENTITY_REF, 'metrics')).toBe(before);
    });

    it('serves the figures the aggregation took, brought to the instant of the request', async () => {
      const stored = await aggregation.store.windowFigures(ENTITY_REF, 7);
      expect(stored).toMatchObject({ lastDay: '2026-11-30', takenAt: NOW });
      try {
        requestNow = new Date(NOW.getTime() + 5 * H * 1000);
        const fromStored = await as().get(`${METRICS}?window=7d`);
        expect(fromStored.status).toBe(200);
        // Five hours on: the open pull request is 29 h old, and main red for 34 h.
        expect(fromStored.body.pullRequestFlow.open.ages.p50Seconds).toBe(
          29 * H,
        );
        expect(fromStored.body.ciHealth.defaultBranch[0]).toMatchObject({
          redNow: true,
          redSeconds: 34 * H,
        });
        expect(fromStored.body.computedAt).toBe(NOW.toISOString());

        // Computed from the items at the same instant, the answer is the same.
        await knex('pulse_metrics_window_figures')
          .where({ entity_ref: ENTITY_REF })
          .delete();
        const fromItems = await as().get(`${METRICS}?window=7d`);
        expect(fromItems.body).toEqual(fromStored.body);

        // The next day, the figures of the day before are not served.
        await aggregation.run({ full: true });
        requestNow = new Date('2026-12-01T01:00:00Z');
        const nextDay = await as().get(`${METRICS}?window=7d`);
        expect(nextDay.status).toBe(200);
        expect(nextDay.body.window).toMatchObject({
          firstDay: '2026-11-25',
          lastDay: '2026-12-01',
        });
      } finally {
        requestNow = NOW;
      }
    });

    it('reuses an answer computed from the items while the metrics version stays, and reads afresh once it rises', async () => {
      const versions = new VersionStore(knex);
      // Without the figures the aggregation took, answers are computed from the items.
      await knex('pulse_metrics_window_figures').delete();
      const first = await as().get(`${METRICS}?window=7d`);
      expect(first.body.ciHealth.branch).toBe('main');
      const raise = () =>
        knex.transaction(tx =>
          versions.raise(tx, [
            { subject: ENTITY_REF, topic: 'metrics', count: 1 },
          ]),
        );
      await knex('pulse_metrics_entities')
        .where({ entity_ref: ENTITY_REF })
        .update({ default_branch: 'trunk' });
      expect((await as().get(`${METRICS}?window=7d`)).body).toEqual(first.body);
      await raise();
      const fresh = await as().get(`${METRICS}?window=7d`);
      expect(fresh.body.ciHealth.branch).toBe('trunk');
      expect(fresh.body.version).toBe(first.body.version + 1);
      await knex('pulse_metrics_entities')
        .where({ entity_ref: ENTITY_REF })
        .update({ default_branch: 'main' });
      await raise();
      expect(
        (await as().get(`${METRICS}?window=7d`)).body.ciHealth.branch,
      ).toBe('main');
      // The cache is behind the visibility check.
      expect((await as(OUTSIDER).get(`${METRICS}?window=7d`)).status).toBe(404);
      await aggregation.run({ full: true });
    });

    it("gives a team's figures over the entities it and its child groups own, a shared repository counted once", async () => {
      const web = await as().get(`${METRICS}?window=7d`);
      for (const path of [TEAM, ORG]) {
        const res = await as().get(`${path}?window=7d`);
        expect(res.status).toBe(200);
        spec.validate(
          'get',
          '/entities/{kind}/{namespace}/{name}/metrics',
          200,
          res.body,
        );
        const { members, version, computedAt, entityRef, ciHealth, ...team } =
          res.body;
        const {
          version: webVersion,
          computedAt: webComputedAt,
          entityRef: webRef,
          ciHealth: webCi,
          ...own
        } = web.body;
        // web and web-admin show one repository, and only web has incidents: the same figures.
        expect(team).toEqual(own);
        expect(ciHealth.defaultBranch).toEqual(webCi.defaultBranch);
        expect(ciHealth.branch).toBe('main');
        expect(computedAt).toBe(webComputedAt);
        expect(members.map((member: any) => member.entityRef)).toEqual([
          ENTITY_REF,
          WEB_ADMIN,
        ]);
        const versions = new VersionStore(knex);
        expect(version).toBe(
          (await versions.versionOf(ENTITY_REF, 'metrics')) +
            (await versions.versionOf(WEB_ADMIN, 'metrics')),
        );
        expect(members[0]).toMatchObject({
          entityRef: ENTITY_REF,
          deploymentFrequency: { value: 2, sample: 2, level: 'high' },
          changeFailureRate: { value: 0.5, sample: 2, level: 'low' },
          timeToRestore: { value: 30 * 60, sample: 2, level: 'elite' },
          pullRequests: { merged: 3, open: 1 },
          ci: { redNow: true },
          version: await versions.versionOf(ENTITY_REF, 'metrics'),
        });
        // web-admin has no incidents: only the failed deployment fails 101.
        expect(members[1]).toMatchObject({
          entityRef: WEB_ADMIN,
          timeToRestore: { value: null, sample: 0, level: null },
          changeFailureRate: { value: 0.5, sample: 2 },
        });
      }
    });

    it("lists a team's items once each, with the members they belong to", async () => {
      const res = await as().get(`${TEAM}/deployments/items?window=7d`);
      expect(res.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/metrics/{metric}/items',
        200,
        res.body,
      );
      const web = await as().get(`${METRICS}/deployments/items?window=7d`);
      expect(res.body.items.map((item: any) => item.key)).toEqual(
        web.body.items.map((item: any) => item.key),
      );
      for (const item of res.body.items) {
        expect(item.entityRefs).toEqual([ENTITY_REF, WEB_ADMIN]);
      }
      const failures = await as().get(
        `${TEAM}/change-failures/items?window=7d`,
      );
      // 101's causes: web's incident I1 and the failed deployment 102, merged from both members.
      expect(failures.body.items).toHaveLength(1);
      expect(
        failures.body.items[0].detail.causes.map((cause: any) => cause.kind),
      ).toEqual(['incident', 'failed-deployment']);
    });

    it("counts only the members the caller may see, and a system's parts", async () => {
      const limited = await as(LIMITED).get(`${TEAM}?window=7d`);
      expect(limited.status).toBe(200);
      expect(
        limited.body.members.map((member: any) => member.entityRef),
      ).toEqual([ENTITY_REF]);
      const items = await as(LIMITED).get(
        `${TEAM}/workflow-runs/items?window=7d`,
      );
      for (const item of items.body.items) {
        expect(item.entityRefs).toEqual([ENTITY_REF]);
      }
      const system = await as().get(`${SYSTEM}?window=7d`);
      expect(system.status).toBe(200);
      expect(
        system.body.members.map((member: any) => member.entityRef),
      ).toEqual([ENTITY_REF]);
      const incidents = await as().get(`${SYSTEM}/incidents/items?window=30d`);
      expect(incidents.body.items.map((item: any) => item.key)).toEqual(
        (
          await as().get(`${METRICS}/incidents/items?window=30d`)
        ).body.items.map((item: any) => item.key),
      );
      // A group without members that have metrics: empty figures, not an error.
      const empty = await as().get(
        '/entities/group/default/newcomers/metrics?window=7d',
      );
      expect(empty.status).toBe(200);
      expect(empty.body).toMatchObject({
        computedAt: null,
        members: [],
        version: 0,
        deploymentFrequency: { value: 0, sample: 0, level: null },
      });
      for (const path of [TEAM, SYSTEM]) {
        const hidden = await as(OUTSIDER).get(`${path}?window=7d`);
        expect(hidden.status).toBe(404);
        expect(JSON.stringify(hidden.body)).not.toContain('members');
        expect(
          (await as(OUTSIDER).get(`${path}/deployments/items?window=7d`))
            .status,
        ).toBe(404);
      }
      expect(
        (await as().get('/entities/group/default/nobody/metrics')).status,
      ).toBe(404);
    });

    it('lists the deployments per environment and their history, with the pull requests each shipped', async () => {
      const DEPLOYMENTS = '/entities/component/default/web/deployments';
      const res = await as().get(DEPLOYMENTS);
      expect(res.status).toBe(200);
      spec.validate(
        'get',
        '/entities/{kind}/{namespace}/{name}/deployments',
        200,
        res.body,
      );
      const versions = new VersionStore(knex);
      expect(res.body.metricsVersion).toBe(
        await versions.versionOf(ENTITY_REF, 'metrics'),
      );
      const byEnvironment = Object.fromEntries(
        res.body.environments.map((environment: any) => [
          environment.environment,
          environment,
        ]),
      );
      expect(Object.keys(byEnvironment)).toEqual(['production', 'staging']);
      expect(byEnvironment.production).toMatchObject({
        production: true,
        latest: { id: '103', sha: sha('c4'), state: 'success' },
        lastSuccess: { id: '103' },
      });
      expect(byEnvironment.production.latest.shipped).toEqual({
        baseline: false,
        failed: false,
        pullRequests: [
          { number: 4, title: expect.any(String), htmlUrl: expect.any(String) },
        ],
      });
      // Staging is no production environment: the metrics know nothing of what it shipped.
      expect(byEnvironment.staging).toMatchObject({
        production: false,
        latest: { id: '200', shipped: null },
      });

      const history = res.body.history.map((entry: any) => [
        entry.id,
        entry.shipped &&
          `${entry.shipped.baseline ? 'baseline' : ''}${
            entry.shipped.failed ? 'failed' : ''
          }:${entry.shipped.pullRequests
            .map((pull: any) => pull.number)
            .join(',')}`,
      ]);
      expect(history).toEqual([
        ['200', null],
        ['103', ':4'],
        ['102', null],
        ['101', 'failed:2,3'],
        ['100', 'baseline:'],
      ]);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const page = await as().get(
          `${DEPLOYMENTS}?environment=production&limit=2${query}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.history.map((entry: any) => entry.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['103', '102', '101', '100']);

      const first = await as().get(`${DEPLOYMENTS}?limit=1`);
      // A cursor belongs to its filter.
      expect(
        (
          await as().get(
            `${DEPLOYMENTS}?environment=staging&cursor=${first.body.nextCursor}`,
          )
        ).status,
      ).toBe(400);
      expect((await as().get(`${DEPLOYMENTS}?limit=0`)).status).toBe(400);
      expect((await as(OUTSIDER).get(DEPLOYMENTS)).status).toBe(404);
      // An entity the aggregation has not computed: nothing yet, not an error.
      const group = await as().get(
        '/entities/group/default/team-web/deployments',
      );
      expect(group.status).toBe(200);
      expect(group.body).toMatchObject({ environments: [], history: [] });
    });

    it('answers 404 for an entity the caller may not see, and for one not in the catalog', async () => {
      const hidden = await as(OUTSIDER).get(`${METRICS}?window=7d`);
      expect(hidden.status).toBe(404);
      expect(JSON.stringify(hidden.body)).not.toContain('deploymentFrequency');
      expect(
        (await as(OUTSIDER).get(`${METRICS}/lead-time/items?window=7d`)).status,
      ).toBe(404);
      expect(
        (await as().get('/entities/component/default/nope/metrics')).status,
      ).toBe(404);
    });

    it('refuses a window that is not configured, a malformed one, and a foreign cursor with 400', async () => {
      for (const query of [
        'window=14d',
        'window=abc',
        'window=0d',
        'window=7',
      ]) {
        const res = await as().get(`${METRICS}?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toEqual(expect.any(String));
      }
      expect((await as().get(`${METRICS}/everything/items`)).status).toBe(400);
      const page = await as().get(
        `${METRICS}/workflow-runs/items?window=7d&limit=1`,
      );
      const cursor = page.body.nextCursor;
      expect(
        (
          await as().get(
            `${METRICS}/lead-time/items?window=7d&cursor=${cursor}`,
          )
        ).status,
      ).toBe(400);
      expect(
        (
          await as().get(
            `${METRICS}/workflow-runs/items?window=30d&cursor=${cursor}`,
          )
        ).status,
      ).toBe(400);
    });
  },
);
