import type { Knex } from 'knex';
import { enableTenantRls } from '../rls';
import { secureFirmTable } from './helpers/firm-table';

/**
 * Retention of closed periods' data (docs/data-export-and-erasure.md, "Retention").
 *
 * - `retention_rules`: the statutory minimum per data class, seeded (a platform table, read-only to
 *   the application). GST records are kept until 72 months after the due date of the annual return
 *   of the year they relate to (CGST Act s.36); the annual return of a financial year is due on
 *   31 December after it ends. A change of law is a new row version, not a code change.
 * - `retention_settings`: one row per firm, months after that date per class (null: keep, the
 *   default). The database refuses a value below the rule's minimum, whatever code path writes it.
 * - `retention_runs`: the nightly run of each firm and day (one per day), with its totals.
 * - `retention_purges`: one row per purged (client, period, class), with the counts deleted: the
 *   proof of what retention removed, and what makes a retried purge a no-op (unique key).
 * - `retention_purges_in_progress`: the lock exception. A closed period's rows refuse deletes
 *   (migration 005); the retention purge, and nothing else, may delete the rows of the tables it
 *   names for one client and period, while its marker row exists. The marker exists only inside the
 *   purge's own transaction (a deferred trigger refuses a commit that still holds it), must point at
 *   the audited `retention_purges` row of the same purge, and the application role has no privilege
 *   on it at all: only the owner's retention step can open the exception.
 */

const RULES = [
  { data_class: 'source_files', min_months: 72, anchor_months_after_year_end: 9, anchor_day: 31, reference: 'CGST Act 2017 s.36 (72 months from the annual return due date)', version: 'CGST Act as amended to 2025' },
  { data_class: 'reconciliation_results', min_months: 72, anchor_months_after_year_end: 9, anchor_day: 31, reference: 'CGST Act 2017 s.36 (72 months from the annual return due date)', version: 'CGST Act as amended to 2025' },
];

/** Migration 005's statement-level lock, with the retention purge's exception in its DELETE branch. */
const LOCK_WITH_RETENTION = `
CREATE OR REPLACE FUNCTION retention_purge_allows(f uuid, c uuid, p text, tbl text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM retention_purges_in_progress m
                  WHERE m.firm_id = f AND m.client_id = c AND m.period = p AND tbl = ANY (m.tables))
$$;
REVOKE ALL ON FUNCTION retention_purge_allows(uuid, uuid, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION period_lock_statement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE hit record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT n.period, n.client_id INTO hit FROM (SELECT DISTINCT firm_id, client_id, period FROM new_rows) n
      JOIN periods p ON p.firm_id = n.firm_id AND p.client_id = n.client_id AND p.period = n.period AND p.state = 'closed' LIMIT 1;
  ELSIF TG_OP = 'DELETE' THEN
    -- The retention purge's marker (owner only, never committed) lets it delete this table's rows of its one client and period.
    SELECT o.period, o.client_id INTO hit FROM (SELECT DISTINCT firm_id, client_id, period FROM old_rows) o
      JOIN periods p ON p.firm_id = o.firm_id AND p.client_id = o.client_id AND p.period = o.period AND p.state = 'closed'
     WHERE NOT retention_purge_allows(o.firm_id, o.client_id, o.period, TG_TABLE_NAME) LIMIT 1;
  ELSE
    SELECT r.period, r.client_id INTO hit FROM (SELECT firm_id, client_id, period FROM new_rows UNION SELECT firm_id, client_id, period FROM old_rows) r
      JOIN periods p ON p.firm_id = r.firm_id AND p.client_id = r.client_id AND p.period = r.period AND p.state = 'closed' LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION 'period_closed: period % of client % is closed (% on % refused)', hit.period, hit.client_id, TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION retention_marker_must_end() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM retention_purges_in_progress m WHERE m.id = NEW.id) THEN
    RAISE EXCEPTION 'retention_marker_left: the retention purge % must remove its marker before commit', NEW.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION retention_settings_minimum() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE rule record;
BEGIN
  FOR rule IN SELECT data_class, min_months FROM retention_rules LOOP
    IF (rule.data_class = 'source_files' AND NEW.source_files_months < rule.min_months)
       OR (rule.data_class = 'reconciliation_results' AND NEW.reconciliation_results_months < rule.min_months) THEN
      RAISE EXCEPTION 'retention_below_minimum: % must be kept at least % months', rule.data_class, rule.min_months USING ERRCODE = 'check_violation';
    END IF;
  END LOOP;
  RETURN NEW;
END $$;
`;

/** Migration 005's body, restored by down(). */
const LOCK_WITHOUT_RETENTION = `
CREATE OR REPLACE FUNCTION period_lock_statement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE hit record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT n.period, n.client_id INTO hit FROM (SELECT DISTINCT firm_id, client_id, period FROM new_rows) n
      JOIN periods p ON p.firm_id = n.firm_id AND p.client_id = n.client_id AND p.period = n.period AND p.state = 'closed' LIMIT 1;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT o.period, o.client_id INTO hit FROM (SELECT DISTINCT firm_id, client_id, period FROM old_rows) o
      JOIN periods p ON p.firm_id = o.firm_id AND p.client_id = o.client_id AND p.period = o.period AND p.state = 'closed' LIMIT 1;
  ELSE
    SELECT r.period, r.client_id INTO hit FROM (SELECT firm_id, client_id, period FROM new_rows UNION SELECT firm_id, client_id, period FROM old_rows) r
      JOIN periods p ON p.firm_id = r.firm_id AND p.client_id = r.client_id AND p.period = r.period AND p.state = 'closed' LIMIT 1;
  END IF;
  IF FOUND THEN
    RAISE EXCEPTION 'period_closed: period % of client % is closed (% on % refused)', hit.period, hit.client_id, TG_OP, TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
`;

