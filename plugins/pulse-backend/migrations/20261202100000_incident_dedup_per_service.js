/**
 * Dedup keys hold per service and integration: at most one open incident per
 * (entity_ref, integration_key, open_dedup_key) instead of one per key across every service, so
 * two services' senders reusing a key (`disk-full`) no longer meet, and a PagerDuty event applies
 * only to the alert opened through its own routing key. Incidents opened by hand, stored without
 * an integration until now, get their source (`manual`) as integration; existing open incidents
 * keep their keys (the old index allowed one per key, so they satisfy the new one).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex('pulse_incidents')
    .whereNull('integration_key')
    .update({ integration_key: knex.ref('source') });
  await knex.schema.alterTable('pulse_incidents', table => {
    table.dropUnique(['open_dedup_key'], 'pulse_incidents_open_dedup_key_uq');
    table.unique(['entity_ref', 'integration_key', 'open_dedup_key'], {
      indexName: 'pulse_incidents_open_scope_uq',
    });
    // The newest incident of a scope, for a resolve that finds none open.
    table.index(
      ['entity_ref', 'integration_key', 'dedup_key'],
      'pulse_incidents_scope_idx',
    );
  });
};

/**
 * Back to one open incident per key. Where several services have the same key open, the oldest
 * of them keeps it; the others stay open but no longer absorb alerts or take acknowledge and
 * resolve signals (people still act on them).
 *
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  const shared = await knex('pulse_incidents')
    .whereNotNull('open_dedup_key')
    .groupBy('open_dedup_key')
    .having(knex.raw('count(*) > 1'))
    .pluck('open_dedup_key');
  for (const key of shared) {
    const [keeper] = await knex('pulse_incidents')
      .where({ open_dedup_key: key })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .limit(1)
      .pluck('id');
    await knex('pulse_incidents')
      .where({ open_dedup_key: key })
      .whereNot({ id: keeper })
      .update({ open_dedup_key: null });
  }
  await knex.schema.alterTable('pulse_incidents', table => {
    table.dropIndex(
      ['entity_ref', 'integration_key', 'dedup_key'],
      'pulse_incidents_scope_idx',
    );
    table.dropUnique(
      ['entity_ref', 'integration_key', 'open_dedup_key'],
      'pulse_incidents_open_scope_uq',
    );
    table.unique(['open_dedup_key'], {
      indexName: 'pulse_incidents_open_dedup_key_uq',
    });
  });
  await knex('pulse_incidents')
    .where({ source: 'manual', integration_key: 'manual' })
    .update({ integration_key: null });
};
