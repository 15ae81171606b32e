/**
 * Each attempt of a workflow run. A re-run keeps the run's id and raises `run_attempt`; the run row
 * holds the latest attempt, this table every attempt's outcome, so that a conclusion a re-run
 * flipped (a flaky workflow) stays visible.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_github_workflow_run_attempts', table => {
    table.comment('Each attempt of a GitHub Actions workflow run');
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.bigInteger('run_id').notNullable();
    table.integer('attempt').notNullable();
    table.bigInteger('workflow_id').notNullable();
    table.string('head_sha', 64).notNullable();
    table.string('status', 20).notNullable();
    table.string('conclusion', 20).nullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('completed_at', { useTz: true }).nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['repository_id', 'run_id', 'attempt']);
    table.index(
      ['repository_id', 'workflow_id', 'head_sha'],
      'pulse_github_run_attempts_workflow_sha_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_github_workflow_run_attempts');
};
