import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { ALICE, BOB, CAROL } from '../__testUtils__/fixtures';
import { DirectoryStore } from './DirectoryStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'DirectoryStore on %s',
  databaseId => {
    it('replaces the directory as a whole and reads it back as a snapshot', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const store = new DirectoryStore(knex);
      expect(
        (await store.load()).groupMembers('group:default/payments'),
      ).toEqual([]);

      const now = new Date('2025-05-05T10:00:00Z');
      await store.replace(
        [
          {
            ref: 'group:default/payments',
            kind: 'group',
            found: true,
            members: [ALICE, BOB],
          },
          {
            ref: 'group:default/gone',
            kind: 'group',
            found: false,
            members: [],
          },
          { ref: ALICE, kind: 'user', found: true, members: [] },
          { ref: BOB, kind: 'user', found: false, members: [] },
        ],
        now,
      );
      const snapshot = await store.load();
      expect(snapshot.groupMembers('group:default/payments')).toEqual([ALICE]);
      expect(
        snapshot.groupMembers('group:default/payments', {
          includeMissing: true,
        }),
      ).toEqual([ALICE, BOB]);
      expect([...snapshot.missingRefs].sort()).toEqual([
        'group:default/gone',
        BOB,
      ]);

      // A refresh replaces everything: what it no longer names is gone.
      await store.replace(
        [{ ref: CAROL, kind: 'user', found: true, members: [] }],
        now,
      );
      const next = await store.load();
      expect(next.groupMembers('group:default/payments')).toEqual([]);
      expect(next.isMissing(BOB)).toBe(false);
    });

    it('writes a directory larger than one insert statement', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const store = new DirectoryStore(knex);
      const users = Array.from({ length: 450 }, (_, i) => ({
        ref: `user:default/u${i}`,
        kind: 'user' as const,
        found: i % 2 === 0,
        members: [],
      }));
      await store.replace(users, new Date('2025-05-05T10:00:00Z'));
      expect((await store.load()).missingRefs.size).toBe(225);
    });
  },
);
