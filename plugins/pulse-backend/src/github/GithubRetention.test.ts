import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { createHarness } from './__testUtils__/harness';
import { GithubRetention } from './GithubRetention';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const DAY = 24 * 60 * 60 * 1000;

describe.each(databases.eachSupportedId())(
  'GithubRetention on %s',
  databaseId => {
    it('deletes closed data past retention, old events and deliveries, and long-untracked repositories', async () => {
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web', 'acme/api'],
      });
      await h.engine.runCycle();
      const { knex } = h;
      const now = new Date(h.clock.now().getTime() + 20 * DAY);
      const cutoff = new Date(now.getTime() - 45 * DAY);
      await knex('pulse_github_webhook_deliveries').insert([
        {
          delivery_id: 'old',
          event: 'pull_request',
          received_at: new Date(now.getTime() - 3 * DAY),
        },
        {
          delivery_id: 'new',
          event: 'pull_request',
          received_at: new Date(now.getTime() - DAY / 2),
        },
      ]);
      await h.publisher.publish({
        entityRef: 'component:default/web',
        type: 'github.sync.progress',
        payload: {},
        occurredAt: new Date(now.getTime() - 3 * DAY),
      });

      const count = async (table: string, where: (q: any) => void = () => {}) =>
        Number((await knex(table).where(where).count({ n: '*' }))[0].n);
      const closedOld = await count('pulse_github_pull_requests', q =>
        q
          .whereIn('state', ['closed', 'merged'])
          .andWhere('updated_at', '<', cutoff),
      );
      const open = await count('pulse_github_pull_requests', q =>
        q.where('state', 'open'),
      );
      const pullsBefore = await count('pulse_github_pull_requests');
      const runsOld = await count('pulse_github_workflow_runs', q =>
        q.where('status', 'completed').andWhere('updated_at', '<', cutoff),
      );
      const runsBefore = await count('pulse_github_workflow_runs');
      const deploymentsOld = await count('pulse_github_deployments', q =>
        q.where('created_at', '<', cutoff),
      );
      const branchCommitsOld = await count('pulse_github_branch_commits', q =>
        q.where('committed_at', '<', cutoff),
      );
      const branchCommitsBefore = await count('pulse_github_branch_commits');
      expect(branchCommitsOld).toBeGreaterThan(0);
      expect(branchCommitsBefore).toBeGreaterThan(branchCommitsOld);
      expect(closedOld).toBeGreaterThan(0);
      expect(runsOld).toBeGreaterThan(0);
      expect(deploymentsOld).toBeGreaterThan(0);
      const eventsBefore = await count('pulse_events');

      // acme/api is no longer tracked; it stays until it has gone unsynced for the retention period.
      await h.trackedEntities.remove('component:default/api');
      const retention = (at: Date) =>
        new GithubRetention({
          store: h.store,
          publisher: h.publisher,
          engine: h.engine,
          retention: {
            days: 45,
            eventLogDays: 2,
            schedule: h.syncConfig.retention.schedule,
          },
          logger: mockServices.logger.mock(),
          clock: { now: () => at },
        });

      const result = await retention(now).run();
      expect(result).toMatchObject({
        pullRequests: closedOld,
        workflowRuns: runsOld,
        deployments: deploymentsOld,
        branchCommits: branchCommitsOld,
        deliveries: 1,
        events: 1,
        repositories: 0,
      });
      expect(await count('pulse_github_pull_requests')).toBe(
        pullsBefore - closedOld,
      );
      expect(
        await count('pulse_github_pull_requests', q =>
          q.where('state', 'open'),
        ),
      ).toBe(open);
      expect(await count('pulse_github_workflow_runs')).toBe(
        runsBefore - runsOld,
      );
      expect(await count('pulse_github_branch_commits')).toBe(
        branchCommitsBefore - branchCommitsOld,
      );
      expect(await count('pulse_events')).toBe(eventsBefore - 1);
      expect(
        await knex('pulse_github_webhook_deliveries').pluck('delivery_id'),
      ).toEqual(['new']);
      const orphanReviews = await knex('pulse_github_reviews as r')
        .leftJoin('pulse_github_pull_requests as p', join =>
          join
            .on('p.repository_id', 'r.repository_id')
            .andOn('p.number', 'r.pull_number'),
        )
        .whereNull('p.number');
      expect(orphanReviews).toEqual([]);

      const later = await retention(new Date(now.getTime() + 60 * DAY)).run();
      expect(later.repositories).toBe(1);
      expect(
        (await h.store.repositories.listRepositories()).map(r => r.slug),
      ).toEqual(['acme/web']);
      await h.stop();
    });
  },
);
