import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { componentEntity, userEntity } from '../../__testUtils__/entities';
import { startPulseTestBackend } from '../../__testUtils__/testBackend';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { pulseClockServiceRef } from '../../service/clock';
import {
  createTestEngine,
  RecordingNotifications,
} from '../__testUtils__/engine';
import {
  ALICE,
  alertSignal,
  BOB,
  configPolicySource,
  FakeClock,
  migratedDatabase,
  oncallConfigData,
  testOncallConfig,
} from '../__testUtils__/fixtures';
import { IncidentStore } from '../incidents/IncidentStore';
import { HeartbeatStore } from '../intake/heartbeats/HeartbeatStore';
import { RateLimitStore } from '../intake/RateLimitStore';
import { RETENTION_TASK_ID } from '../setup';
import { OncallRetentionConfig } from './config';
import { OncallRetention } from './OncallRetention';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const DAY_MS = 24 * 60 * 60 * 1000;
// Monday 2025-05-05 12:00 in Berlin.
const START = '2025-05-05T10:00:00Z';

const retentionConfig: OncallRetentionConfig = {
  resolvedIncidentDays: 365,
  pastOverrideDays: 90,
  removedHeartbeatDays: 30,
  schedule: { frequency: { hours: 24 }, timeout: { minutes: 30 } },
};

/** Rows of each on-call table that belong to an incident. */
async function incidentRows(knex: Knex, incidentId: string) {
  const count = async (table: string, column: string) =>
    (await knex(table).where({ [column]: incidentId })).length;
  return {
    incident: await count('pulse_incidents', 'id'),
    timeline: await count('pulse_incident_timeline', 'incident_id'),
    assignees: await count('pulse_incident_assignees', 'incident_id'),
    pages: await count('pulse_incident_pages', 'incident_id'),
  };
}

describe.each(databases.eachSupportedId())(
  'on-call retention on %s',
  databaseId => {
    async function setup(options: { batchSize?: number } = {}) {
      const knex = await databases.init(databaseId);
      await migratedDatabase(knex);
      const clock = new FakeClock(START);
      const config = testOncallConfig();
      const engine = createTestEngine({
        knex,
        config,
        clock,
        policies: configPolicySource(config),
        notifications: new RecordingNotifications(),
      });
      const heartbeats = new HeartbeatStore(knex);
      const rateLimits = new RateLimitStore(knex);
      const retention = new OncallRetention({
        incidents: new IncidentStore(knex),
        overrides: engine.schedules.overrides,
        heartbeats,
        rateLimits,
        retention: retentionConfig,
        heartbeatIds: ['nightly-backup'],
        rateLimit: { requestsPerSecond: 50, burst: 200 },
        logger: engine.logger,
        clock,
        batchSize: options.batchSize,
      });
      /** An incident paged once (timeline, assignee, page), resolved or left open. */
      const pagedIncident = async (
        dedupKey: string,
        end: 'resolved' | 'acknowledged' | 'triggered',
      ) => {
        const { incidentId } = await engine.intake.receive(
          alertSignal({ dedupKey }),
          'alertmanager',
        );
        await engine.runner.run();
        if (end === 'resolved') {
          await engine.incidents.resolve(incidentId!, { actor: ALICE });
        }
        if (end === 'acknowledged') {
          await engine.incidents.acknowledge(incidentId!, { actor: ALICE });
        }
        return incidentId!;
      };
      return {
        knex,
        clock,
        engine,
        heartbeats,
        rateLimits,
        retention,
        pagedIncident,
      };
    }

    it('deletes a resolved incident past the cut-off with its timeline, pages and assignees', async () => {
      const { knex, clock, retention, pagedIncident } = await setup();
      const old = await pagedIncident('old', 'resolved');
      expect(await incidentRows(knex, old)).toEqual({
        incident: 1,
        timeline: 3,
        assignees: 1,
        pages: 1,
      });
      clock.advance(200 * 24 * 60);
      const recent = await pagedIncident('recent', 'resolved');

      clock.set(new Date(Date.parse(START) + 366 * DAY_MS));
      expect(await retention.run()).toMatchObject({ incidents: 1 });
      expect(await incidentRows(knex, old)).toEqual({
        incident: 0,
        timeline: 0,
        assignees: 0,
        pages: 0,
      });
      expect((await incidentRows(knex, recent)).incident).toBe(1);
    });

    it('keeps an open incident older than the cut-off, triggered or acknowledged', async () => {
      const { knex, clock, retention, pagedIncident } = await setup();
      const triggered = await pagedIncident('still-firing', 'triggered');
      const acknowledged = await pagedIncident('being-worked', 'acknowledged');
      clock.set(new Date(Date.parse(START) + 1000 * DAY_MS));
      expect(await retention.run()).toMatchObject({ incidents: 0 });
      for (const id of [triggered, acknowledged]) {
        expect(await incidentRows(knex, id)).toMatchObject({
          incident: 1,
          assignees: 1,
          pages: 1,
        });
      }
    });

    it('deletes in batches until nothing past the cut-off is left', async () => {
      const { knex, clock, retention, pagedIncident } = await setup({
        batchSize: 2,
      });
      for (let i = 0; i < 5; i++) {
        await pagedIncident(`batch-${i}`, 'resolved');
      }
      clock.set(new Date(Date.parse(START) + 366 * DAY_MS));
      expect(await retention.run()).toMatchObject({ incidents: 5 });
      expect(await knex('pulse_incidents')).toEqual([]);
      expect(await knex('pulse_incident_timeline')).toEqual([]);
    });

    it('deletes overrides that ended before the cut-off and keeps the others', async () => {
      const { clock, engine, retention } = await setup();
      const create = (start: string, end: string) =>
        engine.schedules.createOverride(
          'primary',
          { userRef: BOB, start, end },
          { actor: ALICE },
        );
      await create('2025-05-06T09:00:00Z', '2025-05-07T09:00:00Z');
      const later = await create(
        '2025-09-01T09:00:00Z',
        '2025-09-02T09:00:00Z',
      );
      // 100 days after the first ended, 20 after the second.
      clock.set('2025-09-22T09:00:00Z');
      expect(await retention.run()).toMatchObject({ overrides: 1 });
      expect(
        (await engine.schedules.listOverrides('primary')).map(o => o.id),
      ).toEqual([later.id]);
    });

    it('forgets heartbeat monitors no longer configured, and idle rate-limit buckets', async () => {
      const { knex, clock, heartbeats, rateLimits, retention } = await setup();
      const start = clock.now();
      await heartbeats.ensure(['nightly-backup', 'retired-job'], start);
      const limit = { requestsPerSecond: 50, burst: 200 };
      await rateLimits.take('alertmanager', limit, start.getTime());

      clock.advance(10 * 24 * 60);
      await rateLimits.take('grafana', limit, clock.now().getTime());
      expect(await retention.run()).toMatchObject({
        heartbeats: 0,
        rateLimitBuckets: 1,
      });
      expect(await knex('pulse_intake_rate_limits').pluck('caller')).toEqual([
        'grafana',
      ]);

      clock.advance(25 * 24 * 60);
      expect(await retention.run()).toMatchObject({ heartbeats: 1 });
      expect(await heartbeats.get('retired-job')).toBeUndefined();
      // A configured monitor stays, however long it has been silent.
      expect(await heartbeats.get('nightly-backup')).toBeDefined();
    });
  },
);

