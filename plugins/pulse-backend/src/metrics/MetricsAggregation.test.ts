import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { DomainEventPublisher } from '../events/DomainEventPublisher';
import {
  pullRecord,
  runRecord,
  storedDeployment,
} from '../github/__testUtils__/records';
import { applyMigrations } from '../database/migrations';
import { GithubStore } from '../github/store';
import { readMetricsConfig } from './config';
import { MetricsAggregation, MetricsTarget } from './MetricsAggregation';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const DERIVED = {
  firstReviewAt: null,
  reviewDecision: null,
  ciState: 'none' as const,
};
const DAY = 86_400_000;

/** A small deterministic generator (mulberry32), so that a failing seed can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(values: readonly T[]) =>
      values[Math.floor(next() * values.length)],
  };
}

const config = readMetricsConfig(
  new ConfigReader({
    pulse: { metrics: { windows: [7, 30], timeZone: 'Europe/Berlin' } },
  }),
  { githubDays: 180, resolvedIncidentDays: 365 },
);

/**
 * One repository's activity: commits on the default branch, pull requests merged onto it,
 * deployments of its commits, runs and incidents, written through the stores with the domain
 * events a sync or webhook publishes, so that the aggregation's fingerprint sees them.
 */
class Activity {
  private commits: string[] = [];
  /** A commit deployed before the sync stored it: it arrives later, without an event. */
  private lateCommit: string | undefined;
  private nextNumber = 1;
  private nextId = 1;

  constructor(
    private readonly knex: Knex,
    private readonly publisher: DomainEventPublisher,
    private readonly rng: ReturnType<typeof random>,
    readonly target: MetricsTarget,
  ) {}

  private get store() {
    return new GithubStore(this.knex);
  }

  private async announce(type: string) {
    await this.publisher.publish(
      this.target.entityRefs.map(entityRef => ({
        entityRef,
        type,
        payload: {},
      })),
    );
  }

  /** The late commit, stored now, as the next sync would: no domain event. */
  async catchUp(now: Date) {
    if (this.lateCommit) {
      const parent = this.commits[this.commits.length - 1];
      await this.store.branchCommits.addCommits(this.target.repositoryId, [
        {
          sha: this.lateCommit,
          parentShas: parent ? [parent] : [],
          authoredAt: now,
          committedAt: now,
        },
      ]);
      this.commits.push(this.lateCommit);
      this.lateCommit = undefined;
    }
  }

