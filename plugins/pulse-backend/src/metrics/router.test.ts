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
const H = 3600;
const METRICS = '/entities/component/default/web/metrics';

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
          { repositoryId, defaultBranch: 'main', entityRefs: [ENTITY_REF] },
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
            spec: {},
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
        visible: (_entity, principal) => principal.ref !== OUTSIDER,
        features: [
          createServiceFactory({
            service: pulseClockServiceRef,
            deps: {},
            factory: () => ({ now: () => NOW }),
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
      expect(result).toMatchObject({ computed: 1, complete: true });
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
        unchanged: 1,
      });
      expect(await versions.versionOf(ENTITY_REF, 'metrics')).toBe(before);
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
