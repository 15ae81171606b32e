import { createTestDatabases } from '../__testUtils__/testDatabases';
import { applyMigrations, migrationsDirectory } from '../database/migrations';

jest.setTimeout(60_000);

const databases = createTestDatabases();

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
      const [repository] = await knex('pulse_github_repositories')
        .insert({
          host: 'github.com',
          slug: 'acme/web',
          created_at: new Date(),
        })
        .returning('id');
      const repositoryId =
        typeof repository === 'object' ? repository.id : repository;
      await knex('pulse_github_pull_requests').insert({
        repository_id: repositoryId,
        number: 1,
        github_id: 1,
        title: 'Before the migration',
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
      });

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