  /** One burst of activity ending at `now`. */
  async step(now: Date) {
    const { rng } = this;
    const repo = this.target.repositoryId;
    const at = (hoursBack: number) =>
      new Date(now.getTime() - hoursBack * 3_600_000);
    if (!this.lateCommit && this.commits.length > 0 && rng.next() < 0.3) {
      this.lateCommit = `l${repo}x${this.nextId++}`.padEnd(40, '0');
      await this.store.deployments.upsertDeployments(repo, [
        storedDeployment(this.nextId++, {
          environment: 'production',
          sha: this.lateCommit,
          state: 'success',
          statusAt: at(0.1),
          createdAt: at(0.2),
          updatedAt: at(0.1),
        }),
      ]);
      await this.announce('github.deployment.updated');
      return;
    }
    for (let i = rng.int(4) - 1; i >= 0; i--) {
      const sha = `c${repo}x${this.nextId++}`.padEnd(40, '0');
      const parent = this.commits[this.commits.length - 1];
      await this.store.branchCommits.addCommits(repo, [
        {
          sha,
          parentShas: parent ? [parent] : [],
          authoredAt: at(i),
          committedAt: at(i),
        },
      ]);
      this.commits.push(sha);
      if (rng.next() < 0.8) {
        const number = this.nextNumber++;
        const author = rng.pick(['alice', 'bob', 'renovate[bot]']);
        await this.store.pullRequests.upsertPulls(repo, [
          {
            pull: pullRecord(number, {
              authorLogin: author,
              state: 'merged',
              createdAt: at(i + 20),
              mergedAt: at(i),
              closedAt: at(i),
              updatedAt: at(i),
              mergeCommitSha: sha,
              additions: rng.int(1000),
              deletions: rng.int(200),
            }),
            derived: DERIVED,
          },
        ]);
        await this.store.pullRequests.recordFlow(repo, [
          { number, firstCommitAt: at(i + 30), readyForReviewAt: at(i + 19) },
        ]);
        if (rng.next() < 0.7) {
          await this.store.pullRequests.replaceReviews(
            repo,
            [number],
            [
              {
                id: this.nextId++,
                pullNumber: number,
                reviewerLogin: author === 'alice' ? 'bob' : 'alice',
                state: rng.pick(['APPROVED', 'COMMENTED']),
                submittedAt: at(i + 5),
                commitId: null,
              },
            ],
          );
        }
        await this.announce('github.pull_request.merged');
      }
    }
    if (rng.next() < 0.6 && this.commits.length > 0) {
      await this.store.deployments.upsertDeployments(repo, [
        storedDeployment(this.nextId++, {
          environment: rng.pick(['production', 'prod', 'staging']),
          sha: rng.pick(this.commits.slice(-5)),
          state: rng.pick(['success', 'success', 'failure', 'error']),
          statusAt: at(0.5),
          createdAt: at(1),
          updatedAt: at(0.5),
        }),
      ]);
      await this.announce('github.deployment.updated');
    }
    for (let i = rng.int(3); i > 0; i--) {
      const id = this.nextId++;
      const attempt = rng.next() < 0.3 ? 2 : 1;
      const sha = rng.pick(this.commits.slice(-3));
      await this.store.workflowRuns.upsertRuns(repo, [
        runRecord(id, {
          headSha: sha ?? 'none'.padEnd(40, '0'),
          branch: rng.pick(['main', 'main', 'feature']),
          conclusion: rng.pick(['success', 'failure', 'cancelled']),
          runAttempt: attempt,
          createdAt: at(2),
          startedAt: at(1.9),
          completedAt: at(1.5),
          updatedAt: at(1.5),
        }),
      ]);
      if (attempt === 2) {
        await this.store.workflowRuns.recordAttempts(repo, [
          {
            runId: id,
            attempt: 1,
            workflowId: 7,
            headSha: sha ?? 'none'.padEnd(40, '0'),
            status: 'completed',
            conclusion: rng.pick(['success', 'failure']),
            startedAt: at(1.9),
            completedAt: at(1.8),
            updatedAt: at(1.8),
          },
        ]);
      }
      await this.announce('github.workflow_run.completed');
    }
    if (rng.next() < 0.3) {
      const id = `00000000-0000-4000-${String(repo).padStart(4, '0')}-${String(
        this.nextId++,
      ).padStart(12, '0')}`;
      const resolved = rng.next() < 0.7;
      await this.knex('pulse_incidents').insert({
        id,
        title: 'Something broke',
        entity_ref: this.target.entityRefs[0],
        severity: rng.pick(['critical', 'error', 'warning', 'info']),
        status: resolved ? 'resolved' : 'triggered',
        dedup_key: id,
        source: 'manual',
        alert_count: 1,
        created_at: at(0.4),
        updated_at: at(0.2),
        resolved_at: resolved ? at(0.2) : null,
        escalation_policy_id: 'policy',
        escalation_state: '{}',
      });
      await this.publisher.publish({
        entityRef: this.target.entityRefs[0],
        type: 'incident.triggered',
        payload: {},
      });
    }
  }
}

