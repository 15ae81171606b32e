/**
 * Live updates: a version per subject (an entity, or a schedule) and topic, raised in the same
 * transaction as every change it covers, and each event's position in its entity's feed. Both are
 * taken under a row lock, so they follow commit order: a change that commits later always has a
 * higher version and feed position, whatever sequence its event row got at insert.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_live_versions', table => {
    table.comment(
      'The latest version of each subject and topic, for live hints and version checks',
    );
    table.string('subject', 255).notNullable();
    table.string('topic', 32).notNullable();
    table.bigInteger('version').notNullable();
    table.primary(['subject', 'topic']);
  });
  await knex.schema.alterTable('pulse_events', table => {
    table.bigInteger('feed_position').nullable();
    table.index(['entity_ref', 'feed_position'], 'pulse_events_feed_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pulse_events', table => {
    table.dropIndex(['entity_ref', 'feed_position'], 'pulse_events_feed_idx');
    table.dropColumn('feed_position');
  });
  await knex.schema.dropTable('pulse_live_versions');
};
