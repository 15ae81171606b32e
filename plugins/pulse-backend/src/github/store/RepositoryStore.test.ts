import { Knex } from 'knex';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { applyMigrations } from '../../database/migrations';
import { RepositoryStore } from './RepositoryStore';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const NOW = new Date('2026-01-10T12:00:00Z');
const LEASE_MS = 30_000;

function later(ms: number): Date {
  return new Date(NOW.getTime() + ms);
}

describe.each(databases.eachSupportedId())(
  'RepositoryStore on %s',
  databaseId => {
    let knex: Knex;
    let store: RepositoryStore;

    beforeEach(async () => {
      knex = await databases.init(databaseId);
      await applyMigrations(knex);
      store = new RepositoryStore(knex);
    });

    it('adds each repository once, by host and lower-case slug', async () => {
      const first = await store.ensureRepositories(
        [
          { host: 'github.com', slug: 'Acme/Web' },
          { host: 'github.com', slug: 'acme/web' },
          { host: 'ghe.example.com', slug: 'acme/web' },
        ],
        NOW,
      );
      expect(first.map(r => [r.host, r.slug])).toEqual([
        ['github.com', 'acme/web'],
        ['ghe.example.com', 'acme/web'],
      ]);
      const again = await store.ensureRepositories(
        [{ host: 'github.com', slug: 'ACME/web' }],
        later(1000),
      );
      expect(again).toEqual(first);
      expect(await store.getRepository('github.com', 'ACME/WEB')).toEqual(
        first[0],
      );
      expect(await store.getRepositoryById(first[1].id)).toEqual(first[1]);
      expect(first[0]).toMatchObject({
        state: 'pending',
        backfillComplete: false,
        createdAt: NOW,
        lastError: null,
        leaseOwner: null,
      });
    });

    it('writes a patch and reads it back with its types, the error message cut to 2,000 characters', async () => {
      const [repo] = await store.ensureRepositories(
        [{ host: 'github.com', slug: 'acme/web' }],
        NOW,
      );
      await store.updateRepository(repo.id, {
        githubId: 9_000_000_001,
        defaultBranch: 'main',
        state: 'error',
        backfillComplete: true,
        progressPercent: 40,
        itemsSynced: 12,
        pullsCursor: later(1),
        lastError: { message: 'x'.repeat(3000), at: later(2) },
        consecutiveFailures: 2,
      });
      const stored = (await store.getRepositoryById(repo.id))!;
      expect(stored).toMatchObject({
        githubId: 9_000_000_001,
        defaultBranch: 'main',
        state: 'error',
        backfillComplete: true,
        progressPercent: 40,
        itemsSynced: 12,
        pullsCursor: later(1),
        consecutiveFailures: 2,
      });
      expect(stored.lastError?.message).toHaveLength(2000);
      expect(stored.lastError?.at).toEqual(later(2));

      await store.updateRepository(repo.id, { lastError: null });
      expect((await store.getRepositoryById(repo.id))!.lastError).toBeNull();
      await store.updateRepository(repo.id, {});
      expect((await store.getRepositoryById(repo.id))!.state).toBe('error');
    });

    it('gives a lease to one holder at a time until it runs out or is released', async () => {
      const [repo] = await store.ensureRepositories(
        [{ host: 'github.com', slug: 'acme/web' }],
        NOW,
      );
      expect(await store.claimRepository(repo.id, 'a', NOW, LEASE_MS)).toBe(
        true,
      );
      expect(
        await store.claimRepository(repo.id, 'b', later(1000), LEASE_MS),
      ).toBe(false);
      expect(await store.holdsLease(repo.id, 'a')).toBe(true);
      expect(await store.holdsLease(repo.id, 'b')).toBe(false);
      // Its holder may claim again and renew.
      expect(
        await store.claimRepository(repo.id, 'a', later(1000), LEASE_MS),
      ).toBe(true);
      expect(
        await store.renewLease(repo.id, 'a', later(20_000), LEASE_MS),
      ).toBe(true);
      expect(
        await store.claimRepository(repo.id, 'b', later(40_000), LEASE_MS),
      ).toBe(false);
      // Past the renewed lease, another holder takes over; the first can no longer renew.
      expect(
        await store.claimRepository(repo.id, 'b', later(50_001), LEASE_MS),
      ).toBe(true);
      expect(
        await store.renewLease(repo.id, 'a', later(50_002), LEASE_MS),
      ).toBe(false);
      // Releasing is its holder's only.
      await store.releaseRepository(repo.id, 'a');
      expect(await store.holdsLease(repo.id, 'b')).toBe(true);
      await store.releaseRepository(repo.id, 'b');
      expect(await store.getRepositoryById(repo.id)).toMatchObject({
        leaseOwner: null,
        leaseUntil: null,
      });
      expect(
        await store.claimRepository(repo.id, 'c', later(50_003), LEASE_MS),
      ).toBe(true);
    });

    it('checks the lease inside a transaction', async () => {
      const [repo] = await store.ensureRepositories(
        [{ host: 'github.com', slug: 'acme/web' }],
        NOW,
      );
      await store.claimRepository(repo.id, 'a', NOW, LEASE_MS);
      const held = await knex.transaction(tx =>
        new RepositoryStore(tx).holdsLease(repo.id, 'a'),
      );
      expect(held).toBe(true);
    });

    it('deletes untracked repositories with their data only after the grace period', async () => {
      const [kept, untracked, recent] = await store.ensureRepositories(
        [
          { host: 'github.com', slug: 'acme/kept' },
          { host: 'github.com', slug: 'acme/untracked' },
          { host: 'github.com', slug: 'acme/recent' },
        ],
        NOW,
      );
      await store.updateRepository(recent.id, { lastSyncedAt: later(60_000) });
      await store.saveEtags(
        untracked.id,
        new Map([['pulls', { requestKey: 'k', etag: '"e"' }]]),
        NOW,
      );
      const deleted = await store.deleteRepositoriesExcept(
        [{ host: 'github.com', slug: 'ACME/kept' }],
        later(1000),
      );
      expect(deleted).toBe(1);
      expect((await store.listRepositories()).map(r => r.id)).toEqual([
        kept.id,
        recent.id,
      ]);
      expect(
        await knex('pulse_github_etags').where({ repository_id: untracked.id }),
      ).toEqual([]);
    });

    it('accepts a manual sync request once per cooldown', async () => {
      const ref = 'component:default/web';
      expect(await store.recordSyncRequest(ref, NOW, 60)).toEqual({
        accepted: true,
      });
      expect(await store.recordSyncRequest(ref, later(15_000), 60)).toEqual({
        accepted: false,
        retryAfterSeconds: 45,
      });
      expect(await store.recordSyncRequest(ref, later(60_000), 60)).toEqual({
        accepted: true,
      });
      expect(
        await store.recordSyncRequest(
          'component:default/api',
          later(60_000),
          60,
        ),
      ).toEqual({ accepted: true });
    });

    it('keeps a host’s rate-limit state, replaced on save', async () => {
      expect(await store.getHost('github.com')).toBeUndefined();
      await store.saveHost(
        {
          host: 'github.com',
          limit: 5000,
          remaining: 4999,
          resetAt: later(3_600_000),
          pausedUntil: null,
        },
        NOW,
      );
      await store.saveHost(
        {
          host: 'github.com',
          limit: 5000,
          remaining: 0,
          resetAt: later(3_600_000),
          pausedUntil: later(3_600_000),
        },
        later(1000),
      );
      expect(await store.getHost('github.com')).toEqual({
        host: 'github.com',
        limit: 5000,
        remaining: 0,
        resetAt: later(3_600_000),
        pausedUntil: later(3_600_000),
      });
      await store.saveHost(
        {
          host: 'ghe.example.com',
          limit: null,
          remaining: null,
          resetAt: null,
          pausedUntil: null,
        },
        NOW,
      );
      expect(await store.getHost('ghe.example.com')).toMatchObject({
        limit: null,
        remaining: null,
      });
    });

    it('replaces ETags per resource; a null one removes it', async () => {
      const [repo, other] = await store.ensureRepositories(
        [
          { host: 'github.com', slug: 'acme/web' },
          { host: 'github.com', slug: 'acme/api' },
        ],
        NOW,
      );
      await store.saveEtags(
        repo.id,
        new Map([
          ['pulls', { requestKey: 'pulls?page=1', etag: '"a"' }],
          ['runs', { requestKey: 'runs?page=1', etag: '"b"' }],
        ]),
        NOW,
      );
      await store.saveEtags(
        other.id,
        new Map([['pulls', { requestKey: 'pulls?page=1', etag: '"z"' }]]),
        NOW,
      );
      await store.saveEtags(
        repo.id,
        new Map([
          ['pulls', { requestKey: 'pulls?page=2', etag: '"c"' }],
          ['runs', null],
        ]),
        later(1000),
      );
      expect(await store.getEtags(repo.id)).toEqual(
        new Map([['pulls', { requestKey: 'pulls?page=2', etag: '"c"' }]]),
      );
      await store.deleteEtags(repo.id);
      expect(await store.getEtags(repo.id)).toEqual(new Map());
      expect((await store.getEtags(other.id)).get('pulls')?.etag).toBe('"z"');
    });
  },
);
