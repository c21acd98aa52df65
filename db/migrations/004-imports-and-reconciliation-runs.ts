import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';
import { enableTenantRls } from '../rls';

/**
 * Imports (a client's GSTR-2B or purchase register for a period), their parsed rows, reconciliation
 * runs and their results. All firm-scoped: row-level security on every table, and every unique key
 * starts with firm_id.
 *
 * Every table carries `period` (denormalised on the row tables) so that the period-close migration
 * can refuse writes of a closed period with one trigger per table, without joins.
 *
 * The bulk row tables (import_rows, reconciliation_results, reconciliation_suppliers) have no
 * row-level audit triggers: a lakh rows would write a lakh audit events. Instead the code that
 * writes them records one explicit audit event per import (`import.uploaded`) and per run
 * (`reconciliation.results_written`) through recordAuditEvent, and the parent rows (imports,
 * reconciliation_runs) are audited by triggers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('imports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('kind').notNullable().checkIn(['gstr2b', 'purchase_register']);
    t.text('period').notNullable().checkRegex('^[0-9]{4}-(0[1-9]|1[0-2])$');
    t.text('filename');
    t.text('content_type');
    t.bigInteger('declared_size');
    // awaiting_upload → validated | rejected (in the same transaction that consumes the URL);
    // awaiting_upload → expired when the URL lapses unused.
    t.text('status').notNullable().defaultTo('awaiting_upload').checkIn(['awaiting_upload', 'validated', 'rejected', 'expired']);
    t.string('sha256', 64).nullable();
    t.bigInteger('size_bytes').nullable();
    t.integer('rows').nullable();
    t.jsonb('warnings').notNullable().defaultTo('[]');
    t.jsonb('errors').notNullable().defaultTo('[]');
    /** Sniffed format of the uploaded bytes: gstr2b_json, csv, xlsx. */
    t.text('detected_format').nullable();
    /** An earlier validated import of the same client, kind and period with the same bytes. */
    t.uuid('duplicate_of').nullable();
    /** Reader facts worth keeping (section totals, GSTIN of the return, header mapping). */
    t.jsonb('metadata').notNullable().defaultTo('{}');
    t.uuid('created_by').nullable();
    t.timestamp('upload_expires_at', { useTz: true }).nullable();
    t.timestamp('uploaded_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw('CREATE INDEX imports_client_period_idx ON imports (firm_id, client_id, period, kind, created_at DESC)');
  await knex.raw('CREATE INDEX imports_sha256_idx ON imports (firm_id, client_id, kind, sha256) WHERE sha256 IS NOT NULL');

  await knex.schema.createTable('import_rows', (t) => {
    t.uuid('firm_id').notNullable();
    t.uuid('client_id').notNullable();
    t.uuid('import_id').notNullable();
    t.foreign(['firm_id', 'import_id']).references(['firm_id', 'id']).inTable('imports').onDelete('CASCADE');
    t.text('period').notNullable();
    /** Position in the file's canonical document list, from 0: the load order of a run. */
    t.integer('seq').notNullable();
    /** The canonical BooksRow (register) or PortalDoc (2B) as the engine reads it. */
    t.jsonb('doc').notNullable();
    t.primary(['firm_id', 'import_id', 'seq']);
  });

  await knex.schema.createTable('reconciliation_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('period').notNullable().checkRegex('^[0-9]{4}-(0[1-9]|1[0-2])$');
    t.uuid('register_import_id').notNullable().references('imports.id');
    t.uuid('gstr2b_import_id').notNullable().references('imports.id');
    t.jsonb('options').notNullable().defaultTo('{}');
    t.text('workflow_id').notNullable();
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'running', 'completed', 'failed']);
    t.integer('progress_done').notNullable().defaultTo(0);
    t.integer('progress_total').notNullable().defaultTo(0);
    t.jsonb('summary').nullable();
    t.text('failure_reason').nullable();
    t.uuid('created_by').nullable();
    t.timestamp('started_at', { useTz: true }).nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'workflow_id']);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw('CREATE INDEX reconciliation_runs_client_period_idx ON reconciliation_runs (firm_id, client_id, period, created_at DESC)');

  await knex.schema.createTable('reconciliation_results', (t) => {
    t.uuid('firm_id').notNullable();
    t.uuid('client_id').notNullable();
    t.uuid('run_id').notNullable();
    t.foreign(['firm_id', 'run_id']).references(['firm_id', 'id']).inTable('reconciliation_runs').onDelete('CASCADE');
    t.text('period').notNullable();
    /** The engine's deterministic output order, from 0: the cursor of the results list. */
    t.integer('seq').notNullable();
    t.text('category').notNullable();
    t.text('supplier_gstin').notNullable().defaultTo('');
    /** The engine's ResultRow (money in paise); the API presents it in rupees. */
    t.jsonb('row').notNullable();
    t.primary(['firm_id', 'run_id', 'seq']);
  });
  await knex.raw('CREATE INDEX reconciliation_results_category_idx ON reconciliation_results (firm_id, run_id, category, seq)');
  await knex.raw('CREATE INDEX reconciliation_results_supplier_idx ON reconciliation_results (firm_id, run_id, supplier_gstin, seq)');

  await knex.schema.createTable('reconciliation_suppliers', (t) => {
    t.uuid('firm_id').notNullable();
    t.uuid('client_id').notNullable();
    t.uuid('run_id').notNullable();
    t.foreign(['firm_id', 'run_id']).references(['firm_id', 'id']).inTable('reconciliation_runs').onDelete('CASCADE');
    t.text('period').notNullable();
    t.text('supplier_gstin').notNullable();
    /** Paise, for the supplier list's sort (largest risk first). */
    t.bigInteger('itc_at_risk').notNullable();
    t.jsonb('summary').notNullable();
    t.primary(['firm_id', 'run_id', 'supplier_gstin']);
  });
  await knex.raw('CREATE INDEX reconciliation_suppliers_risk_idx ON reconciliation_suppliers (firm_id, run_id, itc_at_risk DESC, supplier_gstin)');

  for (const table of ['imports', 'import_rows', 'reconciliation_runs', 'reconciliation_results', 'reconciliation_suppliers']) {
    await enableTenantRls(knex, table, { clientColumn: 'client_id' });
  }
  await knex.raw(auditTriggerSql('imports', 'import', [], []));
  await knex.raw(auditTriggerSql('reconciliation_runs', 'reconciliation', [], ['progress_done', 'progress_total']));

  await knex.raw(`
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_rows, reconciliation_runs, reconciliation_results, reconciliation_suppliers TO %I', app_role);
      END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['reconciliation_suppliers', 'reconciliation_results', 'reconciliation_runs', 'import_rows', 'imports']) {
    await knex.schema.dropTable(table);
  }
}
