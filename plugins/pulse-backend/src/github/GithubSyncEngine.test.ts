import { TestDatabaseId } from '@backstage/backend-test-utils';
import { SyncStatus } from '@pulse-oss/plugin-pulse-common';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import {
  createHarness,
  databaseSnapshot,
  Harness,
  pullState,
  TEST_TOKEN,
  trackedEntity,
} from './__testUtils__/harness';
import { GITHUB_EVENT_TYPES } from './responses';
import { GithubStore, RepositoryStore, SyncedRepository } from './store';
import { isDue } from './GithubSyncEngine';

jest.setTimeout(90_000);

const databases = createTestDatabases();

/** The state a fresh first sync of the same simulator produces: the oracle for incremental syncs. */
async function freshSnapshot(h: Harness, databaseId: TestDatabaseId) {
  const fresh = await createHarness({
    knex: await databases.init(databaseId),
    repositories: (await h.trackedEntities.list()).map(e => e.repository!.slug),
    simulator: h.sim,
  });
  expect((await fresh.engine.runCycle()).outcomes.failed).toBe(0);
  const snapshot = await databaseSnapshot(fresh.knex);
  await fresh.stop();
  return snapshot;
}

function openPullsOnly<
  T extends { pullRequests: Array<Record<string, unknown>> },
>(snapshot: T) {
  // CI state is followed for open pull requests only; a closed one keeps its last known state.
  return {
    ...snapshot,
    pullRequests: snapshot.pullRequests.map(pull =>
      pull.state === 'open' ? pull : { ...pull, ci_state: undefined },
    ),
    commits: undefined,
  };
}