describe.each(databases.eachSupportedId())(
  'MetricsAggregation on %s',
  databaseId => {
    it.each([1, 2, 3])(
      'gives after each incremental run what a full recompute gives (seed %d)',
      async seed => {
        const knex = await databases.init(databaseId);
        await applyMigrations(knex);
        const store = new GithubStore(knex);
        const repositories = await store.repositories.ensureRepositories(
          [
            { host: 'github.com', slug: 'acme/one' },
            { host: 'github.com', slug: 'acme/two' },
          ],
          new Date('2026-01-01T00:00:00Z'),
        );
        const targets: MetricsTarget[] = [
          {
            repositoryId: repositories[0].id,
            defaultBranch: 'main',
            entityRefs: ['component:default/one'],
          },
          {
            repositoryId: repositories[1].id,
            defaultBranch: 'main',
            // A monorepo: two components show one repository.
            entityRefs: [
              'component:default/two-api',
              'component:default/two-web',
            ],
          },
        ];
        const logger = mockServices.logger.mock();
        const publisher = new DomainEventPublisher(knex, logger);
        const rng = random(seed);
        const activities = targets.map(
          target => new Activity(knex, publisher, rng, target),
        );
        let now = new Date('2026-11-01T08:00:00Z');
        const aggregation = new MetricsAggregation({
          knex,
          config,
          targets: async () => targets,
          publisher,
          clock: { now: () => now },
          logger,
        });

        for (let round = 0; round < 12; round++) {
          now = new Date(now.getTime() + (rng.int(6) === 0 ? DAY : 3_600_000));
          // Sometimes one repository is quiet: its entities must be left alone.
          for (const activity of activities) {
            const active = rng.next() < 0.7;
            await activity.catchUp(now);
            if (active) {
              await activity.step(now);
            }
          }
          await aggregation.run();
          const incremental = await aggregation.store.allItems();
          await aggregation.run({ full: true });
          const full = await aggregation.store.allItems();
          expect(incremental).toEqual(full);
          expect(full.length).toBeGreaterThan(0);
        }
      },
    );

    /** One repository shown by `entityRefs()`, aggregated at `now()`. */
    async function oneRepository(
      slug: string,
      entityRefs: () => string[],
      now: () => Date = () => new Date('2026-11-10T08:00:00Z'),
    ) {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      const store = new GithubStore(knex);
      const [repository] = await store.repositories.ensureRepositories(
        [{ host: 'github.com', slug }],
        new Date('2026-01-01T00:00:00Z'),
      );
      const aggregation = new MetricsAggregation({
        knex,
        config,
        targets: async () => [
          {
            repositoryId: repository.id,
            defaultBranch: 'main',
            entityRefs: entityRefs(),
          },
        ],
        publisher: new DomainEventPublisher(knex, mockServices.logger.mock()),
        clock: { now },
        logger: mockServices.logger.mock(),
      });
      return { store, repository, aggregation };
    }

    it('leaves an unchanged entity alone, and recomputes on a new day', async () => {
      let now = new Date('2026-11-10T08:00:00Z');
      const { aggregation } = await oneRepository(
        'acme/quiet',
        () => ['component:default/quiet'],
        () => now,
      );
      expect(await aggregation.run()).toMatchObject({ computed: 1 });
      expect(await aggregation.run()).toMatchObject({
        computed: 0,
        unchanged: 1,
      });
      // 23:00 UTC is the next day in Berlin: the windows moved.
      now = new Date('2026-11-10T22:59:00Z');
      expect(await aggregation.run()).toMatchObject({ computed: 0 });
      now = new Date('2026-11-10T23:00:00Z');
      expect(await aggregation.run()).toMatchObject({ computed: 1 });
    });

    it('notices default-branch commits that arrive after their deployment, without an event', async () => {
      const entityRef = 'component:default/late';
      const { store, repository, aggregation } = await oneRepository(
        'acme/late',
        () => [entityRef],
      );
      const sha = 'a'.repeat(40);
      await store.deployments.upsertDeployments(repository.id, [
        storedDeployment(1, {
          sha,
          statusAt: new Date('2026-11-10T07:00:00Z'),
          createdAt: new Date('2026-11-10T06:59:00Z'),
        }),
      ]);
      await aggregation.run();
      const deployment = async () =>
        (
          await aggregation.store.items(entityRef, new Date(0), ['deployment'])
        )[0];
      expect((await deployment()).detail).toMatchObject({ baseline: false });
      await store.branchCommits.addCommits(repository.id, [
        {
          sha,
          parentShas: [],
          authoredAt: null,
          committedAt: new Date('2026-11-10T06:00:00Z'),
        },
      ]);
      expect(await aggregation.run()).toMatchObject({ computed: 1 });
      expect((await deployment()).detail).toMatchObject({ baseline: true });
    });

    it('stops at its budget or an abort, and goes on where it stopped', async () => {
      const { aggregation } = await oneRepository('acme/many', () =>
        ['a', 'b', 'c'].map(name => `component:default/${name}`),
      );
      const aborted = new AbortController();
      aborted.abort();
      expect(await aggregation.run({ signal: aborted.signal })).toMatchObject({
        computed: 0,
        complete: false,
        removed: 0,
      });
      expect(await aggregation.run({ full: true, budgetMs: -1 })).toMatchObject(
        { computed: 0, complete: false, removed: 0 },
      );
      expect(await aggregation.run()).toMatchObject({
        computed: 3,
        complete: true,
      });
    });

    it('forgets entities no longer tracked', async () => {
      let entityRefs = ['component:default/kept', 'component:default/gone'];
      const { aggregation } = await oneRepository(
        'acme/gone',
        () => entityRefs,
      );
      await aggregation.run();
      entityRefs = ['component:default/kept'];
      expect(await aggregation.run()).toMatchObject({ removed: 1 });
      expect([
        ...(await aggregation.store.aggregatedEntities()).keys(),
      ]).toEqual(['component:default/kept']);
    });
  },
);