function appRoleSql(statements: string[]): string {
  return `
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        ${statements.map((s) => `EXECUTE format('${s}', app_role);`).join('\n        ')}
      END IF;
    END $$;`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('retention_rules', (t) => {
    t.text('data_class').primary().checkIn(['source_files', 'reconciliation_results']);
    t.integer('min_months').notNullable().checkPositive();
    t.integer('anchor_months_after_year_end').notNullable();
    t.integer('anchor_day').notNullable().checkBetween([1, 31]);
    t.text('reference').notNullable();
    t.text('version').notNullable();
  });
  await knex('retention_rules').insert(RULES);

  await knex.schema.createTable('retention_settings', (t) => {
    t.uuid('firm_id').primary().references('firms.id').onDelete('RESTRICT');
    t.integer('source_files_months').nullable();
    t.integer('reconciliation_results_months').nullable();
    t.uuid('updated_by').nullable();
    t.timestamps(true, true);
  });

  await knex.schema.createTable('retention_runs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    /** The Indian calendar day the run is for (the plan's `today`). */
    t.date('day').notNullable();
    t.text('workflow_id').notNullable();
    t.text('status').notNullable().defaultTo('running').checkIn(['running', 'completed', 'failed']);
    /** Purged items and rows per class, written when the run ends. */
    t.jsonb('totals').nullable();
    t.text('failure_reason').nullable();
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'day']);
    t.unique(['firm_id', 'id']);
  });

  await knex.schema.createTable('retention_purges', (t) => {
    t.uuid('id').primary();
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('period').notNullable().checkRegex('^[0-9]{4}-(0[1-9]|1[0-2])$');
    t.text('data_class').notNullable().checkIn(['source_files', 'reconciliation_results']);
    t.uuid('run_id').notNullable();
    t.foreign(['firm_id', 'run_id']).references(['firm_id', 'id']).inTable('retention_runs');
    /** The plan's dates and months when it was purged. */
    t.integer('retain_months').notNullable();
    t.date('keep_until').notNullable();
    t.date('purge_on').notNullable();
    /** Rows deleted per table. */
    t.jsonb('counts').notNullable();
    t.timestamp('purged_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['firm_id', 'client_id', 'period', 'data_class']);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw('CREATE INDEX retention_purges_run_idx ON retention_purges (firm_id, run_id, purged_at, id)');

  await knex.schema.createTable('retention_purges_in_progress', (t) => {
    t.uuid('id').primary().references('retention_purges.id');
    t.uuid('firm_id').notNullable();
    t.uuid('client_id').notNullable();
    t.text('period').notNullable();
    /** The only tables whose rows of this client and period the purge may delete. */
    t.specificType('tables', 'text[]').notNullable();
  });

  await secureFirmTable(knex, 'retention_settings', { grants: ['SELECT', 'INSERT', 'UPDATE'], audit: { entity: 'retention_settings' } });
  await secureFirmTable(knex, 'retention_runs', { grants: ['SELECT', 'INSERT', 'UPDATE'], audit: { entity: 'retention_run' } });
  // Written only by the owner's purge step (with the rows it deletes); the application reads them.
  await secureFirmTable(knex, 'retention_purges', { clientColumn: 'client_id', grants: ['SELECT'], audit: { entity: 'retention_purge' } });
  // Not firm data but the lock exception's key: no privilege at all for the application role, so secureFirmTable (which grants SELECT) does not fit.
  await enableTenantRls(knex, 'retention_purges_in_progress');

  await knex.raw(LOCK_WITH_RETENTION);
  await knex.raw(`CREATE CONSTRAINT TRIGGER retention_purges_in_progress_must_end AFTER INSERT ON retention_purges_in_progress
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION retention_marker_must_end()`);
  await knex.raw(`CREATE TRIGGER retention_settings_minimum BEFORE INSERT OR UPDATE ON retention_settings FOR EACH ROW EXECUTE FUNCTION retention_settings_minimum()`);
  await knex.raw(
    appRoleSql([
      'GRANT SELECT ON retention_rules TO %I',
      'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON retention_rules FROM %I',
      'REVOKE ALL ON retention_purges_in_progress FROM %I',
    ]),
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(LOCK_WITHOUT_RETENTION);
  for (const table of ['retention_purges_in_progress', 'retention_purges', 'retention_runs', 'retention_settings', 'retention_rules']) await knex.schema.dropTable(table);
  await knex.raw('DROP FUNCTION retention_purge_allows(uuid, uuid, text, text), retention_marker_must_end(), retention_settings_minimum()');
}