describe.each(databases.eachSupportedId())(
  'GithubSyncEngine on %s',
  databaseId => {
    it('backfills with progress, then follows creates, updates, merges and closes incrementally', async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({
        knex,
        repositories: ['acme/web', 'acme/api'],
      });

      const first = await h.engine.runCycle();
      expect(first.outcomes.synced).toBe(2);
      const sim = h.sim.store.repository('acme/web')!;
      const pulls = await knex('pulse_github_pull_requests as p')
        .join('pulse_github_repositories as r', 'r.id', 'p.repository_id')
        .where('r.slug', 'acme/web')
        .select('p.*');
      expect(pulls).toHaveLength(sim.pulls.length);
      const runs = await knex('pulse_github_workflow_runs')
        .join('pulse_github_repositories as r', 'r.id', 'repository_id')
        .where('r.slug', 'acme/web');
      expect(runs).toHaveLength(sim.runs.length);
      for (const pull of sim.pulls) {
        const row = pulls.find(p => Number(p.number) === pull.number)!;
        expect(row.state).toBe(pullState(pull));
        expect(row.head_sha).toBe(pull.headSha);
        expect(row.additions).toBe(pull.additions);
      }

      // Progress was published while backfilling, ending at 100 %; items themselves were not.
      const events = await h.publisher.list({
        entityRef: 'component:default/web',
        limit: 10_000,
      });
      const progress = events
        .filter(e => e.type === GITHUB_EVENT_TYPES.syncProgress)
        .map(e => e.payload as SyncStatus);
      expect(progress.length).toBeGreaterThan(3);
      expect(progress[0]).toMatchObject({
        state: 'backfilling',
        progressPercent: 0,
      });
      expect(progress.at(-1)).toMatchObject({
        state: 'idle',
        progressPercent: 100,
      });
      const percents = progress.map(p => p.progressPercent);
      expect([...percents].sort((a, b) => a - b)).toEqual(percents);
      expect(
        events.filter(e => e.type !== GITHUB_EVENT_TYPES.syncProgress),
      ).toEqual([]);

      // GitHub moves on: pull requests open, get pushed to, reviewed, merged and closed.
      const activity = [];
      for (let i = 0; i < 60; i++) {
        activity.push(...h.sim.tick());
      }
      const actions = new Set(activity.map(e => `${e.name}.${e.action}`));
      expect([...actions]).toEqual(
        expect.arrayContaining([
          'pull_request.opened',
          'pull_request.closed',
          'pull_request_review.submitted',
          'workflow_run.completed',
        ]),
      );
      const merged = activity.find(
        e =>
          e.name === 'pull_request' &&
          e.action === 'closed' &&
          (e.payload.pull_request as any).merged,
      );
      expect(merged).toBeDefined();

      const before = (await h.publisher.list({ limit: 100_000 })).length;
      const second = await h.engine.runCycle();
      expect(second.outcomes.synced).toBe(2);
      expect(second.itemsChanged).toBeGreaterThan(0);

      // The incremental result equals a fresh first sync of the same GitHub state.
      expect(openPullsOnly(await databaseSnapshot(knex))).toEqual(
        openPullsOnly(await freshSnapshot(h, databaseId)),
      );
      const mergedNumber = (merged!.payload.pull_request as any).number;
      const mergedRow = await knex('pulse_github_pull_requests as p')
        .join('pulse_github_repositories as r', 'r.id', 'p.repository_id')
        .where({
          'r.slug': merged!.repository.toLowerCase(),
          'p.number': mergedNumber,
        })
        .select('p.*')
        .first();
      expect(mergedRow.state).toBe('merged');

      // Every change after the backfill is published as a typed event with the API shape.
      const changes = (await h.publisher.list({ limit: 100_000 })).slice(
        before,
      );
      const prEvents = changes.filter(
        e => e.type === GITHUB_EVENT_TYPES.pullRequestUpdated,
      );
      expect(prEvents.length).toBeGreaterThan(0);
      expect(
        prEvents.some(
          e =>
            e.entityRef ===
              `component:default/${merged!.repository.split('/')[1]}` &&
            (e.payload as any).number === mergedNumber &&
            (e.payload as any).state === 'merged',
        ),
      ).toBe(true);
      expect(
        changes.some(e => e.type === GITHUB_EVENT_TYPES.workflowRunUpdated),
      ).toBe(true);
      await h.stop();
    });

    it('spends no quota on unchanged repositories thanks to ETags', async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({
        knex,
        repositories: ['acme/web', 'acme/api'],
      });
      await h.engine.runCycle();
      await h.engine.runCycle();

      h.sim.resetStats();
      const steady = await h.engine.runCycle();
      expect(steady.outcomes.synced).toBe(2);
      const withEtags = h.sim.stats();
      expect(withEtags.totalRequests).toBeGreaterThanOrEqual(8);
      expect(withEtags.notModified).toBe(withEtags.totalRequests);
      expect(withEtags.quotaUsed).toBe(0);
      // The default branch's history too: one conditional page per repository.
      expect(withEtags.byOperation['repos/list-commits']).toBe(2);

      h.sim.resetStats();
      await h.makeEngine({ useEtags: false }).runCycle();
      const withoutEtags = h.sim.stats();
      expect(withoutEtags.notModified).toBe(0);
      expect(withoutEtags.quotaUsed).toBe(withoutEtags.totalRequests);
      expect(withoutEtags.quotaUsed).toBeGreaterThanOrEqual(
        withEtags.totalRequests,
      );
      await h.stop();
    });

    it('records a failing repository and backs it off while the others sync', async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({ knex, repositories: ['acme/web'] });
      await h.trackedEntities.upsert([trackedEntity('acme/gone')]);

      const first = await h.engine.runCycle();
      expect(first.outcomes).toMatchObject({ synced: 1, failed: 1 });
      const target = await h.engine.target('github.com', 'acme/gone');
      const status = h.engine.status(target!);
      expect(status).toMatchObject({
        repository: 'acme/gone',
        state: 'error',
        lastSyncedAt: null,
        lastError: { message: expect.stringContaining('Not Found') },
      });
      expect(target!.repository.nextAttemptAt!.getTime()).toBeGreaterThan(
        h.clock.now().getTime(),
      );
      expect(
        h.engine.status((await h.engine.target('github.com', 'acme/web'))!),
      ).toMatchObject({
        state: 'idle',
        lastError: null,
        progressPercent: 100,
      });

      const second = await h.engine.runCycle();
      expect(second.outcomes).toMatchObject({ synced: 1, 'backing-off': 1 });
      await h.stop();
    });

    it('logs and skips a malformed item without stopping the sync', async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({ knex, repositories: ['acme/web'] });
      const sim = h.sim.store.repository('acme/web')!;
      (sim.pulls[4] as any).title = null;
      (sim.runs[2] as any).status = 'exploded';

      const result = await h.engine.runCycle();
      expect(result.outcomes.synced).toBe(1);
      expect(result.malformed).toBe(2);
      const numbers = (
        await knex('pulse_github_pull_requests').pluck('number')
      ).map(Number);
      expect(numbers).toHaveLength(sim.pulls.length - 1);
      expect(numbers).not.toContain(sim.pulls[4].number);
      const runIds = (await knex('pulse_github_workflow_runs').pluck('id')).map(
        Number,
      );
      expect(runIds).toHaveLength(sim.runs.length - 1);
      expect(runIds).not.toContain(sim.runs[2].id);
      expect(
        (await h.engine.target('github.com', 'acme/web'))!.repository.state,
      ).toBe('idle');
      await h.stop();
    });

    it('keeps each attempt of a re-run with its own conclusion, reading an earlier attempt once', async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({ knex, repositories: ['acme/web'] });
      const sim = h.sim.store.repository('acme/web')!;
      const reruns = sim.runs.filter(run => run.previousAttempts.length > 0);
      expect(reruns.length).toBeGreaterThan(0);
      // A flaky run: the first attempt failed, the re-run passed.
      reruns[0].conclusion = 'success';
      expect(reruns[0].previousAttempts[0].conclusion).not.toBe('success');

      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      const rows = await knex('pulse_github_workflow_run_attempts').orderBy([
        'run_id',
        'attempt',
      ]);
      const stored = new Map(
        rows.map(row => [`${row.run_id}:${row.attempt}`, row.conclusion]),
      );
      for (const run of sim.runs) {
        for (const attempt of run.previousAttempts) {
          expect(stored.get(`${run.id}:${attempt.runAttempt}`)).toBe(
            attempt.conclusion,
          );
        }
        expect(stored.get(`${run.id}:${run.runAttempt}`)).toBe(run.conclusion);
      }
      expect(rows).toHaveLength(
        sim.runs.reduce((sum, run) => sum + run.runAttempt, 0),
      );
      const earlierAttempts = reruns.reduce(
        (sum, run) => sum + run.previousAttempts.length,
        0,
      );
      expect(
        h.sim.stats().byOperation['actions/get-workflow-run-attempt'],
      ).toBe(earlierAttempts);

      // A later sync of the same history asks for none of them again.
      h.sim.resetStats();
      await h.engine.syncRepository(
        (await h.engine.target('github.com', 'acme/web'))!,
      );
      expect(
        h.sim.stats().byOperation['actions/get-workflow-run-attempt'] ?? 0,
      ).toBe(0);
      await h.stop();
    });

    it("reads a merged pull request's first commit and ready-for-review time once, after the backfill", async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({ knex, repositories: ['acme/web'] });
      const sim = h.sim.store.repository('acme/web')!;
      const lookbackStart =
        h.clock.now().getTime() - h.syncConfig.lookbackDays * 86_400_000;
      const merged = sim.pulls.filter(
        pull => pull.mergedAt !== null && pull.mergedAt >= lookbackStart,
      );
      const wasDraft = merged.filter(pull =>
        pull.draftEvents.some(event => event.event === 'ready_for_review'),
      );
      expect(merged.length).toBeGreaterThan(3);
      expect(wasDraft.length).toBeGreaterThan(0);
      const flowRequests = () => {
        const counts = h.sim.stats().byOperation;
        return {
          commits: counts['pulls/list-commits'] ?? 0,
          timeline: counts['issues/list-events-for-timeline'] ?? 0,
        };
      };

      // The first sync shows the cards; the flow waits for the next one.
      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      expect(flowRequests()).toEqual({ commits: 0, timeline: 0 });
      const target = (await h.engine.target('github.com', 'acme/web'))!;
      await h.engine.syncRepository(target);
      expect(flowRequests()).toEqual({
        commits: merged.length,
        timeline: merged.length,
      });

      const rows = new Map(
        (await knex('pulse_github_pull_requests')).map(row => [
          Number(row.number),
          row,
        ]),
      );
      const time = (value: unknown) =>
        value === null ? null : new Date(value as string).getTime();
      for (const pull of merged) {
        const row = rows.get(pull.number);
        const commits = (await (
          await fetch(
            `${h.sim.url}/repos/acme/web/pulls/${pull.number}/commits?per_page=100`,
            { headers: { authorization: `token ${TEST_TOKEN}` } },
          )
        ).json()) as Array<{ commit: { author: { date: string } } }>;
        const firstCommitAt = Math.min(
          ...commits.map(c => Date.parse(c.commit.author.date)),
        );
        const ready = pull.draftEvents.find(
          event => event.event === 'ready_for_review',
        );
        expect({
          number: pull.number,
          merge: row.merge_commit_sha,
          first: time(row.first_commit_at),
          ready: time(row.ready_for_review_at),
          synced: Boolean(row.flow_synced),
        }).toEqual({
          number: pull.number,
          merge: pull.mergeCommitSha,
          first: firstCommitAt,
          // GitHub's timestamps are whole seconds.
          ready: Math.floor((ready ? ready.at : pull.createdAt) / 1000) * 1000,
          synced: true,
        });
        expect(firstCommitAt).toBeLessThan(pull.createdAt);
      }
      for (const pull of wasDraft) {
        expect(time(rows.get(pull.number).ready_for_review_at)).toBeGreaterThan(
          pull.createdAt,
        );
      }

      // Read once: the next sync asks for none of it again.
      h.sim.resetStats();
      await h.engine.syncRepository(target);
      expect(flowRequests()).toEqual({ commits: 0, timeline: 0 });
      await h.stop();
    });

    it("keeps the default branch's history by ancestry, reading only the new commits", async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({ knex, repositories: ['acme/web'] });
      /** What GitHub lists of the default branch within the lookback, as the oracle. */
      const githubHistory = async () => {
        const since = new Date(
          h.clock.now().getTime() - h.syncConfig.lookbackDays * 86_400_000,
        );
        const shas: string[] = [];
        for (let page = 1; ; page++) {
          const response = await fetch(
            `${
              h.sim.url
            }/repos/acme/web/commits?per_page=100&page=${page}&since=${since.toISOString()}`,
            { headers: { authorization: `token ${TEST_TOKEN}` } },
          );
          const list = (await response.json()) as Array<{ sha: string }>;
          shas.push(...list.map(commit => commit.sha));
          if (list.length < 100) {
            return shas;
          }
        }
      };
      const stored = async () =>
        new Set<string>(await knex('pulse_github_branch_commits').pluck('sha'));

      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      const backfilled = await stored();
      expect(backfilled).toEqual(new Set(await githubHistory()));
      expect(backfilled.size).toBeGreaterThan(20);
      const merges = await knex('pulse_github_branch_commits').whereLike(
        'parent_shas',
        '%,%',
      );
      expect(merges.length).toBeGreaterThan(0);

      // Pull requests merge; the next sync reads the new commits and nothing it has.
      const activity = [];
      for (let i = 0; i < 120; i++) {
        activity.push(...h.sim.tick());
      }
      expect(
        activity.some(
          e =>
            e.name === 'pull_request' && (e.payload.pull_request as any).merged,
        ),
      ).toBe(true);
      h.sim.resetStats();
      const target = (await h.engine.target('github.com', 'acme/web'))!;
      await h.engine.syncRepository(target);
      const pagesRead = h.sim.stats().byOperation['repos/list-commits'];
      const now = await githubHistory();
      expect(await stored()).toEqual(new Set([...backfilled, ...now]));
      // The walk stops at the page holding the last new commit: its parents are all stored.
      const lastNew = now.findLastIndex(sha => !backfilled.has(sha));
      expect(lastNew).toBeGreaterThan(0);
      expect(pagesRead).toBe(Math.floor(lastNew / 100) + 1);
      await h.stop();
    });

    it("shows the workflow's name for a polled run with an empty name, asking for it once", async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({ knex, repositories: ['acme/web'] });
      const sim = h.sim.store.repository('acme/web')!;
      const unnamed = sim.runs.slice(0, 3).map(run => {
        (run as any).workflow = { ...run.workflow, name: '' };
        return run;
      });
      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      const rows = await knex('pulse_github_workflow_runs').whereIn(
        'id',
        unnamed.map(run => run.id),
      );
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        const workflow = sim.workflows.find(
          w => w.id === Number(row.workflow_id),
        )!;
        expect(workflow.name).not.toBe('');
        expect(row.workflow_name).toBe(workflow.name);
      }
      expect(h.sim.stats().byOperation['actions/list-repo-workflows']).toBe(1);
      await h.stop();
    });

    it('never syncs a repository twice at once, and runs requested syncs', async () => {
      const knex = await databases.init(databaseId);
      const h = await createHarness({ knex, repositories: ['acme/web'] });
      const target = (await h.engine.target('github.com', 'acme/web'))!;
      expect(
        await h.store.repositories.claimRepository(
          target.repository.id,
          'other-replica',
          h.clock.now(),
          60_000,
        ),
      ).toBe(true);
      expect((await h.engine.runCycle()).outcomes.busy).toBe(1);
      await h.store.repositories.releaseRepository(
        target.repository.id,
        'other-replica',
      );

      const requested = await h.engine.requestSync(target);
      expect(requested.syncRequestedAt).not.toBeNull();
      await h.engine.idle();
      const after = (await h.engine.target('github.com', 'acme/web'))!;
      expect(after.repository).toMatchObject({
        state: 'idle',
        backfillComplete: true,
        syncRequestedAt: null,
      });
      expect(after.repository.lastSyncedAt).not.toBeNull();
      await h.stop();
    });
  },
);

