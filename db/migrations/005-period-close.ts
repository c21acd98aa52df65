import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';
import { enableTenantRls } from '../rls';

/**
 * Period close (docs/period-close.md): each client's period state, the close requests with
 * their evidence snapshots and decisions, and the lock.
 *
 * - `periods`: one row per (firm, client, period) once a close is first requested; the state machine
 *   of docs/period-close.md ("States") is enforced by a trigger, so no code path can jump from `open` to `closed` or undo a close
 *   except by reopening. Each transition writes the period row, so its audit event (trigger) carries
 *   from/to state, the note or reason and the evidence hash.
 * - `close_requests`: at most one `pending` request per client and period (partial unique index:
 *   a double click returns the first request).
 * - The lock: writes to a closed period's imports, import rows, reconciliation runs, results and
 *   supplier summaries are refused by the database with an exception starting `period_closed`,
 *   whichever code path makes them (the api maps it to 422 period_closed). Parent tables get a
 *   BEFORE row trigger; the bulk row tables a statement trigger over the transition table, so a
 *   lakh-row insert costs one join instead of a lakh lookups.
 *
 * The lock functions are SECURITY DEFINER so they see the period row even when the writing
 * transaction's row-level security would hide it (say a portal context scoped to another client);
 * they only ever read `periods` and raise, and trigger functions cannot be called directly. (Yet a
 * role that may execute them can attach them to a table of its own and ask about another firm's
 * period: migration 042 leaves EXECUTE to the owner alone.)
 */
const LOCK_FUNCTIONS = `
CREATE FUNCTION period_lock_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF EXISTS (SELECT 1 FROM periods p WHERE p.firm_id = OLD.firm_id AND p.client_id = OLD.client_id AND p.period = OLD.period AND p.state = 'closed') THEN
      RAISE EXCEPTION 'period_closed: period % of client % is closed (% on % refused)', OLD.period, OLD.client_id, TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF EXISTS (SELECT 1 FROM periods p WHERE p.firm_id = NEW.firm_id AND p.client_id = NEW.client_id AND p.period = NEW.period AND p.state = 'closed') THEN
      RAISE EXCEPTION 'period_closed: period % of client % is closed (% on % refused)', NEW.period, NEW.client_id, TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  RETURN OLD;
END $$;

-- Statement level: new_rows / old_rows are the transition tables the triggers below name.
-- PL/pgSQL plans each statement when it first runs, so only the branch of TG_OP is ever planned.
CREATE FUNCTION period_lock_statement() RETURNS trigger
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

CREATE FUNCTION period_state_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.state <> 'open' THEN
      RAISE EXCEPTION 'invalid_period_transition: a period starts open, not %', NEW.state USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.state IS DISTINCT FROM OLD.state AND (OLD.state, NEW.state) NOT IN (
      ('open', 'close_requested'), ('reopened', 'close_requested'),
      ('close_requested', 'open'), ('close_requested', 'reopened'), ('close_requested', 'closed'),
      ('closed', 'reopened')) THEN
    RAISE EXCEPTION 'invalid_period_transition: % to % is not allowed', OLD.state, NEW.state USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.state = 'closed' AND NEW.state = 'closed' AND (to_jsonb(NEW) - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'updated_at') THEN
    RAISE EXCEPTION 'period_closed: period % of client % is closed; reopen it first', OLD.period, OLD.client_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
`;

