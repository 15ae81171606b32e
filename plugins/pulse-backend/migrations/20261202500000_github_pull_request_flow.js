/**
 * What delivery metrics need of a pull request's flow: the merge commit (to find the deployment
 * that shipped it), when it became ready for review, and its first commit's author date.
 * `flow_synced` says the sync has read the last two from GitHub (commits and issue timeline, once
 * per merged pull request); rows stored before this migration are read on the next sync.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('pulse_github_pull_requests', table => {
    table.string('merge_commit_sha', 64).nullable();
    table.timestamp('ready_for_review_at', { useTz: true }).nullable();
    table.timestamp('first_commit_at', { useTz: true }).nullable();
    table.boolean('flow_synced').notNullable().defaultTo(false);
    table.index(
      ['repository_id', 'flow_synced', 'merged_at'],
      'pulse_github_pulls_flow_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pulse_github_pull_requests', table => {
    table.dropIndex(
      ['repository_id', 'flow_synced', 'merged_at'],
      'pulse_github_pulls_flow_idx',
    );
    table.dropColumn('flow_synced');
    table.dropColumn('first_commit_at');
    table.dropColumn('ready_for_review_at');
    table.dropColumn('merge_commit_sha');
  });
};
