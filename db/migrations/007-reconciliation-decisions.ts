import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';
import { enableTenantRls } from '../rls';

/**
 * Manual reconciliation decisions (docs/reconciliation.md, "Manual decisions"): a user links two documents,
 * unlinks a pair, accepts a probable match, marks a row pending or ignored, or clears that mark.
 *
 * Decisions belong to the client and period, not to the run they were made on, so a re-run
 * re-applies them to fresh engine output: `run_id` records where the decision was taken and has no
 * foreign key (runs may be replaced; decisions stay). Documents are named by their content keys,
 * which survive a re-run; `result_id` is the engine row id the user clicked, kept for readability.
 * A decision is never deleted: a later decision that replaces it sets `revoked_at`/`revoked_by`.
 *
 * Like every firm-scoped table: row-level security, an audit trigger, and the period-close lock of
 * migration 005 (a closed period's decisions can be neither added nor revoked).
 *
 * reconciliation_results.seq becomes double precision: unlinking a pair stores its second half
 * between two existing rows, so the results keep the engine's order without renumbering the run.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reconciliation_decisions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('period').notNullable().checkRegex('^[0-9]{4}-(0[1-9]|1[0-2])$');
    t.uuid('run_id').notNullable();
    t.text('action').notNullable().checkIn(['link', 'unlink', 'accept', 'pending', 'ignore', 'clear']);
    t.text('result_id').notNullable();
    t.text('books_key').nullable();
    t.text('portal_key').nullable();
    t.text('note').nullable();
    t.uuid('created_by').notNullable().references('users.id');
    t.text('created_by_email').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
    /** The later decision that replaced this one. */
    t.uuid('revoked_by').nullable();
    t.check('books_key IS NOT NULL OR portal_key IS NOT NULL', [], 'reconciliation_decisions_has_document');
    t.unique(['firm_id', 'id']);
  });
  await knex.raw('CREATE INDEX reconciliation_decisions_client_period_idx ON reconciliation_decisions (firm_id, client_id, period, created_at)');

  await enableTenantRls(knex, 'reconciliation_decisions', { clientColumn: 'client_id' });
  await knex.raw(auditTriggerSql('reconciliation_decisions', 'reconciliation_decision', [], []));
  await knex.raw(
    'CREATE TRIGGER reconciliation_decisions_period_lock BEFORE INSERT OR UPDATE OR DELETE ON reconciliation_decisions FOR EACH ROW EXECUTE FUNCTION period_lock_row()',
  );

  // The default privileges of migration 001 would also grant DELETE: decisions are revoked, never deleted.
  await knex.raw(`
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON reconciliation_decisions TO %I', app_role);
        EXECUTE format('REVOKE DELETE, TRUNCATE ON reconciliation_decisions FROM %I', app_role);
      END IF;
    END $$;
  `);

  await knex.raw('ALTER TABLE reconciliation_results ALTER COLUMN seq TYPE double precision');
  await knex.raw(`CREATE INDEX reconciliation_results_row_id_idx ON reconciliation_results (firm_id, run_id, (row->>'id'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX reconciliation_results_row_id_idx');
  // Runs holding fractional seqs are renumbered 0..n-1 in their order first, or the cast would
  // round two rows onto one key. Through negatives, so no intermediate value collides with the
  // primary key. row_security off: the owner must see every firm's rows (an error, not a silent
  // skip, if it cannot). A closed period's run refuses this (period_closed): reopen it first.
  await knex.raw('SET LOCAL row_security = off');
  await knex.raw(`
    WITH split AS (SELECT DISTINCT firm_id, run_id FROM reconciliation_results WHERE seq <> trunc(seq)),
    numbered AS (
      SELECT r.firm_id, r.run_id, r.seq, row_number() OVER (PARTITION BY r.firm_id, r.run_id ORDER BY r.seq) AS n
        FROM reconciliation_results r JOIN split s ON s.firm_id = r.firm_id AND s.run_id = r.run_id)
    UPDATE reconciliation_results r SET seq = -numbered.n
      FROM numbered WHERE r.firm_id = numbered.firm_id AND r.run_id = numbered.run_id AND r.seq = numbered.seq
  `);
  await knex.raw('UPDATE reconciliation_results SET seq = -seq - 1 WHERE seq < 0');
  await knex.raw('ALTER TABLE reconciliation_results ALTER COLUMN seq TYPE integer USING seq::integer');
  await knex.raw('DROP TRIGGER reconciliation_decisions_period_lock ON reconciliation_decisions');
  await knex.schema.dropTable('reconciliation_decisions');
}
