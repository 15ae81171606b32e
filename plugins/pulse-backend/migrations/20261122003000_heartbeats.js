/**
 * Heartbeat monitors: the last ping of each, shared by every replica, and whether its missed
 * interval has already been reported (so that one outage opens one incident).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_heartbeats', table => {
    table.comment(
      'Heartbeat monitors configured under pulse.oncall.heartbeats',
    );
    table.string('id', 100).primary().notNullable();
    // When the monitor was first seen: the first interval counts from here until a ping arrives.
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('last_ping_at', { useTz: true }).nullable();
    // Set when a missed interval was reported (an incident triggered), cleared by the next ping.
    table.timestamp('expired_at', { useTz: true }).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_heartbeats');
};