describe('GithubSyncEngine under faults', () => {
  const databaseId = 'SQLITE_3' as const;

  it('ends in the same database state with 20% errors, timeouts, dropped connections and secondary limits', async () => {
    const repositories = ['acme/web', 'acme/api', 'acme/ops'];
    const clean = await createHarness({
      knex: await databases.init(databaseId),
      repositories,
    });
    expect((await clean.engine.runCycle()).outcomes.synced).toBe(3);
    const expected = await databaseSnapshot(clean.knex);
    await clean.stop();

    const knex = await databases.init(databaseId);
    const h = await createHarness({
      knex,
      repositories,
      sim: {
        faults: {
          errorRate: 0.2,
          timeoutRate: 0.02,
          timeoutMs: 5_000,
          dropRate: 0.02,
        },
        secondaryRateLimit: { rate: 0.03, status: 429, retryAfterSeconds: 0 },
      },
      client: { requestTimeoutMs: 300 },
    });
    h.sim.triggerSecondaryRateLimit({
      count: 2,
      status: 403,
      retryAfterSeconds: 1,
    });
    const started = Date.now();
    for (let cycle = 0; cycle < 10; cycle++) {
      await h.engine.runCycle();
      if (
        (await h.store.repositories.listRepositories()).every(
          r => r.state === 'idle',
        )
      ) {
        break;
      }
      // Time passes beyond the backoff of the repositories that failed.
      h.sim.clock.advance(10 * 60_000);
    }
    const stats = h.sim.stats();
    expect(stats.injectedErrors).toBeGreaterThan(10);
    expect(stats.injectedTimeouts).toBeGreaterThan(0);
    expect(stats.droppedConnections).toBeGreaterThan(0);
    expect(stats.secondaryRateLimited).toBeGreaterThan(2);
    expect(
      (await h.store.repositories.listRepositories()).map(r => r.state),
    ).toEqual(['idle', 'idle', 'idle']);
    expect(await databaseSnapshot(knex)).toEqual(expected);
    // The 403 secondary limit asked for one second: it was honoured, not hammered.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await h.stop();
  });
});

