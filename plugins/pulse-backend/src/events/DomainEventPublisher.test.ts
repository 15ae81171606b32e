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
