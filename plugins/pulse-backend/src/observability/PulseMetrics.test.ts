import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { WebhookEvent } from '@internal/github-simulator';
import request from 'supertest';
import { componentEntity } from '../__testUtils__/entities';
import { TestMetrics } from '../__testUtils__/metrics';
import { startPulseTestBackend } from '../__testUtils__/testBackend';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { createHarness, trackedEntity } from '../github/__testUtils__/harness';
import { GithubWebhookHandler } from '../github/GithubWebhookHandler';
import {
  createTestEngine,
  RecordingNotifications,
} from '../oncall/__testUtils__/engine';
import {
  alertSignal,
  configPolicySource,
  FakeClock,
  migratedDatabase,
  testOncallConfig,
} from '../oncall/__testUtils__/fixtures';
import { intakeRefusalReason, PulseMetrics } from './PulseMetrics';

jest.setTimeout(120_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'Pulse metrics on %s',
  databaseId => {
    let metrics: TestMetrics;

    beforeEach(() => {
      metrics = new TestMetrics();
    });

    afterEach(async () => {
      await metrics.shutdown();
    });

    it('count and time alert deliveries posted to the plugin, accepted and refused by reason', async () => {
      // The plugin gets its instruments from Backstage's own metrics service factory, which reads
      // the process's OpenTelemetry meter provider.
      metrics.installGlobally();
      const { server } = await startPulseTestBackend({
        knex: await databases.init(databaseId),
        entities: [componentEntity('payments-api')],
      });
      const monitoring = mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('monitoring'),
        targetPluginId: 'pulse',
      });
      const post = (body: object, auth = monitoring) =>
        request(server)
          .post('/api/pulse/v1/alerts/json')
          .set('Authorization', auth)
          .send(body);
      const alert = {
        entityRef: 'component:default/payments-api',
        title: 'Checkout error rate above 5%',
        severity: 'critical',
        dedupKey: 'checkout-errors',
      };

      expect((await post(alert)).status).toBe(202);
      expect((await post(alert)).status).toBe(202);
      expect((await post({ ...alert, title: undefined })).status).toBe(400);
      expect(
        (await post({ ...alert, entityRef: 'component:default/nowhere' }))
          .status,
      ).toBe(400);
      expect((await post(alert, mockCredentials.user.header())).status).toBe(
        403,
      );

      expect(
        await metrics.sum('pulse.alerts.accepted', {
          source: 'json',
          outcome: 'created',
        }),
      ).toBe(1);
      expect(
        await metrics.sum('pulse.alerts.accepted', {
          source: 'json',
          outcome: 'absorbed',
        }),
      ).toBe(1);
      expect(
        await metrics.sum('pulse.alerts.refused', {
          format: 'json',
          reason: 'invalid',
        }),
      ).toBe(2);
      expect(
        await metrics.sum('pulse.alerts.refused', {
          format: 'json',
          reason: 'forbidden',
        }),
      ).toBe(1);
      const accepted = await metrics.histogram('pulse.alerts.intake.duration', {
        format: 'json',
        outcome: 'accepted',
      });
      expect(accepted).toMatchObject({ count: 2, unit: 's' });
      expect(accepted.sum).toBeGreaterThan(0);
      expect(
        await metrics.histogram('pulse.alerts.intake.duration', {
          outcome: 'refused',
        }),
      ).toMatchObject({ count: 3 });

      // No entity ref, dedup key or caller in any attribute.
      for (const name of [
        'pulse.alerts.accepted',
        'pulse.alerts.refused',
        'pulse.alerts.intake.duration',
      ]) {
        const values = (await metrics.attributeSets(name)).flatMap(
          Object.values,
        );
        expect(values).not.toContain('component:default/payments-api');
        expect(values).not.toContain('checkout-errors');
        expect(values).not.toContain('monitoring');
      }
    });

    it('count pages, time escalation ticks and measure how late each due step fired', async () => {
      const knex = await databases.init(databaseId);
      await migratedDatabase(knex);
      // Monday noon in Berlin: bob has the primary week, dave the daytime shift.
      const clock = new FakeClock('2025-05-05T10:00:00Z');
      const config = testOncallConfig();
      const engine = createTestEngine({
        knex,
        config,
        clock,
        policies: configPolicySource(config),
        notifications: new RecordingNotifications(),
        replicaId: 'replica-a',
        metrics: new PulseMetrics(metrics.service),
      });
      await engine.intake.receive(
        alertSignal({ dedupKey: 'checkout-errors', source: 'alertmanager' }),
        'alertmanager',
      );

      // The first step is due at once; the second five minutes later, but the next tick comes
      // at seven minutes: that page is two minutes late.
      expect((await engine.runner.run()).paged).toBe(1);
      clock.advance(7);
      expect((await engine.runner.run()).paged).toBe(1);
      clock.advance(1);
      expect((await engine.runner.run()).paged).toBe(0);
      expect((await engine.runner.watchdog()).due).toBe(0);

      expect(
        await metrics.sum('pulse.escalation.pages', {
          run: 'escalation',
          outcome: 'sent',
        }),
      ).toBe(2);
      expect(
        await metrics.histogram('pulse.escalation.tick.duration', {
          run: 'escalation',
        }),
      ).toMatchObject({ count: 3, unit: 's' });
      expect(
        await metrics.histogram('pulse.escalation.lag', { run: 'escalation' }),
      ).toEqual({ count: 2, sum: 120, unit: 's' });

      // A page that cannot be sent counts as failed and is retried by the next tick.
      const failing = createTestEngine({
        knex,
        config,
        clock,
        policies: configPolicySource(config),
        notifications: {
          send: async () => {
            throw new Error('notifications are down');
          },
        },
        replicaId: 'replica-b',
        metrics: new PulseMetrics(metrics.service),
      });
      clock.advance(10);
      expect((await failing.runner.run()).failed).toBe(1);
      expect(
        await metrics.sum('pulse.escalation.pages', {
          run: 'escalation',
          outcome: 'failed',
        }),
      ).toBe(1);
      expect(
        await metrics.histogram('pulse.escalation.tick.duration', {
          run: 'watchdog',
        }),
      ).toMatchObject({ count: 1 });
      // Only the run and the outcome: no incident, user or schedule.
      expect(await metrics.attributeSets('pulse.escalation.pages')).toEqual(
        expect.arrayContaining([{ run: 'escalation', outcome: 'sent' }]),
      );
      for (const name of ['pulse.escalation.pages', 'pulse.escalation.lag']) {
        for (const attributes of await metrics.attributeSets(name)) {
          expect(Object.keys(attributes).sort()).toEqual(
            name === 'pulse.escalation.pages' ? ['outcome', 'run'] : ['run'],
          );
        }
      }
    });

    it('time syncs by outcome, count failures by repository and report the quota left per host', async () => {
      const pulseMetrics = new PulseMetrics(metrics.service);
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
        sim: { pullsPerRepo: 3, runsPerRepo: 3, historyDays: 5 },
        engine: { metrics: pulseMetrics },
      });
      try {
        pulseMetrics.observeGithubQuota(h.engine.clients);
        expect(
          await metrics.gauge('pulse.github.rate_limit.remaining'),
        ).toEqual([]);
        // Tracked, but GitHub does not know it.
        await h.trackedEntities.upsert([trackedEntity('acme/gone')]);

        const cycle = await h.engine.runCycle();
        expect(cycle.outcomes).toMatchObject({ synced: 1, failed: 1 });

        expect(
          await metrics.histogram('pulse.github.sync.duration', {
            host: 'github.com',
            outcome: 'synced',
          }),
        ).toMatchObject({ count: 1, unit: 's' });
        expect(
          await metrics.histogram('pulse.github.sync.duration', {
            outcome: 'failed',
          }),
        ).toMatchObject({ count: 1 });
        expect(
          await metrics.sum('pulse.github.sync.failures', {
            host: 'github.com',
            repository: 'acme/gone',
          }),
        ).toBe(1);
        expect(
          await metrics.sum('pulse.github.sync.failures', {
            repository: 'acme/web',
          }),
        ).toBe(0);

        const seen = h.engine.clients.forHost('github.com')!.snapshot();
        expect(seen.remaining).toEqual(expect.any(Number));
        expect(
          await metrics.gauge('pulse.github.rate_limit.remaining'),
        ).toEqual([
          { attributes: { host: 'github.com' }, value: seen.remaining },
        ]);
        expect(await metrics.gauge('pulse.github.rate_limit.limit')).toEqual([
          { attributes: { host: 'github.com' }, value: seen.limit },
        ]);
      } finally {
        await h.stop();
      }
    });

    it('count webhook deliveries by event, outcome and reason', async () => {
      const pulseMetrics = new PulseMetrics(metrics.service);
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
        sim: { pullsPerRepo: 3, runsPerRepo: 3, historyDays: 5 },
      });
      try {
        await h.engine.runCycle();
        const handler = new GithubWebhookHandler({
          store: h.store,
          publisher: h.publisher,
          targets: h.engine,
          logger: mockServices.logger.mock(),
          clock: h.clock,
          metrics: pulseMetrics,
        });
        const params = (
          event: WebhookEvent,
          payload: unknown = event.payload,
        ) => ({
          topic: `github.${event.name}`,
          eventPayload: payload,
          metadata: {
            'x-github-event': event.name,
            'x-github-delivery': event.deliveryId,
          },
        });
        let pull: WebhookEvent | undefined;
        while (!pull) {
          pull = h.sim.tick().find(event => event.name === 'pull_request');
        }

        await handler.onEvent(params(pull));
        await handler.onEvent(params(pull));
        await handler.onEvent({
          ...params(pull, {
            ...pull.payload,
            repository: { full_name: 'acme/untracked' },
          }),
          metadata: { 'x-github-delivery': 'other-repository' },
        });
        await handler.onEvent({
          ...params(pull, null),
          metadata: { 'x-github-delivery': 'no-body' },
        });
        const broken = new GithubWebhookHandler({
          store: h.store,
          publisher: h.publisher,
          targets: {
            webhookTarget: async () => {
              throw new Error('the database is gone');
            },
          },
          logger: mockServices.logger.mock(),
          metrics: pulseMetrics,
          retryDelaysMs: [],
        });
        await expect(broken.onEvent(params(pull))).rejects.toThrow(
          'the database is gone',
        );

        const count = (attributes: Record<string, string>) =>
          metrics.sum('pulse.github.webhook.deliveries', {
            event: 'pull_request',
            ...attributes,
          });
        expect(await count({ outcome: 'accepted' })).toBe(1);
        expect(await count({ outcome: 'ignored', reason: 'duplicate' })).toBe(
          1,
        );
        expect(await count({ outcome: 'ignored', reason: 'ignored' })).toBe(1);
        expect(await count({ outcome: 'refused', reason: 'malformed' })).toBe(
          1,
        );
        expect(await count({ outcome: 'failed', reason: 'error' })).toBe(1);
      } finally {
        await h.stop();
      }
    });
  },
);

describe('intakeRefusalReason', () => {
  it('names the reason of each status the intake refuses with', () => {
    expect(
      [400, 401, 403, 404, 408, 413, 429, 500, 503, 418].map(
        intakeRefusalReason,
      ),
    ).toEqual([
      'invalid',
      'unauthenticated',
      'forbidden',
      'not-found',
      'body-timeout',
      'too-large',
      'rate-limited',
      'server-error',
      'server-error',
      'other',
    ]);
  });
});