describe('GithubSyncEngine and the primary rate limit', () => {
  it('pauses the host below the reserve and resumes after the reset', async () => {
    const knex = await databases.init('SQLITE_3');
    const h = await createHarness({
      knex,
      repositories: ['acme/web', 'acme/api'],
      sim: { rateLimit: { limit: 100, windowSeconds: 3600 } },
      syncConfig: { rateLimitReserve: 0.1 },
    });
    const first = await h.engine.runCycle();
    expect(first.outcomes.paused).toBeGreaterThanOrEqual(1);
    const pausedTarget = (await h.engine.targets({ fresh: true })).find(
      t => t.repository.state === 'paused',
    )!;
    const pausedUntil = await h.engine.hostPausedUntil('github.com');
    expect(pausedUntil).not.toBeNull();
    expect(
      h.engine.status(pausedTarget, pausedTarget.repository, pausedUntil),
    ).toMatchObject({
      state: 'paused',
      pausedUntil: pausedUntil!.toISOString(),
    });
    const host = await knex('pulse_github_hosts')
      .where({ host: 'github.com' })
      .first();
    expect(new Date(host.paused_until).getTime()).toBe(pausedUntil!.getTime());
    expect(Number(host.rate_remaining)).toBeLessThan(10);

    // While paused, nothing is sent.
    const sent = h.sim.stats().totalRequests;
    expect((await h.engine.runCycle()).outcomes.synced).toBe(0);
    expect(h.sim.stats().totalRequests).toBe(sent);

    // After each reset the sync goes on where it stopped, until everything is synced.
    for (let i = 0; i < 10; i++) {
      h.sim.clock.advance(3600_000);
      await h.engine.runCycle();
      const repos = await h.store.repositories.listRepositories();
      if (repos.every(r => r.state === 'idle')) {
        break;
      }
    }
    expect(
      (await h.store.repositories.listRepositories()).map(r => r.state),
    ).toEqual(['idle', 'idle']);
    expect(h.sim.stats().primaryRateLimited).toBe(0);
    await h.stop();
  });
});

