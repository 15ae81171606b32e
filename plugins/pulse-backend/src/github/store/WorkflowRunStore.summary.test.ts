import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { createHarness, Harness } from '../__testUtils__/harness';

jest.setTimeout(90_000);

const databases = createTestDatabases();

/*
 * The workflow list and the summary runs are read for every workflow in one statement each; they
 * must equal what reading the runs one by one gives.
 */
describe.each(databases.eachSupportedId())(
  'WorkflowRunStore workflow summary reads on %s',
  databaseId => {
    let h: Harness;

    beforeAll(async () => {
      h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web', 'acme/api'],
        sim: { runsPerRepo: 120 },
      });
      await h.engine.runCycle();
    });

    afterAll(async () => {
      await h.engine.stop();
      await h.sim.stop();
    });

    async function repositories() {
      return h.knex('pulse_github_repositories').select('id', 'default_branch');
    }

    it('lists every workflow with the name of its newest run', async () => {
      for (const repository of await repositories()) {
        const runs = await h
          .knex('pulse_github_workflow_runs')
          .where({ repository_id: repository.id })
          .orderBy([
            { column: 'created_at', order: 'desc' },
            { column: 'id', order: 'desc' },
          ]);
        const expected = new Map<number, string>();
        for (const run of runs) {
          if (!expected.has(Number(run.workflow_id))) {
            expected.set(Number(run.workflow_id), run.workflow_name);
          }
        }
        const workflows = await h.store.workflowRuns.listWorkflows(
          repository.id,
        );
        expect(workflows.length).toBeGreaterThan(1);
        expect(new Map(workflows.map(w => [w.id, w.name]))).toEqual(expected);
        const names = workflows.map(w => w.name);
        expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
      }
    });

    it("reads every workflow's summary runs at once as it reads them one by one", async () => {
      // The data holds runs still going, so a latest run that is not completed is covered.
      const [{ running }] = await h
        .knex('pulse_github_workflow_runs')
        .whereNot({ status: 'completed' })
        .count({ running: '*' });
      expect(Number(running)).toBeGreaterThan(0);
      for (const repository of await repositories()) {
        const ids = (
          await h.store.workflowRuns.listWorkflows(repository.id)
        ).map(w => w.id);
        for (const sampleSize of [1, 3, 30]) {
          const together = await h.store.workflowRuns.workflowRunsForSummaries(
            repository.id,
            [...ids, 999_999],
            repository.default_branch,
            sampleSize,
          );
          expect(together.get(999_999)).toEqual([]);
          for (const id of ids) {
            const rows = await h
              .knex('pulse_github_workflow_runs')
              .where({
                repository_id: repository.id,
                workflow_id: id,
                branch: repository.default_branch,
              })
              .orderBy([
                { column: 'created_at', order: 'desc' },
                { column: 'id', order: 'desc' },
              ]);
            const completed = rows
              .filter(row => row.status === 'completed')
              .slice(0, sampleSize)
              .map(row => Number(row.id));
            const expected =
              rows[0] && rows[0].status !== 'completed'
                ? [Number(rows[0].id), ...completed]
                : completed;
            expect(together.get(id)!.map(run => run.id)).toEqual(expected);
            expect(
              await h.store.workflowRuns.workflowRunsForSummary(
                repository.id,
                id,
                repository.default_branch,
                sampleSize,
              ),
            ).toEqual(together.get(id));
          }
        }
      }
    });
  },
);
