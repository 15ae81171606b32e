import { mockServices } from '@backstage/backend-test-utils';
import { PulseDomainEvent } from '@internal/plugin-pulse-common';
import { applyMigrations } from '../database/migrations';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { DomainEventPublisher } from './DomainEventPublisher';

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
  },
);
