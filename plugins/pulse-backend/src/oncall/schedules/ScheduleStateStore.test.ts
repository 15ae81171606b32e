import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { ALICE, BOB } from '../__testUtils__/fixtures';
import { ScheduleStateStore } from './ScheduleStateStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const T0 = new Date('2025-05-05T07:00:00Z');
const T1 = new Date('2025-05-12T07:00:00Z');

describe.each(databases.eachSupportedId())(
  'ScheduleStateStore on %s',
  databaseId => {
    async function setup() {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      return new ScheduleStateStore(knex);
    }

    it('records the first sighting once, whoever records it', async () => {
      const store = await setup();
      expect(await store.lastSeen()).toEqual(new Map());
      await store.recordFirstSeen('primary', ALICE, T0);
      await store.recordFirstSeen('primary', BOB, T1);
      await store.recordFirstSeen('daytime', null, T0);
      expect(await store.lastSeen()).toEqual(
        new Map([
          ['primary', { userRef: ALICE, since: T0 }],
          ['daytime', { userRef: null, since: T0 }],
        ]),
      );
    });

    it('hands over only from who is still on call, so one replica publishes each handoff', async () => {
      const store = await setup();
      await store.recordFirstSeen('primary', ALICE, T0);
      await store.recordFirstSeen('gap', null, T0);
      const [first, second] = await Promise.all([
        store.transaction(tx => store.handOver(tx, 'primary', ALICE, BOB, T1)),
        store.transaction(tx => store.handOver(tx, 'primary', ALICE, BOB, T1)),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(
        await store.transaction(tx =>
          store.handOver(tx, 'gap', null, ALICE, T1),
        ),
      ).toBe(true);
      expect(await store.lastSeen()).toEqual(
        new Map([
          ['primary', { userRef: BOB, since: T1 }],
          ['gap', { userRef: ALICE, since: T1 }],
        ]),
      );
    });
  },
);
