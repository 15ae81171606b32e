/**
 * Each entity's figures per window as the aggregation last took them, with what runs on with
 * the clock (open pull requests' ages, red time), so that the metrics route reads one row
 * instead of computing them from the items on every request. `figures_key` is the
 * configuration they were taken with; a row of another day or configuration is not served.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_metrics_window_figures', table => {
    table.comment(
      'Delivery metrics: each entity’s figures per window, as last aggregated',
    );
    table.string('entity_ref', 255).notNullable();
    table.integer('window_days').notNullable();
    table.string('last_day', 10).notNullable();
    table.text('figures_key').notNullable();
    table.timestamp('taken_at', { useTz: true }).notNullable();
    table.text('figures').notNullable();
    table.primary(['entity_ref', 'window_days']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_metrics_window_figures');
};
