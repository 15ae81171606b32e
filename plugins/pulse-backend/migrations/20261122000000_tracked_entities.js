/**
 * Catalog entities that Pulse tracks, kept current from the catalog.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_tracked_entities', table => {
    table.comment('Catalog entities linked to a GitHub repository');
    table.string('entity_ref', 255).primary().notNullable();
    table.string('kind', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('name', 255).notNullable();
    table.string('repo_slug', 255).nullable();
    table.string('repo_owner', 255).nullable();
    table.string('repo_name', 255).nullable();
    table.string('github_host', 255).notNullable();
    table.boolean('valid').notNullable();
    table.text('problems').notNullable().defaultTo('[]');
    table.timestamp('refreshed_at', { useTz: true }).notNullable();
    table.index(
      ['github_host', 'repo_slug'],
      'pulse_tracked_entities_repo_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_tracked_entities');
};
