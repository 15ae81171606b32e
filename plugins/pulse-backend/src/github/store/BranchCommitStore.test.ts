import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedWithRepository } from '../__testUtils__/records';
import { BranchCommitStore } from './BranchCommitStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const at = (hour: number) => new Date(Date.UTC(2026, 0, 10, hour));
const commit = (sha: string, parentShas: string[], hour: number) => ({
  sha,
  parentShas,
  authoredAt: at(hour - 1),
  committedAt: at(hour),
});

describe.each(databases.eachSupportedId())(
  'BranchCommitStore on %s',
  databaseId => {
    let knex: Knex;
    let store: BranchCommitStore;
    let repo: number;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      repo = await migratedWithRepository(knex);
      store = new BranchCommitStore(knex);
    });

    afterEach(() => knex.destroy());

    it('stores commits once with their parents, newest first, and tells which it knows', async () => {
      const root = commit('a'.repeat(40), [], 1);
      const merge = commit('c'.repeat(40), ['a'.repeat(40), 'b'.repeat(40)], 3);
      await store.addCommits(repo, [merge, root]);
      // Written again (an overlapping page), nothing changes.
      await store.addCommits(repo, [{ ...root, committedAt: at(9) }]);
      expect(await store.listCommits(repo)).toEqual([merge, root]);
      expect(await store.listCommits(repo, at(2))).toEqual([merge]);
      expect(
        await store.knownShas(repo, ['a'.repeat(40), 'b'.repeat(40)]),
      ).toEqual(new Set(['a'.repeat(40)]));

      expect(await store.deleteExpired(at(2))).toBe(1);
      expect(await store.listCommits(repo)).toEqual([merge]);
    });
  },
);
