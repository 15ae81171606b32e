/**
 * The commits of each repository's default branch within the lookback, with their parents: the
 * history that tells which commits a deployment shipped (by ancestry, from the previous successful
 * deployment's commit), whatever the merge method.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_github_branch_commits', table => {
    table.comment('Commits of the default branch of a GitHub repository');
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.string('sha', 64).notNullable();
    table.text('parent_shas').notNullable();
    table.timestamp('authored_at', { useTz: true }).nullable();
    table.timestamp('committed_at', { useTz: true }).nullable();
    table.primary(['repository_id', 'sha']);
    table.index(
      ['repository_id', 'committed_at'],
      'pulse_github_branch_commits_committed_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_github_branch_commits');
};
