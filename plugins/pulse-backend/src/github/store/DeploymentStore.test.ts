import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
  migratedWithRepository,
  storedDeployment,
} from '../__testUtils__/records';
import { DeploymentStore } from './DeploymentStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'DeploymentStore on %s',
  databaseId => {
    let knex: Knex;
    let store: DeploymentStore;
    let repo: number;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      repo = await migratedWithRepository(knex);
      store = new DeploymentStore(knex);
    });

    it('returns deployments as written, replaced on upsert', async () => {
      const deployment = storedDeployment(9_000_000_001);
      const bare = storedDeployment(2, {
        state: null,
        statusId: null,
        statusAt: null,
        statusesEtag: null,
      });
      await store.upsertDeployments(repo, [deployment, bare]);
      expect(await store.getDeployments(repo, [deployment.id, 2, 3])).toEqual(
        new Map([
          [deployment.id, deployment],
          [2, bare],
        ]),
      );
      const finished = { ...bare, state: 'failure', statusId: 9 };
      await store.upsertDeployment(repo, finished);
      expect((await store.getDeployments(repo, [2])).get(2)).toEqual(finished);
    });

    it('lists deployments created since a time that have not finished', async () => {
      const since = new Date('2026-01-02T00:00:00Z');
      const recent = new Date('2026-01-03T00:00:00Z');
      await store.upsertDeployments(repo, [
        storedDeployment(1, { createdAt: recent, state: null }),
        storedDeployment(2, { createdAt: recent, state: 'in_progress' }),
        storedDeployment(3, { createdAt: recent, state: 'success' }),
        storedDeployment(4, {
          createdAt: new Date('2026-01-01T00:00:00Z'),
          state: 'queued',
        }),
      ]);
      const unfinished = await store.listUnfinishedDeployments(repo, since);
      expect(unfinished.map(d => d.id).sort()).toEqual([1, 2]);
    });

    it('records a delivery once and forgets deliveries past the cut-off', async () => {
      const t1 = new Date('2026-01-01T00:00:00Z');
      const t2 = new Date('2026-01-05T00:00:00Z');
      expect(await store.recordDelivery('d-1', 'push', t1)).toBe(true);
      expect(await store.recordDelivery('d-1', 'push', t2)).toBe(false);
      expect(await store.recordDelivery('d-2', 'workflow_run', t2)).toBe(true);
      expect(
        await store.deleteDeliveriesBefore(new Date('2026-01-03T00:00:00Z')),
      ).toBe(1);
      expect(await store.recordDelivery('d-1', 'push', t2)).toBe(true);
      expect(await store.recordDelivery('d-2', 'workflow_run', t2)).toBe(false);
    });

    it('lets only the transaction that commits record a delivery two transactions record at once', async () => {
      const at = new Date('2026-01-01T00:00:00Z');
      for (const outcome of ['commit', 'rollback'] as const) {
        const id = `d-${outcome}`;
        let release!: () => void;
        const held = new Promise<void>(resolve => {
          release = resolve;
        });
        let recorded!: (first: boolean) => void;
        const firstRecorded = new Promise<boolean>(resolve => {
          recorded = resolve;
        });
        const first = knex
          .transaction(async tx => {
            recorded(
              await new DeploymentStore(tx).recordDelivery(id, 'push', at),
            );
            await held;
            if (outcome === 'rollback') throw new Error('rolled back');
          })
          .catch(() => undefined);
        expect(await firstRecorded).toBe(true);
        // Started while the first transaction holds its row (on SQLite: the connection).
        const second = knex.transaction(tx =>
          new DeploymentStore(tx).recordDelivery(id, 'push', at),
        );
        release();
        await first;
        expect(await second).toBe(outcome === 'rollback');
      }
    });

    it('deletes deployments created before the cut-off', async () => {
      await store.upsertDeployments(repo, [
        storedDeployment(1, { createdAt: new Date('2026-01-01T00:00:00Z') }),
        storedDeployment(2, { createdAt: new Date('2026-01-05T00:00:00Z') }),
      ]);
      expect(await store.deleteExpired(new Date('2026-01-03T00:00:00Z'))).toBe(
        1,
      );
      expect([...(await store.getDeployments(repo, [1, 2])).keys()]).toEqual([
        2,
      ]);
    });
  },
);
