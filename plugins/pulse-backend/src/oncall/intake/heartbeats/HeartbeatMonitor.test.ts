import { mockServices } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import { Knex } from 'knex';
import { createTestDatabases } from '../../../__testUtils__/testDatabases';
import { FakeClock, migratedDatabase } from '../../__testUtils__/fixtures';
import { AlertSignal, IncidentIntake } from '../../incidents/IncidentIntake';
import { createIncidentServices } from '../../incidents';
import { HeartbeatMonitorConfig } from '../config';
import { HeartbeatMonitor } from './HeartbeatMonitor';
import { HeartbeatStore } from './HeartbeatStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const BACKUP: HeartbeatMonitorConfig = {
  id: 'nightly-backup',
  entityRef: 'component:default/ledger',
  intervalSeconds: 300,
  title: 'Nightly backup stopped checking in',
  severity: 'error',
};
const SYNC: HeartbeatMonitorConfig = {
  id: 'sync',
  entityRef: 'component:default/payments-api',
  intervalSeconds: 60,
  title: 'Heartbeat sync missed',
  severity: 'critical',
};

describe.each(databases.eachSupportedId())(
  'HeartbeatMonitor on %s',
  databaseId => {
    let knex: Knex;

    async function setup(
      options: {
        monitors?: HeartbeatMonitorConfig[];
        wrapStore?: (store: HeartbeatStore) => HeartbeatStore;
        wrapIntake?: (intake: IncidentIntake) => IncidentIntake;
        clock?: FakeClock;
        fresh?: boolean;
      } = {},
    ) {
      if (options.fresh !== false) {
        knex = await databases.init(databaseId);
      }
      const { publisher } = await migratedDatabase(knex);
      const clock = options.clock ?? new FakeClock('2026-11-22T10:00:00Z');
      const { actions: incidents, intake } = createIncidentServices({
        knex,
        publisher,
        clock,
      });
      const store = new HeartbeatStore(knex);
      const monitor = new HeartbeatMonitor({
        monitors: options.monitors ?? [BACKUP],
        store: options.wrapStore?.(store) ?? store,
        intake: options.wrapIntake?.(intake) ?? intake,
        logger: mockServices.logger.mock(),
        clock,
      });
      // The first check, at start-up, registers the monitors: their first interval starts now.
      await monitor.check();
      const rows = () =>
        knex('pulse_incidents')
          .select(
            'dedup_key',
            'status',
            'alert_count',
            'source',
            'entity_ref',
            'title',
            'severity',
          )
          .orderBy('created_at');
      return { monitor, clock, incidents, store, rows };
    }

    it('opens exactly one incident when the interval passes without a ping', async () => {
      const { monitor, clock, rows } = await setup();
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'none' },
      ]);

      clock.advanceSeconds(300);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'none' },
      ]);
      expect(await rows()).toEqual([]);

      clock.advanceSeconds(1);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'expired' },
      ]);
      for (let i = 0; i < 5; i++) {
        clock.advanceSeconds(10);
        expect(await monitor.check()).toEqual([
          { id: 'nightly-backup', action: 'none' },
        ]);
      }
      expect(await rows()).toEqual([
        {
          dedup_key: 'heartbeat:nightly-backup',
          status: 'triggered',
          alert_count: 1,
          source: 'heartbeat',
          entity_ref: 'component:default/ledger',
          title: 'Nightly backup stopped checking in',
          severity: 'error',
        },
      ]);
    });

    it('stays quiet while pings arrive within the interval', async () => {
      const { monitor, clock, rows } = await setup();
      for (let i = 0; i < 10; i++) {
        clock.advanceSeconds(290);
        await monitor.ping('nightly-backup', 'backup-cron');
        await monitor.check();
      }
      expect(await rows()).toEqual([]);
    });

    it('resolves the incident on the next ping, and opens a new one on the next outage', async () => {
      const { monitor, clock, rows, incidents } = await setup();
      clock.advanceSeconds(301);
      await monitor.check();

      clock.advanceSeconds(30);
      const ping = await monitor.ping('nightly-backup', 'backup-cron');
      expect(ping.resolved).toMatchObject({ outcome: 'resolved' });
      expect(ping.state).toMatchObject({
        lastPingAt: clock.now(),
        expiredAt: null,
      });
      expect(await rows()).toEqual([
        expect.objectContaining({ status: 'resolved', alert_count: 1 }),
      ]);
      const resolved = await incidents.get(ping.resolved!.incidentId!);
      expect(
        resolved.timeline
          .filter(e => e.type === 'created' || e.type === 'resolved')
          .map(e => [e.type, e.actor]),
      ).toEqual([
        ['created', 'plugin:pulse'],
        ['resolved', 'backup-cron'],
      ]);

      // A second ping changes nothing.
      expect(
        (await monitor.ping('nightly-backup', 'backup-cron')).resolved,
      ).toBeNull();

      clock.advanceSeconds(299);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'none' },
      ]);
      clock.advanceSeconds(2);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'expired' },
      ]);
      expect((await rows()).map(r => r.status)).toEqual([
        'resolved',
        'triggered',
      ]);
    });

    it('gives one incident per outage when flapping, never two open at once', async () => {
      const { monitor, clock, rows } = await setup({ monitors: [SYNC] });
      for (let outage = 0; outage < 4; outage++) {
        // Miss the interval, with several checks during the outage.
        for (let i = 0; i < 4; i++) {
          clock.advanceSeconds(25);
          await monitor.check();
        }
        const open = (await rows()).filter(r => r.status !== 'resolved');
        expect(open).toHaveLength(1);
        // Ping twice (a burst of pings), check in between.
        await monitor.ping('sync', 'cron');
        await monitor.check();
        await monitor.ping('sync', 'cron');
      }
      const all = await rows();
      expect(all).toHaveLength(4);
      expect(
        all.every(r => r.status === 'resolved' && r.alert_count === 1),
      ).toBe(true);
    });

    it('keeps the last ping in the database, so a restarted or other replica agrees', async () => {
      const clock = new FakeClock('2026-11-22T10:00:00Z');
      const first = await setup({ clock });
      clock.advanceSeconds(200);
      await first.monitor.ping('nightly-backup', 'backup-cron');

      // Another process: new monitor and store objects over the same database.
      const second = await setup({ clock, fresh: false });
      clock.advanceSeconds(250);
      expect(await second.monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'none' },
      ]);
      clock.advanceSeconds(51);
      expect(await second.monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'expired' },
      ]);
      // The first process sees the expiry the second recorded: its ping resolves the incident.
      const ping = await first.monitor.ping('nightly-backup', 'backup-cron');
      expect(ping.resolved).toMatchObject({ outcome: 'resolved' });
      expect(await first.rows()).toEqual([
        expect.objectContaining({ status: 'resolved' }),
      ]);
    });

    it('counts the first interval from when the monitor was first seen', async () => {
      const clock = new FakeClock('2026-11-22T10:00:00Z');
      await setup({ clock });
      clock.advanceSeconds(200);
      // A restart does not restart the interval.
      const second = await setup({ clock, fresh: false });
      clock.advanceSeconds(101);
      expect(await second.monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'expired' },
      ]);
    });

    it('checks monitors independently', async () => {
      const { monitor, clock, rows } = await setup({
        monitors: [BACKUP, SYNC],
      });
      clock.advanceSeconds(61);
      await monitor.ping('nightly-backup', 'cron');
      expect(await monitor.check()).toEqual(
        expect.arrayContaining([
          { id: 'nightly-backup', action: 'none' },
          { id: 'sync', action: 'expired' },
        ]),
      );
      expect((await rows()).map(r => r.dedup_key)).toEqual(['heartbeat:sync']);
    });

    it('resolves what it just opened when a ping lands between its read and its mark', async () => {
      const { monitor, clock, rows } = await setup({
        wrapStore: store =>
          Object.assign(Object.create(store), {
            markExpired: async (id: string, cutoff: Date, now: Date) => {
              // The ping arrives while the check is triggering.
              await store.recordPing(id, now);
              return store.markExpired(id, cutoff, now);
            },
          }),
      });
      clock.advanceSeconds(301);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'raced' },
      ]);
      expect(await rows()).toEqual([
        expect.objectContaining({ status: 'resolved' }),
      ]);
      clock.advanceSeconds(10);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'none' },
      ]);
    });

    it('never loses the page when it crashes between triggering and marking', async () => {
      let failMark = true;
      const { monitor, clock, rows } = await setup({
        wrapStore: store =>
          Object.assign(Object.create(store), {
            markExpired: async (id: string, cutoff: Date, now: Date) => {
              if (failMark) {
                failMark = false;
                throw new Error('connection lost');
              }
              return store.markExpired(id, cutoff, now);
            },
          }),
      });
      clock.advanceSeconds(301);
      expect(await monitor.check()).toEqual([]);
      expect(await rows()).toEqual([
        expect.objectContaining({ status: 'triggered', alert_count: 1 }),
      ]);
      clock.advanceSeconds(10);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'expired' },
      ]);
      // The retry was absorbed by the open incident: still one incident, no second page.
      expect(await rows()).toEqual([
        expect.objectContaining({ status: 'triggered', alert_count: 2 }),
      ]);
    });

    it('finishes a resolve that a ping could not complete', async () => {
      let failResolve = false;
      const { monitor, clock, rows } = await setup({
        wrapIntake: intake => ({
          receive: async (signal: AlertSignal, actor: string) => {
            if (failResolve && signal.action === 'resolve') {
              failResolve = false;
              throw new Error('database went away');
            }
            return intake.receive(signal, actor);
          },
          receiveAll: (signals: AlertSignal[], actor: string) =>
            intake.receiveAll(signals, actor),
        }),
      });
      clock.advanceSeconds(301);
      await monitor.check();
      failResolve = true;
      clock.advanceSeconds(5);
      await expect(monitor.ping('nightly-backup', 'cron')).rejects.toThrow(
        'database went away',
      );
      expect((await rows())[0].status).toBe('triggered');

      clock.advanceSeconds(5);
      expect(await monitor.check()).toEqual([
        { id: 'nightly-backup', action: 'recovered' },
      ]);
      expect(await rows()).toEqual([
        expect.objectContaining({ status: 'resolved' }),
      ]);
    });

    it('refuses a ping for a monitor that is not configured', async () => {
      const { monitor } = await setup();
      await expect(monitor.ping('nope', 'cron')).rejects.toThrow(NotFoundError);
      await expect(monitor.ping('nope', 'cron')).rejects.toThrow(
        "No heartbeat monitor 'nope' is configured in pulse.oncall.heartbeats",
      );
      expect(await knex('pulse_heartbeats').where({ id: 'nope' })).toEqual([]);
    });
  },
);
