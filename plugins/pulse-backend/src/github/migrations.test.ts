import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { applyMigrations, migrationsDirectory } from '../database/migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();

/** A repository and one pull request, written as the schema before the migration under test has them. */
async function storePullRequest(
  knex: Knex,
  pull: Record<string, unknown>,
): Promise<void> {
  const [repository] = await knex('pulse_github_repositories')
    .insert({ host: 'github.com', slug: 'acme/web', created_at: new Date() })
    .returning('id');
  await knex('pulse_github_pull_requests').insert({
    repository_id: typeof repository === 'object' ? repository.id : repository,
    number: 1,
    github_id: 1,
    author_login: 'octocat',
    draft: false,
    state: 'open',
    labels: '[]',
    additions: 1,
    deletions: 1,
    changed_files: 1,
    created_at: new Date(),
    updated_at: new Date(),
    head_sha: 'a'.repeat(40),
    head_ref: 'feature',
    base_ref: 'main',
    ci_state: 'none',
    html_url: 'https://github.com/acme/web/pull/1',
    ...pull,
  });
}

describe.each(databases.eachSupportedId())(
  'the reviews-synced migration on %s',
  databaseId => {
    it('adds pulse_github_pull_requests.reviews_synced, true for existing rows, and its down drops it', async () => {
      const knex = await databases.init(databaseId);
      await applyMigrations(knex);
      // Back to the schema before it, with a pull request stored then.
      await knex.migrate.down({
        directory: migrationsDirectory,
        name: '20261202300000_github_reviews_synced.js',
      });
      expect(
        await knex.schema.hasColumn(
          'pulse_github_pull_requests',
          'reviews_synced',
        ),
      ).toBe(false);
      await storePullRequest(knex, { title: 'Before the migration' });

      await applyMigrations(knex);
      const row = await knex('pulse_github_pull_requests').first();
      expect(Boolean(row.reviews_synced)).toBe(true);

      await knex.migrate.down({
        directory: migrationsDirectory,
        name: '20261202300000_github_reviews_synced.js',
      });
      expect(
        await knex.schema.hasColumn(
          'pulse_github_pull_requests',
          'reviews_synced',
        ),
      ).toBe(false);
      expect(await knex('pulse_github_pull_requests').pluck('title')).toEqual([
        'Before the migration',
      ]);
      await knex.destroy();
    });
  },
);

describe.each(databases.eachSupportedId())(
  'the pull-request-flow migration on %s',
  databaseId => {
    it('adds the flow columns, unread for existing rows, and its down drops them', async () => {
      const knex = await databases.init(databaseId);
      const migration = {
        directory: migrationsDirectory,
        name: '20261202500000_github_pull_request_flow.js',
      };
      const flowColumns = [
        'merge_commit_sha',
        'ready_for_review_at',
        'first_commit_at',
        'flow_synced',
      ];
      const hasFlowColumns = async () =>
        Promise.all(
          flowColumns.map(column =>
            knex.schema.hasColumn('pulse_github_pull_requests', column),
          ),
        );
      await applyMigrations(knex);
      await knex.migrate.down(migration);
      expect(await hasFlowColumns()).toEqual([false, false, false, false]);
      const mergedAt = new Date('2026-11-20T10:00:00Z');
      await storePullRequest(knex, {
        title: 'Merged before the migration',
        state: 'merged',
        created_at: new Date('2026-11-19T10:00:00Z'),
        updated_at: mergedAt,
        merged_at: mergedAt,
      });

      await applyMigrations(knex);
      const row = await knex('pulse_github_pull_requests').first();
      // Not read yet: the next sync reads its commits and timeline.
      expect(Boolean(row.flow_synced)).toBe(false);
      expect(row.ready_for_review_at).toBeNull();
      expect(row.merge_commit_sha).toBeNull();

      await knex.migrate.down(migration);
      expect(await hasFlowColumns()).toEqual([false, false, false, false]);
      expect(await knex('pulse_github_pull_requests').pluck('title')).toEqual([
        'Merged before the migration',
      ]);
      await knex.destroy();
    });
  },
);