describe.each(databases.eachSupportedId())(
  'on-call retention in the Pulse plugin on %s',
  databaseId => {
    it('runs as the pulse-oncall-retention task with pulse.retention.oncall', async () => {
      const knex = await databases.init(databaseId);
      const clock = new FakeClock(START);
      let scheduler: SchedulerService | undefined;
      const { as } = await startPulseTestBackend({
        knex,
        config: {
          pulse: {
            oncall: oncallConfigData,
            retention: { oncall: { resolvedIncidentDays: 30 } },
            // Delivery metrics need incidents for their longest window.
            metrics: { windows: [7, 30] },
          },
        },
        entities: [componentEntity('payments-api'), userEntity('mock')],
        features: [
          createServiceFactory({
            service: pulseClockServiceRef,
            deps: {},
            factory: () => clock,
          }),
          mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
          createBackendModule({
            pluginId: 'pulse',
            moduleId: 'test-scheduler',
            register(env) {
              env.registerInit({
                deps: { scheduler: coreServices.scheduler },
                async init(deps) {
                  scheduler = deps.scheduler;
                },
              });
            },
          }),
        ],
      });
      const open = async (title: string) =>
        (
          await as()
            .post('/incidents', {
              entityRef: 'component:default/payments-api',
              title,
              severity: 'error',
            })
            .expect(201)
        ).body.id as string;
      const resolved = await open('Refunds failing');
      await as().post(`/incidents/${resolved}/resolve`).expect(200);
      const firing = await open('Checkout down');

      clock.advance(31 * 24 * 60);
      await scheduler!.triggerTask(RETENTION_TASK_ID);
      await as().get(`/incidents/${resolved}`).expect(404);
      await as().get(`/incidents/${firing}`).expect(200);
      expect(
        await knex('pulse_incident_timeline').where({ incident_id: resolved }),
      ).toEqual([]);
    });
  },
);
