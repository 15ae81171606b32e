/**
 * When each deployment succeeded. GitHub marks a successful deployment `inactive` once a newer
 * one to its environment succeeds, so the latest status alone loses that it ever succeeded, and
 * when; delivery metrics count deployments by this time. Rows stored before this column are
 * filled from a latest status of `success`; an `inactive` one's success time is unknown to them.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('pulse_github_deployments', table => {
    table.timestamp('succeeded_at', { useTz: true }).nullable();
  });
  await knex('pulse_github_deployments')
    .where({ state: 'success' })
    .update({ succeeded_at: knex.ref('status_at') });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pulse_github_deployments', table => {
    table.dropColumn('succeeded_at');
  });
};