/** Tables of migration 004 whose rows carry (firm_id, client_id, period). */
const ROW_LOCKED = ['imports', 'reconciliation_runs'];
const STATEMENT_LOCKED = ['import_rows', 'reconciliation_results', 'reconciliation_suppliers'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('periods', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('period').notNullable().checkRegex('^[0-9]{4}-(0[1-9]|1[0-2])$');
    t.text('state').notNullable().defaultTo('open').checkIn(['open', 'close_requested', 'closed', 'reopened']);
    t.integer('reopen_count').notNullable().defaultTo(0);
    /** The current (or last) close request, its evidence hash, and the note or reason of the last transition. */
    t.uuid('close_request_id').nullable();
    t.text('evidence_hash').nullable();
    t.text('transition_note').nullable();
    /** Reopen's reason code (a code plus text). */
    t.text('reason_code').nullable();
    t.boolean('self_approved').notNullable().defaultTo(false);
    t.uuid('changed_by').nullable();
    t.timestamp('changed_at', { useTz: true }).nullable();
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.uuid('closed_by').nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'client_id', 'period']);
    t.unique(['firm_id', 'id']);
  });

  await knex.schema.createTable('close_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.uuid('period_id').notNullable();
    t.foreign(['firm_id', 'period_id']).references(['firm_id', 'id']).inTable('periods');
    t.text('period').notNullable();
    // pending → approved | rejected | withdrawn | stale (data changed before approval) | expired (no decision in time)
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'approved', 'rejected', 'withdrawn', 'stale', 'expired']);
    /** The period's state when the request was made (open or reopened): where it returns without approval. */
    t.text('from_state').notNullable().checkIn(['open', 'reopened']);
    t.uuid('requested_by').notNullable().references('users.id');
    t.text('requested_by_email').notNullable();
    t.text('requested_by_role').notNullable();
    t.text('note').nullable();
    /** Ids and hashes of the imports, the run and its summary; evidence_hash = sha256 of its canonical JSON. */
    t.jsonb('evidence').notNullable();
    t.text('evidence_hash').notNullable();
    t.text('workflow_id').notNullable();
    t.uuid('decided_by').nullable();
    t.text('decided_by_email').nullable();
    t.text('decided_by_role').nullable();
    t.timestamp('decided_at', { useTz: true }).nullable();
    t.text('decision_note').nullable();
    t.boolean('self_approved').notNullable().defaultTo(false);
    /** On a stale approval: the hash of the data found at that moment. */
    t.text('stale_evidence_hash').nullable();
    t.timestamp('reminded_at', { useTz: true }).nullable();
    t.timestamp('escalated_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'workflow_id']);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX close_requests_one_pending ON close_requests (firm_id, client_id, period) WHERE status = 'pending'`);
  await knex.raw('CREATE INDEX close_requests_firm_status_idx ON close_requests (firm_id, status, created_at, id)');
  await knex.raw('CREATE INDEX close_requests_period_idx ON close_requests (firm_id, client_id, period, created_at)');

  for (const table of ['periods', 'close_requests']) await enableTenantRls(knex, table, { clientColumn: 'client_id' });
  await knex.raw(auditTriggerSql('periods', 'period'));
  await knex.raw(auditTriggerSql('close_requests', 'close_request'));

  await knex.raw(LOCK_FUNCTIONS);
  await knex.raw(`CREATE TRIGGER periods_state_guard BEFORE INSERT OR UPDATE ON periods FOR EACH ROW EXECUTE FUNCTION period_state_guard()`);
  for (const table of ROW_LOCKED) {
    await knex.raw(`CREATE TRIGGER ${table}_period_lock BEFORE INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION period_lock_row()`);
  }
  for (const table of STATEMENT_LOCKED) {
    // A trigger with transition tables may name one event only.
    await knex.raw(`CREATE TRIGGER ${table}_period_lock_ins AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_lock_statement()`);
    await knex.raw(`CREATE TRIGGER ${table}_period_lock_upd AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_lock_statement()`);
    await knex.raw(`CREATE TRIGGER ${table}_period_lock_del AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION period_lock_statement()`);
  }

  await knex.raw(`
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON periods, close_requests TO %I', app_role);
        EXECUTE format('REVOKE DELETE ON periods, close_requests FROM %I', app_role);
      END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ROW_LOCKED) await knex.raw(`DROP TRIGGER IF EXISTS ${table}_period_lock ON ${table}`);
  for (const table of STATEMENT_LOCKED) {
    for (const suffix of ['ins', 'upd', 'del']) await knex.raw(`DROP TRIGGER IF EXISTS ${table}_period_lock_${suffix} ON ${table}`);
  }
  await knex.schema.dropTable('close_requests');
  await knex.schema.dropTable('periods');
  await knex.raw('DROP FUNCTION period_lock_row, period_lock_statement, period_state_guard');
}
