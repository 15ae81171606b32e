/**
 * The repository each entity's delivery metrics were computed from, so that a team's or a
 * system's figures count a repository shown by several of its entities once. Entities computed
 * before this column get an empty fingerprint: the next aggregation run recomputes them and
 * records their repository.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('pulse_metrics_entities', table => {
    table.integer('repository_id').nullable();
  });
  await knex('pulse_metrics_entities').update({ source_fingerprint: '' });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pulse_metrics_entities', table => {
    table.dropColumn('repository_id');
  });
};
