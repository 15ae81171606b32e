import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { watchDatabaseAnswers } from './router';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'the health check on %s',
  databaseId => {
    let knex: Knex;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
    });

    it('answers when its probe does', async () => {
      const answers = watchDatabaseAnswers(knex);
      await expect(
        answers.next(knex.raw('select 1').then(() => undefined)),
      ).resolves.toBeUndefined();
    });

    it('does not wait behind a busy pool once another query answers', async () => {
      const answers = watchDatabaseAnswers(knex);
      // Every connection held by an open transaction: the probe waits for one.
      const max = (knex.client as { pool: { max: number } }).pool.max;
      const held = await Promise.all(
        Array.from({ length: max }, () => knex.transaction()),
      );
      let probeDone = false;
      const probe = knex.raw('select 1').then(() => {
        probeDone = true;
      });
      const check = answers.next(probe);
      await held[0].raw('select 1');
      await expect(check).resolves.toBeUndefined();
      expect(probeDone).toBe(false);
      await Promise.all(held.map(trx => trx.commit()));
      await probe;
    });

    it('fails when its probe fails first', async () => {
      const answers = watchDatabaseAnswers(knex);
      await expect(
        answers.next(Promise.reject(new Error('connection refused'))),
      ).rejects.toThrow('connection refused');
    });
  },
);