describe('isDue', () => {
  const now = new Date('2026-11-01T12:00:00Z');
  const minutesAgo = (minutes: number) =>
    new Date(now.getTime() - minutes * 60_000);
  const synced = {
    state: 'idle',
    backfillComplete: true,
    syncRequestedAt: null,
    lastAttemptAt: minutesAgo(4),
    lastSyncedAt: minutesAgo(3.9),
  } as unknown as SyncedRepository;
  const interval = 5 * 60_000;

  it('waits the interval less one check after the last attempt', () => {
    expect(isDue(synced, now, interval)).toBe(true);
    const attempted = (minutes: number) => ({
      ...synced,
      lastAttemptAt: minutesAgo(minutes),
      lastSyncedAt: minutesAgo(minutes - 0.1),
    });
    // Checked every 75 s (the default, a quarter of the interval), or every 15 s.
    expect(isDue(attempted(3.7), now, interval)).toBe(false);
    expect(isDue(attempted(3.75), now, interval)).toBe(true);
    expect(isDue(attempted(4.7), now, interval, 15_000)).toBe(false);
    expect(isDue(attempted(4.75), now, interval, 15_000)).toBe(true);
  });

  it('takes up at once what is asked for, unfinished or never synced', () => {
    const recent = {
      ...synced,
      lastAttemptAt: minutesAgo(1),
      lastSyncedAt: minutesAgo(0.9),
    };
    expect(isDue(recent, now, interval)).toBe(false);
    expect(isDue({ ...recent, syncRequestedAt: now }, now, interval)).toBe(
      true,
    );
    expect(isDue({ ...recent, backfillComplete: false }, now, interval)).toBe(
      true,
    );
    // A replica killed mid-sync left it 'syncing', its attempt newer than its last sync.
    expect(isDue({ ...recent, state: 'syncing' }, now, interval)).toBe(true);
    expect(
      isDue({ ...recent, lastSyncedAt: minutesAgo(20) }, now, interval),
    ).toBe(true);
    expect(isDue({ ...recent, state: 'paused' }, now, interval)).toBe(true);
    expect(isDue({ ...recent, lastSyncedAt: null }, now, interval)).toBe(true);
  });
});

