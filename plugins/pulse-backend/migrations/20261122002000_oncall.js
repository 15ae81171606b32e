/**
 * On-call: incidents with their timelines, assignees and escalation pages (the claim table that
 * makes each page go out exactly once), schedule overrides, the catalog directory of groups and
 * users that schedules and policies name, and the last on-call seen per schedule (handoffs).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_incidents', table => {
    table.comment(
      'Incidents opened by alerts or by hand, with their escalation state',
    );
    table.string('id', 36).primary().notNullable();
    table.text('title').notNullable();
    table.string('entity_ref', 255).notNullable();
    table.string('severity', 16).notNullable();
    table.string('status', 16).notNullable();
    table.string('dedup_key', 255).notNullable();
    // Equal to dedup_key while the incident is open and NULL once resolved: the unique index then
    // allows at most one open incident per key on every database (NULLs never collide).
    table.string('open_dedup_key', 255).nullable().unique({
      indexName: 'pulse_incidents_open_dedup_key_uq',
    });
    table.string('integration_key', 255).nullable();
    table.string('source', 32).notNullable();
    table.text('raw_payload').nullable();
    table.integer('alert_count').notNullable().defaultTo(1);
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.timestamp('acknowledged_at', { useTz: true }).nullable();
    table.timestamp('resolved_at', { useTz: true }).nullable();
    table.integer('time_to_acknowledge_seconds').nullable();
    table.integer('time_to_resolve_seconds').nullable();
    table.string('escalation_policy_id', 255).notNullable();
    table.text('escalation_state').notNullable();
    // When the escalation next needs the engine (a page or an acknowledgement timeout).
    table.timestamp('next_due_at', { useTz: true }).nullable();
    table.boolean('flagged').notNullable().defaultTo(false);
    table.integer('version').notNullable().defaultTo(0);
    table.index(['next_due_at'], 'pulse_incidents_next_due_idx');
    table.index(['entity_ref', 'status'], 'pulse_incidents_entity_idx');
    table.index(['status', 'created_at'], 'pulse_incidents_status_idx');
    table.index(['created_at', 'id'], 'pulse_incidents_created_idx');
  });

  await knex.schema.createTable('pulse_incident_assignees', table => {
    table.comment(
      'Who an incident is assigned to: the last users paged or reassigned to',
    );
    table
      .string('incident_id', 36)
      .notNullable()
      .references('id')
      .inTable('pulse_incidents')
      .onDelete('CASCADE');
    table.string('user_ref', 255).notNullable();
    table.primary(['incident_id', 'user_ref']);
    table.index(['user_ref'], 'pulse_incident_assignees_user_idx');
  });

  await knex.schema.createTable('pulse_incident_timeline', table => {
    table.comment('Everything that happened to an incident, in order');
    table.bigIncrements('seq').primary();
    table
      .string('incident_id', 36)
      .notNullable()
      .references('id')
      .inTable('pulse_incidents')
      .onDelete('CASCADE');
    table.timestamp('at', { useTz: true }).notNullable();
    table.string('type', 32).notNullable();
    table.string('actor', 255).nullable();
    table.text('message').notNullable();
    table.text('details').nullable();
    table.index(['incident_id', 'seq'], 'pulse_incident_timeline_incident_idx');
  });

  await knex.schema.createTable('pulse_incident_pages', table => {
    table.comment(
      'One row per escalation page (incident, step, round): claimed with a lease, marked sent',
    );
    table.string('idempotency_key', 128).primary().notNullable();
    table
      .string('incident_id', 36)
      .notNullable()
      .references('id')
      .inTable('pulse_incidents')
      .onDelete('CASCADE');
    table.integer('step_index').notNullable();
    table.integer('round').notNullable();
    table.timestamp('due_at', { useTz: true }).notNullable();
    table.string('claimed_by', 255).nullable();
    table.timestamp('claimed_at', { useTz: true }).nullable();
    table.timestamp('lease_expires_at', { useTz: true }).nullable();
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('sent_at', { useTz: true }).nullable();
    table.timestamp('skipped_at', { useTz: true }).nullable();
    table.text('recipients').nullable();
    table.text('last_error').nullable();
    table.boolean('recovered').notNullable().defaultTo(false);
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['incident_id'], 'pulse_incident_pages_incident_idx');
    table.index(['sent_at'], 'pulse_incident_pages_sent_idx');
  });

  await knex.schema.createTable('pulse_oncall_overrides', table => {
    table.comment('Someone covers a time range of a schedule');
    table.string('id', 36).primary().notNullable();
    table.string('schedule_id', 255).notNullable();
    table.string('user_ref', 255).notNullable();
    table.timestamp('start_at', { useTz: true }).notNullable();
    table.timestamp('end_at', { useTz: true }).notNullable();
    table.string('layer_id', 255).nullable();
    table.string('created_by', 255).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(
      ['schedule_id', 'end_at'],
      'pulse_oncall_overrides_schedule_idx',
    );
  });

  await knex.schema.createTable('pulse_oncall_directory', table => {
    table.comment(
      'The groups and users that schedules and policies name, as last read from the catalog',
    );
    table.string('ref', 255).primary().notNullable();
    table.string('kind', 16).notNullable();
    table.boolean('found').notNullable();
    table.text('members').notNullable().defaultTo('[]');
    table.timestamp('refreshed_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('pulse_oncall_schedule_state', table => {
    table.comment('Who was last seen on call per schedule, to detect handoffs');
    table.string('schedule_id', 255).primary().notNullable();
    table.string('user_ref', 255).nullable();
    table.timestamp('since', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('pulse_oncall_engine_status', table => {
    table.comment(
      'When the escalation engine last completed a run, for the health endpoint',
    );
    table.string('id', 64).primary().notNullable();
    table.timestamp('last_run_at', { useTz: true }).notNullable();
    table.string('last_run_by', 255).notNullable();
    table.integer('last_run_ms').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_oncall_engine_status');
  await knex.schema.dropTable('pulse_oncall_schedule_state');
  await knex.schema.dropTable('pulse_oncall_directory');
  await knex.schema.dropTable('pulse_oncall_overrides');
  await knex.schema.dropTable('pulse_incident_pages');
  await knex.schema.dropTable('pulse_incident_timeline');
  await knex.schema.dropTable('pulse_incident_assignees');
  await knex.schema.dropTable('pulse_incidents');
};
