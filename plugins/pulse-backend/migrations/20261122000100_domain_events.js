/**
 * The domain event log: every change Pulse makes, in order, for the live stream and for replay.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_events', table => {
    table.comment(
      'Typed domain events published by Pulse, kept for a bounded time',
    );
    table.bigIncrements('sequence').primary();
    table.string('id', 64).notNullable().unique();
    table.string('entity_ref', 255).nullable();
    table.string('type', 100).notNullable();
    table.text('payload').notNullable();
    table.timestamp('occurred_at', { useTz: true }).notNullable();
    table.index(['entity_ref', 'sequence'], 'pulse_events_entity_idx');
    table.index(['occurred_at'], 'pulse_events_occurred_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_events');
};
