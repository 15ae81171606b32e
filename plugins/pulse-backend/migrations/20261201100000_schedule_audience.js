/**
 * Who a schedule concerns beyond its members: the owners of the catalog entities whose
 * escalation policy pages it. Read by the `SERVES_OWNED_ENTITY` permission rule; rebuilt from the
 * catalog by the directory refresh.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_oncall_schedule_audience', table => {
    table.comment(
      'Owners (groups or users) of entities whose escalation policy pages a schedule',
    );
    table.string('schedule_id', 255).notNullable();
    table.string('owner_ref', 255).notNullable();
    table.primary(['schedule_id', 'owner_ref']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_oncall_schedule_audience');
};
