import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import {
  checkRecord,
  migratedWithRepository,
  pullRecord,
} from '../__testUtils__/records';
import { PullDerived, PullRequestStore } from './PullRequestStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const NOW = new Date('2026-01-10T12:00:00Z');
const DERIVED: PullDerived = {
  firstReviewAt: null,
  reviewDecision: null,
  ciState: 'none',
};

describe.each(databases.eachSupportedId())(
  'PullRequestStore on %s',
  databaseId => {
    let knex: Knex;
    let store: PullRequestStore;
    let repo: number;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      repo = await migratedWithRepository(knex);
      store = new PullRequestStore(knex);
    });

    it('returns the record and what Pulse derived as they were written', async () => {
      const pull = pullRecord(1, {
        draft: true,
        labels: ['a', 'b c'],
        authorAvatarUrl: 'https://avatars.example/octocat',
      });
      const derived: PullDerived = {
        firstReviewAt: new Date('2026-01-03T00:00:00Z'),
        reviewDecision: 'approved',
        ciState: 'pending',
      };
      await store.upsertPull(repo, pull, derived, false);
      expect(await store.getPullRecord(repo, 1)).toEqual({
        record: pull,
        derived,
        reviewsSynced: false,
      });
      expect(await store.getPullRecord(repo, 2)).toBeUndefined();
      expect(await store.getPullHeaders(repo, [1, 2])).toEqual(
        new Map([
          [
            1,
            {
              updatedAt: pull.updatedAt,
              headSha: pull.headSha,
              state: 'open',
              reviewsSynced: false,
            },
          ],
        ]),
      );
      // The sync's writes have read the reviews.
      await store.upsertPulls(repo, [{ pull, derived }]);
      expect((await store.getPullRecord(repo, 1))?.reviewsSynced).toBe(true);
      expect(await store.countPullRequests(repo)).toBe(1);
    });

    it('pages pull requests newest first by the column the filter sorts by', async () => {
      const day = (d: number) => new Date(Date.UTC(2026, 0, d));
      await store.upsertPulls(repo, [
        { pull: pullRecord(1, { updatedAt: day(5) }), derived: DERIVED },
        { pull: pullRecord(2, { updatedAt: day(5) }), derived: DERIVED },
        { pull: pullRecord(3, { updatedAt: day(7) }), derived: DERIVED },
        {
          pull: pullRecord(4, {
            state: 'merged',
            updatedAt: day(9),
            mergedAt: day(1),
          }),
          derived: DERIVED,
        },
        {
          pull: pullRecord(5, {
            state: 'merged',
            updatedAt: day(2),
            mergedAt: day(3),
          }),
          derived: DERIVED,
        },
      ]);
      const first = await store.listPullRequests(repo, {
        state: 'open',
        limit: 2,
      });
      expect(first.items.map(p => p.record.number)).toEqual([3, 2]);
      expect(first.more).toBe(true);
      const second = await store.listPullRequests(repo, {
        state: 'open',
        limit: 2,
        after: first.last,
      });
      expect(second.items.map(p => p.record.number)).toEqual([1]);
      expect(second.more).toBe(false);
      const merged = await store.listPullRequests(repo, {
        state: 'merged',
        limit: 10,
      });
      expect(merged.items.map(p => p.record.number)).toEqual([5, 4]);
      const all = await store.listPullRequests(repo, {
        state: 'all',
        limit: 10,
      });
      expect(all.items.map(p => p.record.number)).toEqual([4, 3, 2, 1, 5]);
    });

    it('lists merged pull requests awaiting their flow once, and keeps what the sync and webhooks record', async () => {
      const day = (d: number) => new Date(Date.UTC(2026, 0, d));
      const merged = (number: number, mergedAt: Date, draft = false) => ({
        pull: pullRecord(number, {
          state: 'merged',
          draft,
          createdAt: day(1),
          updatedAt: mergedAt,
          mergedAt,
          mergeCommitSha: `merge-${number}`,
        }),
        derived: DERIVED,
      });
      await store.upsertPulls(repo, [
        merged(1, day(4)),
        merged(2, day(6)),
        merged(3, day(2)),
        { pull: pullRecord(4), derived: DERIVED },
      ]);
      expect((await store.getPullRecord(repo, 2))?.record.mergeCommitSha).toBe(
        'merge-2',
      );
      // Merged within the window, most recently merged first; the open one is not due.
      expect(await store.listPullsAwaitingFlow(repo, day(3), 10)).toEqual([
        { number: 2, createdAt: day(1), draft: false },
        { number: 1, createdAt: day(1), draft: false },
      ]);
      expect(
        (await store.listPullsAwaitingFlow(repo, day(1), 1)).map(p => p.number),
      ).toEqual([2]);

      // A webhook saw pull request 1 become ready; the timeline knows better, 2's says nothing.
      expect(await store.markReadyForReview(repo, 1, day(3))).toBe(true);
      expect(await store.markReadyForReview(repo, 1, day(4))).toBe(false);
      expect(await store.markReadyForReview(repo, 2, day(2))).toBe(true);
      await store.recordFlow(repo, [
        { number: 1, firstCommitAt: day(1), readyForReviewAt: day(2) },
        { number: 2, firstCommitAt: null, readyForReviewAt: null },
      ]);
      expect(await store.getPullFlow(repo, 1)).toEqual({
        number: 1,
        firstCommitAt: day(1),
        readyForReviewAt: day(2),
        flowSynced: true,
      });
      expect(await store.getPullFlow(repo, 2)).toEqual({
        number: 2,
        firstCommitAt: null,
        readyForReviewAt: day(2),
        flowSynced: true,
      });
      expect(
        (await store.listPullsAwaitingFlow(repo, day(1), 10)).map(
          p => p.number,
        ),
      ).toEqual([3]);

      // A sync rewriting the pull request keeps its flow.
      await store.upsertPulls(repo, [merged(1, day(4))]);
      expect(await store.getPullFlow(repo, 1)).toMatchObject({
        readyForReviewAt: day(2),
        flowSynced: true,
      });
      expect(await store.getPullFlow(repo, 99)).toBeUndefined();
    });

    it("replaces the given pull requests' reviews", async () => {
      const review = (id: number, pullNumber: number) => ({
        id,
        pullNumber,
        reviewerLogin: 'hubot',
        state: 'APPROVED',
        submittedAt: new Date('2026-01-03T00:00:00Z'),
        commitId: null,
      });
      await store.upsertReviews(repo, [
        review(1, 1),
        review(2, 1),
        review(3, 2),
      ]);
      await store.replaceReviews(repo, [1], [review(4, 1)]);
      expect((await store.listReviews(repo, 1)).map(r => r.id)).toEqual([4]);
      expect(await store.listReviews(repo, 2)).toEqual([review(3, 2)]);
    });

    it('keeps a check observation further along or newer, and recomputes the pull requests’ CI state', async () => {
      await store.upsertPull(repo, pullRecord(1), DERIVED, true);
      const sha = 'sha-1';
      const completed = checkRecord(sha, { state: 'success', rank: 2 });
      expect(await store.applyCheck(repo, completed)).toBe(true);
      // An in-progress observation arriving late changes nothing.
      expect(
        await store.applyCheck(
          repo,
          checkRecord(sha, { state: 'pending', rank: 1 }),
        ),
      ).toBe(false);
      // The same observation again changes nothing.
      expect(await store.applyCheck(repo, completed)).toBe(false);
      const changed = await store.recomputeCiState(repo, sha, NOW);
      expect(changed.map(p => [p.record.number, p.derived.ciState])).toEqual([
        [1, 'success'],
      ]);
      expect(await store.getCiState(repo, sha)).toBe('success');
      expect(await store.recomputeCiState(repo, sha, NOW)).toEqual([]);

      expect(
        await store.applyCheck(
          repo,
          checkRecord(sha, { kind: 'status', key: 'lint', state: 'failure' }),
        ),
      ).toBe(true);
      await store.recomputeCiState(repo, sha, NOW);
      expect((await store.getPullRecord(repo, 1))?.derived.ciState).toBe(
        'failure',
      );
      expect(await store.getCommits(repo, [sha, sha, 'unknown'])).toEqual(
        new Map([[sha, { ciState: 'failure', checked: false }]]),
      );
    });

    it("replaces what polling knows of a commit's checks and marks it polled", async () => {
      await store.upsertPull(repo, pullRecord(1), DERIVED, true);
      const sha = 'sha-1';
      await store.applyCheck(
        repo,
        checkRecord(sha, {
          kind: 'check_suite',
          key: 'suite',
          state: 'pending',
        }),
      );
      await store.applyCheck(
        repo,
        checkRecord(sha, { kind: 'status', key: 'lint', state: 'success' }),
      );
      await store.replaceChecks(
        repo,
        sha,
        {
          checkRuns: [checkRecord(sha, { key: 'build', state: 'success' })],
          checksEtag: '"checks"',
          statusesEtag: null,
        },
        NOW,
      );
      const checks = await knex('pulse_github_checks')
        .where({ repository_id: repo, sha })
        .orderBy('kind');
      expect(checks.map(c => [c.kind, c.key])).toEqual([
        ['check_run', 'build'],
        ['status', 'lint'],
      ]);
      expect(await store.getCommit(repo, sha)).toEqual({
        ciState: 'none',
        checksEtag: '"checks"',
        statusesEtag: null,
        checkedAt: NOW,
      });
      const later = new Date(NOW.getTime() + 60_000);
      await store.touchCommit(repo, sha, later);
      expect((await store.getCommit(repo, sha))?.checkedAt).toEqual(later);
      expect(await store.listOpenPullHeads(repo)).toEqual([
        { number: 1, headSha: sha, ciState: 'none', checkedAt: later },
      ]);
    });

    it('deletes expired closed pull requests with their reviews, and CI of commits no open pull request points at', async () => {
      const old = new Date('2025-06-01T00:00:00Z');
      const before = new Date('2026-01-01T00:00:00Z');
      await store.upsertPulls(repo, [
        {
          pull: pullRecord(1, { state: 'merged', updatedAt: old }),
          derived: DERIVED,
        },
        { pull: pullRecord(2, { updatedAt: old }), derived: DERIVED },
      ]);
      await store.upsertReviews(repo, [
        {
          id: 1,
          pullNumber: 1,
          reviewerLogin: 'hubot',
          state: 'APPROVED',
          submittedAt: old,
          commitId: null,
        },
      ]);
      for (const sha of ['sha-1', 'sha-2']) {
        await store.applyCheck(repo, checkRecord(sha));
        await store.recomputeCiState(repo, sha, old);
      }
      expect(await store.deleteExpired(before)).toEqual({
        pullRequests: 1,
        commits: 1,
      });
      expect(await store.getPullRecord(repo, 1)).toBeUndefined();
      expect(await store.listReviews(repo, 1)).toEqual([]);
      expect(await store.getCommit(repo, 'sha-1')).toBeUndefined();
      expect(await store.getCommit(repo, 'sha-2')).toBeDefined();
      expect(
        await knex('pulse_github_checks').where({ repository_id: repo }),
      ).toHaveLength(1);
    });
  },
);
