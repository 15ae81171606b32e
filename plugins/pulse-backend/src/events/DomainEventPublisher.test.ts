import { mockServices } from '@backstage/backend-test-utils';
import { PulseDomainEvent } from '@pulse-oss/plugin-pulse-common';
import { applyMigrations } from '../database/migrations';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { VersionStore } from '../live/VersionStore';
import { DomainEventPublisher, LiveVersion } from './DomainEventPublisher';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'DomainEventPublisher on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      return {
        knex,
        publisher: new DomainEventPublisher(knex, mockServices.logger.mock()),
      };
    }

    it('logs events in order and tells listeners', async () => {
      const { knex, publisher } = await setup();
      const heard: PulseDomainEvent[] = [];
      publisher.subscribe(events => heard.push(...events));

      const [first] = await publisher.publish({
        entityRef: 'component:default/a',
        type: 'github.pull_request.opened',
        payload: { number: 1 },
      });
      await publisher.publish([
        { entityRef: 'component:default/b', type: 'x', payload: { n: 2 } },
        { entityRef: 'component:default/a', type: 'y', payload: { n: 3 } },
      ]);

      expect(first).toMatchObject({
        entityRef: 'component:default/a',
        type: 'github.pull_request.opened',
        payload: { number: 1 },
      });
      expect(heard.map(e => e.type)).toEqual([
        'github.pull_request.opened',
        'x',
        'y',
      ]);
      const all = await publisher.list({});
      expect(all.map(e => e.sequence)).toEqual(
        [...all.map(e => e.sequence)].sort((a, b) => a - b),
      );
      expect(
        (await publisher.list({ entityRef: 'component:default/a' })).map(
          e => e.type,
        ),
      ).toEqual(['github.pull_request.opened', 'y']);
      expect(
        (await publisher.list({ afterSequence: first.sequence })).map(
          e => e.type,
        ),
      ).toEqual(['x', 'y']);
      await knex.destroy();
    });

    it('keeps events of a rolled-back transaction out of the log and away from listeners', async () => {
      const { knex, publisher } = await setup();
      const heard: PulseDomainEvent[] = [];
      publisher.subscribe(events => heard.push(...events));

      await expect(
        knex.transaction(async tx => {
          await publisher.publish(
            { entityRef: null, type: 'lost', payload: {} },
            tx,
          );
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      await knex.transaction(async tx => {
        await publisher.publish(
          { entityRef: null, type: 'kept', payload: {} },
          tx,
        );
      });
      await new Promise(resolve => setImmediate(resolve));

      expect((await publisher.list({})).map(e => e.type)).toEqual(['kept']);
      expect(heard.map(e => e.type)).toEqual(['kept']);
      await knex.destroy();
    });

    it('prunes events older than the retention', async () => {
      const { knex, publisher } = await setup();
      await publisher.publish([
        {
          entityRef: null,
          type: 'old',
          payload: {},
          occurredAt: new Date('2026-01-01T00:00:00Z'),
        },
        {
          entityRef: null,
          type: 'new',
          payload: {},
          occurredAt: new Date('2026-11-01T00:00:00Z'),
        },
      ]);
      expect(await publisher.prune(new Date('2026-06-01T00:00:00Z'))).toBe(1);
      expect((await publisher.list({})).map(e => e.type)).toEqual(['new']);
      await knex.destroy();
    });

    it('raises versions and feed positions in commit order, even when sequences are not', async () => {
      const { knex, publisher } = await setup();
      const store = new VersionStore(knex);
      const heard: LiveVersion[][] = [];
      publisher.subscribe((_events, versions) => heard.push(versions));
      const event = (entityRef: string, n: number) => ({
        entityRef,
        type: 'github.pull_request.updated',
        payload: { n },
      });

      // A transaction for another entity takes a sequence and commits last.
      let releaseLate!: () => void;
      const lateHeld = new Promise<void>(resolve => {
        releaseLate = resolve;
      });
      let lateStarted!: () => void;
      const lateInserted = new Promise<void>(resolve => {
        lateStarted = resolve;
      });
      let lateVersionWhileOpen = 0;
      const late = knex.transaction(async tx => {
        await publisher.publish(event('component:default/late', 1), tx);
        lateStarted();
        await lateHeld;
      });
      if (knex.client.config.client === 'pg') {
        await lateInserted;
        // Meanwhile another entity's change commits with a higher sequence.
        await publisher.publish(event('component:default/early', 2));
        lateVersionWhileOpen = await store.versionOf(
          'component:default/late',
          'pull-requests',
        );
        releaseLate();
        await late;
      } else {
        // SQLite runs one writing transaction at a time: the same order, without the overlap.
        await lateInserted;
        releaseLate();
        await late;
        await publisher.publish(event('component:default/early', 2));
      }
      expect(lateVersionWhileOpen).toBe(0);
      expect(
        await store.versionOf('component:default/late', 'pull-requests'),
      ).toBe(1);
      expect(
        await store.versionOf('component:default/early', 'pull-requests'),
      ).toBe(1);

      // Two transactions on the same entity: the second waits for the first's version row, so the
      // one that commits later has the higher version and feed position.
      let releaseFirst!: () => void;
      const firstHeld = new Promise<void>(resolve => {
        releaseFirst = resolve;
      });
      let firstStarted!: () => void;
      const firstInserted = new Promise<void>(resolve => {
        firstStarted = resolve;
      });
      const first = knex.transaction(async tx => {
        await publisher.publish(event('component:default/same', 1), tx);
        firstStarted();
        await firstHeld;
      });
      await firstInserted;
      const second = publisher.publish(event('component:default/same', 2));
      releaseFirst();
      await Promise.all([first, second]);
      const rows = await knex('pulse_events')
        .where({ entity_ref: 'component:default/same' })
        .orderBy('feed_position')
        .select('payload', 'feed_position');
      expect(
        rows.map(r => [JSON.parse(r.payload).n, Number(r.feed_position)]),
      ).toEqual([
        [1, 1],
        [2, 2],
      ]);
      expect(await store.versionsOf('component:default/same')).toEqual({
        'pull-requests': 2,
        activity: 2,
      });
      // Listeners heard each commit's versions.
      expect(heard.flat()).toEqual(
        expect.arrayContaining([
          {
            subject: 'component:default/same',
            topic: 'pull-requests',
            version: 2,
          },
        ]),
      );
    });

    it('gives each event of a batch its feed position and raises every version once', async () => {
      const { knex, publisher } = await setup();
      const heard: LiveVersion[][] = [];
      publisher.subscribe((_events, versions) => heard.push(versions));
      await publisher.publish({
        entityRef: 'component:default/a',
        type: 'incident.created',
        payload: { n: 0 },
      });
      const occurredAt = new Date('2026-12-01T10:00:00.123Z');
      const stored = await publisher.publish([
        {
          entityRef: 'component:default/a',
          type: 'incident.alert_absorbed',
          payload: { n: 1 },
          occurredAt,
        },
        {
          entityRef: 'Component:default/B',
          type: 'incident.created',
          payload: { n: 2 },
        },
        {
          entityRef: null,
          type: 'oncall.handoff',
          payload: { scheduleId: 'primary', n: 3 },
        },
        {
          entityRef: 'component:default/a',
          type: 'incident.resolved',
          payload: { n: 4 },
        },
        { entityRef: null, type: 'untracked', payload: { n: 5 } },
      ]);

      expect(stored.map(e => [e.entityRef, e.type, e.payload])).toEqual([
        ['component:default/a', 'incident.alert_absorbed', { n: 1 }],
        ['component:default/b', 'incident.created', { n: 2 }],
        [null, 'oncall.handoff', { scheduleId: 'primary', n: 3 }],
        ['component:default/a', 'incident.resolved', { n: 4 }],
        [null, 'untracked', { n: 5 }],
      ]);
      expect(stored[0].occurredAt).toBe('2026-12-01T10:00:00.123Z');
      const rows = await knex('pulse_events')
        .orderBy('sequence')
        .select('type', 'feed_position');
      expect(
        rows.map(r => [
          r.type,
          r.feed_position === null ? null : Number(r.feed_position),
        ]),
      ).toEqual([
        ['incident.created', 1],
        ['incident.alert_absorbed', 2],
        ['incident.created', 1],
        ['oncall.handoff', null],
        ['incident.resolved', 3],
        ['untracked', null],
      ]);
      const byKey = (versions: LiveVersion[]) =>
        Object.fromEntries(
          versions.map(v => [`${v.subject} ${v.topic}`, v.version]),
        );
      await new Promise(resolve => setImmediate(resolve));
      expect(byKey(heard[1])).toEqual({
        'component:default/a incidents': 3,
        'component:default/a oncall': 3,
        'component:default/a activity': 3,
        'component:default/b incidents': 1,
        'component:default/b oncall': 1,
        'component:default/b activity': 1,
        'pulse-schedule:primary oncall': 1,
        'pulse-schedule:primary activity': 1,
      });
      const store = new VersionStore(knex);
      expect(await store.versionsOf('component:default/a')).toEqual({
        incidents: 3,
        oncall: 3,
        activity: 3,
      });
      await knex.destroy();
    });

    it('raises the versions and appends the events of a change in one statement on PostgreSQL', async () => {
      const { knex, publisher } = await setup();
      const statements: string[] = [];
      knex.on('query', (query: { sql: string }) => statements.push(query.sql));
      await knex.transaction(async tx => {
        await publisher.publish(
          [
            {
              entityRef: 'component:default/a',
              type: 'incident.created',
              payload: {},
            },
            {
              entityRef: 'component:default/b',
              type: 'incident.created',
              payload: {},
            },
          ],
          tx,
        );
      });
      const writes = statements.filter(sql => !/^(BEGIN|COMMIT)/i.test(sql));
      // SQLite runs one writing transaction at a time, so nothing waits for its version rows.
      expect(writes).toHaveLength(knex.client.config.client === 'pg' ? 1 : 2);
      await knex.destroy();
    });

    it('versions a schedule for on-call events without an entity', async () => {
      const { knex, publisher } = await setup();
      await publisher.publish({
        entityRef: null,
        type: 'oncall.handoff',
        payload: { scheduleId: 'primary', from: null, to: 'user:default/a' },
      });
      expect(
        await new VersionStore(knex).versionsOf('pulse-schedule:primary'),
      ).toEqual({ oncall: 1, activity: 1 });
    });
  },
);
