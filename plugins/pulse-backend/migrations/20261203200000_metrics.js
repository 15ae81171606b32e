/**
 * Delivery metrics, written by the `pulse-metrics-aggregation` task. Each item is one thing a
 * number counts (a deployment and whether it failed, a merged pull request and its flow, an
 * incident and its time to restore, a workflow run), computed per entity with its day in the
 * configured time zone; the REST API computes each window's figures from them, and lists them
 * as the drill-down. `pulse_metrics_entities` records, per entity, the state of its source data
 * that the items were computed from, so that a run recomputes only entities whose data changed.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_metrics_entities', table => {
    table.comment(
      'Delivery metrics: what each entity was last aggregated from',
    );
    table.string('entity_ref', 255).primary().notNullable();
    table.text('source_fingerprint').notNullable();
    table.string('default_branch', 255).nullable();
    table.timestamp('computed_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('pulse_metrics_items', table => {
    table.comment('Delivery metrics: what each number counts, per entity');
    table.string('entity_ref', 255).notNullable();
    table.string('metric', 32).notNullable();
    table.string('item_key', 100).notNullable();
    table.timestamp('occurred_at', { useTz: true }).notNullable();
    table.string('day', 10).notNullable();
    table.double('value').nullable();
    table.text('detail').notNullable();
    table.primary(['entity_ref', 'metric', 'item_key']);
    table.index(
      ['entity_ref', 'metric', 'occurred_at'],
      'pulse_metrics_items_occurred_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_metrics_items');
  await knex.schema.dropTable('pulse_metrics_entities');
};
