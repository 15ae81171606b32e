import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedWithRepository, runRecord } from '../__testUtils__/records';
import { attemptOfRun, WorkflowRunStore } from './WorkflowRunStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function at(minute: number): Date {
  return new Date(Date.UTC(2026, 0, 5, 10, minute));
}

describe.each(databases.eachSupportedId())(
  'WorkflowRunStore on %s',
  databaseId => {
    let knex: Knex;
    let store: WorkflowRunStore;
    let repo: number;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      repo = await migratedWithRepository(knex);
      store = new WorkflowRunStore(knex);
    });

    it('returns runs as written, and their versions', async () => {
      const run = runRecord(9_000_000_001, {
        status: 'in_progress',
        conclusion: null,
        completedAt: null,
      });
      await store.upsertRuns(repo, [run]);
      const page = await store.listWorkflowRuns(repo, { filter: {}, limit: 5 });
      expect(page.items).toEqual([run]);
      expect(await store.getRunVersions(repo, [run.id, 1])).toEqual(
        new Map([
          [
            run.id,
            { runAttempt: 1, updatedAt: run.updatedAt, status: 'in_progress' },
          ],
        ]),
      );
      await store.upsertRuns(repo, [{ ...run, runAttempt: 2 }]);
      expect(
        (await store.getRunVersions(repo, [run.id])).get(run.id)?.runAttempt,
      ).toBe(2);
    });

    it('filters and pages runs newest first, ties broken by id', async () => {
      await store.upsertRuns(repo, [
        runRecord(1, { createdAt: at(1) }),
        runRecord(2, { createdAt: at(2) }),
        runRecord(3, { createdAt: at(2) }),
        runRecord(4, { createdAt: at(3), branch: 'feature' }),
        runRecord(5, {
          createdAt: at(4),
          workflowId: 8,
          workflowName: 'Deploy',
          conclusion: 'failure',
        }),
      ]);
      const first = await store.listWorkflowRuns(repo, {
        filter: {},
        limit: 2,
      });
      expect(first.items.map(r => r.id)).toEqual([5, 4]);
      expect(first.more).toBe(true);
      const rest = await store.listWorkflowRuns(repo, {
        filter: {},
        limit: 10,
        after: first.last,
      });
      expect(rest.items.map(r => r.id)).toEqual([3, 2, 1]);
      expect(rest.more).toBe(false);
      const ids = async (
        filter: Parameters<typeof store.listWorkflowRuns>[1]['filter'],
      ) =>
        (await store.listWorkflowRuns(repo, { filter, limit: 10 })).items.map(
          r => r.id,
        );
      expect(await ids({ branch: 'feature' })).toEqual([4]);
      expect(await ids({ workflow: { id: 8 } })).toEqual([5]);
      expect(await ids({ workflow: { name: 'CI' } })).toEqual([4, 3, 2, 1]);
      expect(await ids({ conclusion: 'failure' })).toEqual([5]);
      expect(await ids({ status: 'completed', branch: 'main' })).toEqual([
        5, 3, 2, 1,
      ]);
      expect(await store.listWorkflows(repo)).toEqual([
        { id: 7, name: 'CI' },
        { id: 8, name: 'Deploy' },
      ]);
    });

    it('finds the newest run and the oldest unfinished one since a time', async () => {
      expect(await store.newestRunCreatedAt(repo)).toBeNull();
      await store.upsertRuns(repo, [
        runRecord(1, { createdAt: at(1), status: 'queued', conclusion: null }),
        runRecord(2, {
          createdAt: at(2),
          status: 'in_progress',
          conclusion: null,
        }),
        runRecord(3, { createdAt: at(3) }),
      ]);
      expect(await store.newestRunCreatedAt(repo)).toEqual(at(3));
      expect(await store.oldestIncompleteRunSince(repo, at(0))).toEqual(at(1));
      expect(await store.oldestIncompleteRunSince(repo, at(2))).toEqual(at(2));
      expect(await store.oldestIncompleteRunSince(repo, at(3))).toBeNull();
    });

    it('deletes completed runs not updated since the cut-off only', async () => {
      await store.upsertRuns(repo, [
        runRecord(1, { updatedAt: at(1) }),
        runRecord(2, { updatedAt: at(1), status: 'queued', conclusion: null }),
        runRecord(3, { updatedAt: at(5) }),
      ]);
      expect(await store.deleteExpired(at(2))).toBe(1);
      const left = await store.listWorkflowRuns(repo, {
        filter: {},
        limit: 10,
      });
      expect(left.items.map(r => r.id).sort()).toEqual([2, 3]);
    });

    it('keeps every attempt of a re-run, the newest copy of each, whatever order they arrive in', async () => {
      const first = runRecord(1, {
        runAttempt: 1,
        conclusion: 'failure',
        updatedAt: at(10),
        completedAt: at(10),
      });
      const secondRunning = {
        ...first,
        runAttempt: 2,
        status: 'in_progress' as const,
        conclusion: null,
        startedAt: at(20),
        completedAt: null,
        updatedAt: at(20),
      };
      const second = {
        ...secondRunning,
        status: 'completed' as const,
        conclusion: 'success' as const,
        completedAt: at(30),
        updatedAt: at(30),
      };
      // The re-run's completion first, then its start and the first attempt, late.
      expect(await store.recordAttempts(repo, [attemptOfRun(second)])).toBe(1);
      expect(
        await store.recordAttempts(repo, [
          attemptOfRun(secondRunning),
          attemptOfRun(first),
        ]),
      ).toBe(1);
      expect(await store.recordAttempts(repo, [attemptOfRun(first)])).toBe(0);
      expect(await store.getAttempts(repo, [1, 2])).toEqual([
        attemptOfRun(first),
        attemptOfRun(second),
      ]);
    });

    it('names the earlier attempts of re-runs that are not stored yet', async () => {
      await store.recordAttempts(repo, [
        attemptOfRun(runRecord(1, { runAttempt: 1 })),
        attemptOfRun(runRecord(2, { runAttempt: 3 })),
      ]);
      expect(
        await store.missingEarlierAttempts(repo, [
          { id: 1, runAttempt: 1 },
          { id: 2, runAttempt: 3 },
          { id: 3, runAttempt: 2 },
          { id: 1, runAttempt: 2 },
        ]),
      ).toEqual([
        { runId: 2, attempt: 1 },
        { runId: 2, attempt: 2 },
        { runId: 3, attempt: 1 },
      ]);
    });

    it('deletes the attempts of the runs it deletes, and only those', async () => {
      const old = runRecord(1, { updatedAt: at(1), runAttempt: 2 });
      const recent = runRecord(2, { updatedAt: at(5), runAttempt: 2 });
      await store.upsertRuns(repo, [old, recent]);
      await store.recordAttempts(repo, [
        attemptOfRun({ ...old, runAttempt: 1 }),
        attemptOfRun(old),
        attemptOfRun({ ...recent, runAttempt: 1 }),
        attemptOfRun(recent),
      ]);
      expect(await store.deleteExpired(at(2))).toBe(1);
      expect(
        (await store.getAttempts(repo, [1, 2])).map(a => [a.runId, a.attempt]),
      ).toEqual([
        [2, 1],
        [2, 2],
      ]);
    });
  },
);
