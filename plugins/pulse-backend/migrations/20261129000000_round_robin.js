/**
 * Round-robin escalation steps: the next turn of each policy, so successive incidents page the
 * step's targets one after another across replicas and restarts.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_escalation_turns', table => {
    table.comment('The next round-robin turn of each escalation policy');
    table.string('policy_id', 255).primary().notNullable();
    table.bigInteger('next_turn').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_escalation_turns');
};
