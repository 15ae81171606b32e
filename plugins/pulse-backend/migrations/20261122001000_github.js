/**
 * The GitHub domain: repositories and their sync state, pull requests, reviews, CI state per
 * commit, workflow runs, deployments, webhook deliveries and manual sync requests.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pulse_github_hosts', table => {
    table.comment('Rate-limit bookkeeping per GitHub host');
    table.string('host', 255).primary().notNullable();
    table.integer('rate_limit').nullable();
    table.integer('rate_remaining').nullable();
    table.timestamp('rate_reset_at', { useTz: true }).nullable();
    table.timestamp('paused_until', { useTz: true }).nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('pulse_github_repositories', table => {
    table.comment('Repositories Pulse syncs, with their sync state');
    table.increments('id').primary();
    table.string('host', 255).notNullable();
    /** `owner/name`, lower case: GitHub names are case-insensitive. */
    table.string('slug', 255).notNullable();
    table.bigInteger('github_id').nullable();
    table.string('default_branch', 255).nullable();
    table.string('state', 20).notNullable().defaultTo('pending');
    table.boolean('backfill_complete').notNullable().defaultTo(false);
    table.integer('progress_percent').notNullable().defaultTo(0);
    table.integer('items_synced').notNullable().defaultTo(0);
    table.timestamp('pulls_cursor', { useTz: true }).nullable();
    table.timestamp('runs_cursor', { useTz: true }).nullable();
    table.timestamp('deployments_cursor', { useTz: true }).nullable();
    table.timestamp('last_synced_at', { useTz: true }).nullable();
    table.timestamp('last_attempt_at', { useTz: true }).nullable();
    table.text('last_error_message').nullable();
    table.timestamp('last_error_at', { useTz: true }).nullable();
    table.integer('consecutive_failures').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).nullable();
    table.timestamp('sync_requested_at', { useTz: true }).nullable();
    table.string('lease_owner', 100).nullable();
    table.timestamp('lease_until', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.unique(['host', 'slug'], {
      indexName: 'pulse_github_repositories_slug_uq',
    });
  });

  await knex.schema.createTable('pulse_github_etags', table => {
    table.comment(
      'ETags of conditional list requests, per repository and resource',
    );
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.string('resource', 100).notNullable();
    /** The request the ETag belongs to; an ETag is only sent again with the same request. */
    table.text('request_key').notNullable();
    table.string('etag', 255).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['repository_id', 'resource']);
  });

  await knex.schema.createTable('pulse_github_pull_requests', table => {
    table.comment('Pull requests of synced repositories');
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.integer('number').notNullable();
    table.bigInteger('github_id').notNullable();
    table.text('title').notNullable();
    table.string('author_login', 255).notNullable();
    table.text('author_avatar_url').nullable();
    table.boolean('draft').notNullable();
    table.string('state', 10).notNullable();
    table.text('labels').notNullable();
    table.integer('additions').notNullable();
    table.integer('deletions').notNullable();
    table.integer('changed_files').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.timestamp('first_review_at', { useTz: true }).nullable();
    table.timestamp('merged_at', { useTz: true }).nullable();
    table.timestamp('closed_at', { useTz: true }).nullable();
    table.string('head_sha', 64).notNullable();
    table.string('head_ref', 255).notNullable();
    table.string('base_ref', 255).notNullable();
    table.string('review_decision', 20).nullable();
    table.string('ci_state', 10).notNullable().defaultTo('none');
    table.text('html_url').notNullable();
    table.primary(['repository_id', 'number']);
    table.index(
      ['repository_id', 'state', 'updated_at', 'number'],
      'pulse_github_prs_state_updated_idx',
    );
    table.index(
      ['repository_id', 'state', 'merged_at', 'number'],
      'pulse_github_prs_state_merged_idx',
    );
    table.index(
      ['repository_id', 'state', 'closed_at', 'number'],
      'pulse_github_prs_state_closed_idx',
    );
    table.index(
      ['repository_id', 'updated_at', 'number'],
      'pulse_github_prs_updated_idx',
    );
    table.index(['repository_id', 'head_sha'], 'pulse_github_prs_head_idx');
  });

  await knex.schema.createTable('pulse_github_reviews', table => {
    table.comment('Pull request reviews');
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.bigInteger('id').notNullable();
    table.integer('pull_number').notNullable();
    table.string('reviewer_login', 255).notNullable();
    table.string('state', 30).notNullable();
    table.timestamp('submitted_at', { useTz: true }).nullable();
    table.string('commit_id', 64).nullable();
    table.primary(['repository_id', 'id']);
    table.index(
      ['repository_id', 'pull_number'],
      'pulse_github_reviews_pull_idx',
    );
  });

  await knex.schema.createTable('pulse_github_commits', table => {
    table.comment(
      'Combined CI state of commits that are (or were) pull request heads',
    );
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.string('sha', 64).notNullable();
    table.string('ci_state', 10).notNullable();
    table.string('checks_etag', 255).nullable();
    table.string('statuses_etag', 255).nullable();
    table.timestamp('checked_at', { useTz: true }).nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['repository_id', 'sha']);
  });

  await knex.schema.createTable('pulse_github_checks', table => {
    table.comment(
      'The check runs, check suites and commit statuses a CI state is combined from',
    );
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.string('sha', 64).notNullable();
    /** `check_run`, `check_suite` or `status`. */
    table.string('kind', 20).notNullable();
    /** Check run or suite id, or the status context. */
    table.string('key', 255).notNullable();
    table.string('state', 10).notNullable();
    /** 0 queued, 1 in progress, 2 completed: a lower rank never replaces a higher one. */
    table.integer('rank').notNullable();
    table.timestamp('observed_at', { useTz: true }).nullable();
    table.primary(['repository_id', 'sha', 'kind', 'key']);
  });

  await knex.schema.createTable('pulse_github_workflow_runs', table => {
    table.comment('GitHub Actions workflow runs');
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.bigInteger('id').notNullable();
    table.bigInteger('workflow_id').notNullable();
    table.string('workflow_name', 255).notNullable();
    table.text('name').notNullable();
    table.string('branch', 255).notNullable();
    table.string('event', 50).notNullable();
    table.string('status', 20).notNullable();
    table.string('conclusion', 20).nullable();
    table.integer('run_attempt').notNullable();
    table.string('head_sha', 64).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('completed_at', { useTz: true }).nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.text('html_url').notNullable();
    table.primary(['repository_id', 'id']);
    table.index(
      ['repository_id', 'created_at', 'id'],
      'pulse_github_runs_created_idx',
    );
    table.index(
      ['repository_id', 'branch', 'workflow_id', 'created_at'],
      'pulse_github_runs_branch_idx',
    );
    table.index(['repository_id', 'status'], 'pulse_github_runs_status_idx');
  });

  await knex.schema.createTable('pulse_github_deployments', table => {
    table.comment('Deployments and the state of their latest status');
    table
      .integer('repository_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('pulse_github_repositories')
      .onDelete('CASCADE');
    table.bigInteger('id').notNullable();
    table.string('environment', 255).notNullable();
    table.string('sha', 64).notNullable();
    table.string('ref', 255).notNullable();
    table.string('state', 20).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.bigInteger('status_id').nullable();
    table.timestamp('status_at', { useTz: true }).nullable();
    table.string('statuses_etag', 255).nullable();
    table.primary(['repository_id', 'id']);
    table.index(
      ['repository_id', 'created_at'],
      'pulse_github_deployments_created_idx',
    );
    table.index(
      ['repository_id', 'environment', 'created_at'],
      'pulse_github_deployments_env_idx',
    );
  });

  await knex.schema.createTable('pulse_github_webhook_deliveries', table => {
    table.comment(
      'Applied webhook deliveries (X-GitHub-Delivery), kept to drop duplicates',
    );
    table.string('delivery_id', 100).primary().notNullable();
    table.string('event', 50).notNullable();
    table.timestamp('received_at', { useTz: true }).notNullable();
    table.index(['received_at'], 'pulse_github_deliveries_received_idx');
  });

  await knex.schema.createTable('pulse_github_sync_requests', table => {
    table.comment('The last manual sync request per entity, for the cooldown');
    table.string('entity_ref', 255).primary().notNullable();
    table.timestamp('requested_at', { useTz: true }).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pulse_github_sync_requests');
  await knex.schema.dropTable('pulse_github_webhook_deliveries');
  await knex.schema.dropTable('pulse_github_deployments');
  await knex.schema.dropTable('pulse_github_workflow_runs');
  await knex.schema.dropTable('pulse_github_checks');
  await knex.schema.dropTable('pulse_github_commits');
  await knex.schema.dropTable('pulse_github_reviews');
  await knex.schema.dropTable('pulse_github_pull_requests');
  await knex.schema.dropTable('pulse_github_etags');
  await knex.schema.dropTable('pulse_github_repositories');
  await knex.schema.dropTable('pulse_github_hosts');
};
