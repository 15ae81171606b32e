/**
 * Whether a pull request's reviews were read from GitHub. A pull request first stored from a
 * webhook (e.g. before or during its repository's first sync) has only the reviews webhooks
 * brought; the next sync reads it in full instead of skipping it as unchanged.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('pulse_github_pull_requests', table => {
    table.boolean('reviews_synced').notNullable().defaultTo(true);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pulse_github_pull_requests', table => {
    table.dropColumn('reviews_synced');
  });
};