/** A store whose first read of a sync (its ETags) waits until `release`: a replica that stalls. */
function stallingStore(store: GithubStore) {
  let reached!: () => void;
  let release!: () => void;
  const stalled = new Promise<void>(resolve => (reached = resolve));
  const released = new Promise<void>(resolve => (release = resolve));
  let first = true;
  const repositories: RepositoryStore = Object.assign(
    Object.create(store.repositories),
    {
      getEtags: async (id: number) => {
        if (first) {
          first = false;
          reached();
          await released;
        }
        return store.repositories.getEtags(id);
      },
    },
  );
  const wrapped: GithubStore = Object.assign(Object.create(store), {
    repositories,
  });
  return { store: wrapped, stalled, release };
}

describe.each(databases.eachSupportedId())(
  'GithubSyncEngine across replicas and crashes on %s',
  databaseId => {
    const LEASE_MS = 30_000;
    /** Leases renewed at checkpoints only, so that the tests decide when time passes. */
    const leases = { leaseMs: LEASE_MS, leaseRenewMs: 3_600_000 };

    it('a sync that stalled past its lease and was taken over writes nothing more', async () => {
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
      });
      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      for (let i = 0; i < 30; i++) {
        h.sim.tick();
      }
      const target = (await h.engine.target('github.com', 'acme/web'))!;
      const stalling = stallingStore(h.store);
      const stalled = h.makeEngine({ store: stalling.store, ...leases });
      const other = h.makeEngine(leases);
      const before = (await h.publisher.list({ limit: 100_000 })).length;

      const stalledRun = stalled.syncRepository(target);
      await stalling.stalled;
      h.sim.clock.advance(LEASE_MS + 1_000);
      expect((await other.syncRepository(target)).outcome).toBe('synced');
      stalling.release();
      expect((await stalledRun).outcome).toBe('lease-lost');

      // Each change was published once, by the sync that held the lease.
      const changes = (await h.publisher.list({ limit: 100_000 }))
        .slice(before)
        .filter(e => e.type !== GITHUB_EVENT_TYPES.syncProgress)
        .map(e => JSON.stringify([e.type, e.payload]));
      expect(changes.length).toBeGreaterThan(0);
      expect(new Set(changes).size).toBe(changes.length);
      const row = await h.store.repositories.getRepositoryById(
        target.repository.id,
      );
      expect(row).toMatchObject({ state: 'idle', leaseOwner: null });
      expect(openPullsOnly(await databaseSnapshot(h.knex))).toEqual(
        openPullsOnly(await freshSnapshot(h, databaseId)),
      );
      await Promise.all([stalled.stop(), other.stop()]);
      await h.stop();
    });

    it('takes over the repository of a replica killed mid-sync once its lease runs out', async () => {
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
      });
      expect((await h.engine.runCycle()).outcomes.synced).toBe(1);
      const { id } = (await h.engine.target('github.com', 'acme/web'))!
        .repository;
      const restarted = h.makeEngine({
        ...leases,
        syncIntervalMs: 60 * 60_000,
      });

      // Killed 15 s ago, mid-sync: its lease runs 15 s more, its attempt never finished.
      const killedAt = new Date(h.clock.now().getTime() - 15_000);
      expect(
        await h.store.repositories.claimRepository(
          id,
          'killed-replica',
          killedAt,
          LEASE_MS,
        ),
      ).toBe(true);
      await h.store.repositories.updateRepository(id, {
        state: 'syncing',
        lastAttemptAt: killedAt,
      });
      expect((await restarted.runCycle()).outcomes).toMatchObject({
        busy: 1,
        synced: 0,
      });
      // Recently attempted, yet due: that attempt never finished.
      h.sim.clock.advance(15_001);
      expect((await restarted.runCycle()).outcomes).toMatchObject({
        busy: 0,
        synced: 1,
      });
      expect(await h.store.repositories.getRepositoryById(id)).toMatchObject({
        state: 'idle',
        leaseOwner: null,
      });
      await restarted.stop();
      await h.stop();
    });

    it('syncs each repository once per interval whichever replicas run the cycle', async () => {
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web', 'acme/api'],
      });
      const interval = { ...leases, syncIntervalMs: 5 * 60_000 };
      const [a, b] = [h.makeEngine(interval), h.makeEngine(interval)];
      expect((await a.runCycle()).outcomes.synced).toBe(2);
      expect((await b.runCycle()).outcomes).toMatchObject({
        synced: 0,
        'not-due': 2,
      });
      h.sim.clock.advance(3 * 60_000);
      expect((await a.runCycle()).outcomes).toMatchObject({
        synced: 0,
        'not-due': 2,
      });
      h.sim.clock.advance(46_000);
      expect((await b.runCycle()).outcomes.synced).toBe(2);
      expect((await a.runCycle()).outcomes).toMatchObject({
        synced: 0,
        'not-due': 2,
      });
      // Asked for: synced whatever the interval says.
      const target = (await a.target('github.com', 'acme/web'))!;
      const syncedAt = target.repository.lastSyncedAt!.getTime();
      h.sim.clock.advance(1_000);
      await b.requestSync(target);
      await b.idle();
      expect(
        (await a.target(
          'github.com',
          'acme/web',
        ))!.repository.lastSyncedAt!.getTime(),
      ).toBeGreaterThan(syncedAt);
      await Promise.all([a.stop(), b.stop()]);
      await h.stop();
    });

    it('never runs two syncs of one repository in one replica', async () => {
      const h = await createHarness({
        knex: await databases.init(databaseId),
        repositories: ['acme/web'],
      });
      const target = (await h.engine.target('github.com', 'acme/web'))!;
      const first = h.engine.syncRepository(target);
      expect((await h.engine.syncRepository(target)).outcome).toBe('busy');
      expect((await first).outcome).toBe('synced');
      await h.stop();
    });
  },
);
