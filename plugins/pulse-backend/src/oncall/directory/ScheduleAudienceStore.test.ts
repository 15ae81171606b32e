import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { ScheduleAudienceStore } from './ScheduleAudienceStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'ScheduleAudienceStore on %s',
  databaseId => {
    it('replaces the audience as a whole and reads it per schedule, sorted', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const store = new ScheduleAudienceStore(knex);
      expect(await store.load()).toEqual(new Map());

      await store.replace(
        new Map([
          ['primary', ['group:default/web', 'group:default/payments']],
          ['daytime', ['group:default/payments']],
          ['empty', []],
        ]),
      );
      expect(await store.load()).toEqual(
        new Map([
          ['daytime', ['group:default/payments']],
          ['primary', ['group:default/payments', 'group:default/web']],
        ]),
      );
      expect(await store.load(['daytime', 'unknown'])).toEqual(
        new Map([['daytime', ['group:default/payments']]]),
      );

      await store.replace(new Map([['daytime', ['group:default/web']]]));
      expect(await store.load()).toEqual(
        new Map([['daytime', ['group:default/web']]]),
      );
    });
  },
);
