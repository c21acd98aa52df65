import type { Knex } from 'knex';

/**
 * The backup catalogue and the platform operators' notifications. Both are platform tables: they
 * hold no firm's data (no firm_id, no row-level security) and only the worker and the ops commands
 * use them. The catalogue lives in the database it describes, so every dump also carries a
 * manifest file beside it (see activities/backup-files.ts) for the day the database itself is lost.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backups', (t) => {
    // The backup id is also its workflow id (`backup-2026-11-20`), so ops find one from the other.
    t.text('id').primary();
    t.text('kind').notNullable().checkIn(['scheduled', 'on_demand']);
    // running → dumped → verified (a passing drill) | failed (dump or drill). Only `verified` is good.
    t.text('status').notNullable().defaultTo('running').checkIn(['running', 'dumped', 'verified', 'failed']);
    t.text('workflow_id').notNullable();
    t.text('workflow_run_id').notNullable();
    /** Path relative to the backup folder (BACKUP_DIR), e.g. `2026/11/backup-2026-11-20.dump`. */
    t.text('file');
    t.bigInteger('size_bytes');
    t.string('sha256', 64);
    t.text('server_version');
    t.text('pg_dump_version');
    /** The latest row of knex_migrations in the dumped snapshot: what a restored copy must show. */
    t.text('schema_migration');
    /** Exact row counts per table and per firm, taken in the snapshot pg_dump dumped. */
    t.jsonb('counts');
    t.timestamp('dump_started_at', { useTz: true });
    t.timestamp('dump_finished_at', { useTz: true });
    t.integer('dump_duration_ms');
    t.text('failure_reason');

    t.text('drill_status').notNullable().defaultTo('pending').checkIn(['pending', 'running', 'passed', 'failed']);
    t.text('drill_reason');
    t.text('drill_workflow_id');
    t.text('drill_scratch_database');
    t.timestamp('drill_started_at', { useTz: true });
    t.timestamp('drill_finished_at', { useTz: true });
    /** { verifyMs, restoreMs, inspectMs, dropMs, totalMs } */
    t.jsonb('drill_durations');
    /** The counts found in the restored copy, and every mismatch against `counts`. */
    t.jsonb('drill_counts');
    t.jsonb('drill_mismatches');
    /** [{ name, ok, detail }] for every sanity check that ran on the restored copy. */
    t.jsonb('drill_checks');
    t.timestamps(true, true);
  });
  await knex.raw('CREATE INDEX backups_created_at_idx ON backups (created_at DESC)');

  await knex.schema.createTable('platform_notifications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('severity').notNullable().checkIn(['error', 'warning', 'info']);
    t.text('source').notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    /** What the notification is about, e.g. the backup id. */
    t.text('reference');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.timestamp('acknowledged_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX platform_notifications_open_idx ON platform_notifications (created_at DESC) WHERE acknowledged_at IS NULL');

  // The default privileges of migration 001 already cover new tables; granting explicitly keeps
  // this migration correct on its own, whoever set the defaults.
  await knex.raw(`
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON backups, platform_notifications TO %I', app_role);
      END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('platform_notifications');
  await knex.schema.dropTable('backups');
}
