/**
 * Alert intake's rate limit, shared by every replica: one token bucket per caller (the token's
 * subject), taken with one statement per request.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_intake_rate_limits', table => {
    table.comment(
      'Token buckets of the alert intake rate limit, one per caller, shared by every replica',
    );
    table.string('caller', 255).primary().notNullable();
    // Requests left in the bucket as of updated_at (a fraction while it refills).
    table.double('tokens').notNullable();
    // Milliseconds since the epoch of the last request, on the requesting replica's clock.
    table.double('updated_at').notNullable();
    // Whether the last request was allowed: the statement's answer.
    table.integer('allowed').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_intake_rate_limits');
};
