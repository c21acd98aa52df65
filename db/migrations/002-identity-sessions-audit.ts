import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';

/**
 * Identity (TOTP state, sessions, known sign-in IPs, login throttling), notifications, firm secrets,
 * and the audit trail.
 *
 * The audit trail lives in the database, not the app:
 * - `audit_events` is append-only for everyone (triggers refuse UPDATE, DELETE and TRUNCATE) and the
 *   application role may only INSERT and SELECT;
 * - each firm's events form a hash chain: a BEFORE INSERT trigger, holding a per-firm advisory lock
 *   so concurrent writers serialise, numbers the event, links it to the previous hash and hashes
 *   a canonical JSON array of its fields (`audit_event_hash`, also used to verify);
 * - every audited table has an AFTER trigger that writes the event for each changed row in the same
 *   transaction, with the actor, request id and IP the app put in transaction-local settings. A write
 *   that forgets to audit is therefore impossible, whichever code path makes it. Secret columns are
 *   replaced by a marker in the snapshots.
 */

const AUDIT_FUNCTIONS = `
CREATE FUNCTION audit_event_hash(e audit_events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    e.firm_id, e.seq, (extract(epoch FROM e.at) * 1000000)::bigint, e.actor_id, e.actor_email, e.actor_role,
    e.action, e.entity_type, e.entity_id, e.before, e.after, e.request_id, e.ip, e.prev_hash
  )::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE last_event record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || coalesce(NEW.firm_id::text, 'platform'), 0));
  SELECT seq, hash INTO last_event FROM audit_events
   WHERE firm_id IS NOT DISTINCT FROM NEW.firm_id ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last_event.seq, 0) + 1;
  NEW.prev_hash := coalesce(last_event.hash, '');
  NEW.at := clock_timestamp();
  NEW.hash := audit_event_hash(NEW);
  RETURN NEW;
END $$;

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

-- Snapshot of a row for the audit trail: secret columns replaced by a marker.
CREATE FUNCTION audit_snapshot(row_data jsonb, secret_columns text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(key, CASE WHEN key = ANY(secret_columns) AND value <> 'null'::jsonb THEN '"[secret]"'::jsonb ELSE value END), '{}'::jsonb)
    FROM jsonb_each(row_data)
$$;

-- TG_ARGV[0]: the entity type; TG_ARGV[1]: comma-separated secret columns;
-- TG_ARGV[2]: comma-separated columns whose changes alone are not worth an event (e.g. last_seen_at).
CREATE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  secret_columns text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
  quiet_columns text[] := string_to_array(coalesce(TG_ARGV[2], ''), ',');
  before_row jsonb;
  after_row jsonb;
  row_firm uuid;
  entity uuid;
  verb text;
  explicit_action text := nullif(current_setting('app.audit_action', true), '');
BEGIN
  IF TG_OP = 'INSERT' THEN
    after_row := to_jsonb(NEW); verb := 'create';
  ELSIF TG_OP = 'UPDATE' THEN
    before_row := to_jsonb(OLD); after_row := to_jsonb(NEW); verb := 'update';
    IF (before_row - quiet_columns - 'updated_at') = (after_row - quiet_columns - 'updated_at') THEN
      RETURN NULL;
    END IF;
  ELSE
    before_row := to_jsonb(OLD); verb := 'delete';
  END IF;
  row_firm := coalesce(after_row, before_row) ->> CASE WHEN TG_TABLE_NAME = 'firms' THEN 'id' ELSE 'firm_id' END;
  entity := (coalesce(after_row, before_row) ->> 'id')::uuid;
  INSERT INTO audit_events (firm_id, actor_id, actor_email, actor_role, action, entity_type, entity_id, before, after, request_id, ip)
  VALUES (
    row_firm,
    nullif(current_setting('app.user_id', true), '')::uuid,
    coalesce(nullif(current_setting('app.user_email', true), ''), 'system'),
    coalesce(nullif(current_setting('app.role', true), ''), 'system'),
    coalesce(explicit_action, TG_ARGV[0] || '.' || verb),
    TG_ARGV[0],
    entity,
    CASE WHEN before_row IS NULL THEN NULL ELSE audit_snapshot(before_row, secret_columns) END,
    CASE WHEN after_row IS NULL THEN NULL ELSE audit_snapshot(after_row, secret_columns) END,
    nullif(current_setting('app.request_id', true), ''),
    nullif(current_setting('app.ip', true), '')
  );
  RETURN NULL;
END $$;
`;

/** [table, entity type, secret columns, quiet columns] */
export const AUDITED_TABLES: Array<[string, string, string[], string[]]> = [
  ['firms', 'firm', [], []],
  ['clients', 'client', [], []],
  ['users', 'user', ['password_hash', 'totp_secret', 'totp_pending_secret'], ['totp_last_step', 'last_login_at']],
  ['sessions', 'session', [], ['last_seen_at', 'idle_expires_at', 'token_issued_at']],
  ['firm_secrets', 'firm_secret', ['ciphertext'], []],
];


export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('totp_secret').nullable(); // secret box ciphertext
    t.text('totp_pending_secret').nullable(); // set up but not yet confirmed with a code
    t.boolean('totp_enabled').notNullable().defaultTo(false);
    t.bigInteger('totp_last_step').nullable(); // a code's time step may be used once
    t.timestamp('password_changed_at', { useTz: true }).nullable();
    t.timestamp('last_login_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary(); // random, generated by the app
    t.uuid('firm_id').notNullable().references('firms.id');
    t.uuid('user_id').notNullable().references('users.id');
    t.text('device_name').notNullable();
    t.text('user_agent').nullable();
    t.text('ip').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('idle_expires_at', { useTz: true }).notNullable();
    t.timestamp('absolute_expires_at', { useTz: true }).notNullable();
    t.timestamp('reauth_at', { useTz: true }).nullable();
    t.timestamp('token_issued_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.uuid('revoked_by').nullable();
    t.text('revoked_reason').nullable();
    t.index(['user_id', 'revoked_at']);
  });

  await knex.schema.createTable('user_known_ips', (t) => {
    t.uuid('firm_id').notNullable().references('firms.id');
    t.uuid('user_id').notNullable().references('users.id');
    t.text('ip').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'ip']);
  });

  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id');
    t.uuid('user_id').nullable().references('users.id'); // null: for the firm's admins
    t.text('kind').notNullable();
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.timestamp('read_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.createTable('firm_secrets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id');
    t.text('kind').notNullable().checkIn(['smtp', 'gsp']);
    t.jsonb('settings').notNullable().defaultTo('{}'); // the non-secret part (host, port, user…)
    t.text('ciphertext').nullable(); // secret box: the password or credentials
    t.text('key_id').nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'kind']);
  });

  // Login throttling state (rate-limiter-flexible's schema), shared by every api replica.
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary();
    t.integer('points').notNullable().defaultTo(0);
    t.bigInteger('expire').nullable();
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').nullable().references('firms.id'); // null: platform events
    t.bigInteger('seq').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid('actor_id').nullable();
    t.text('actor_email').notNullable();
    t.text('actor_role').notNullable();
    t.text('action').notNullable();
    t.text('entity_type').notNullable();
    t.uuid('entity_id').nullable();
    t.jsonb('before').nullable();
    t.jsonb('after').nullable();
    t.text('request_id').nullable();
    t.text('ip').nullable();
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
  });
  await knex.raw('CREATE UNIQUE INDEX audit_events_firm_seq ON audit_events (firm_id, seq) NULLS NOT DISTINCT');
  await knex.raw('CREATE INDEX audit_events_firm_entity ON audit_events (firm_id, entity_type, entity_id)');
  await knex.raw('CREATE INDEX audit_events_firm_at ON audit_events (firm_id, at)');

  await knex.raw(AUDIT_FUNCTIONS);
  await knex.raw(`CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain()`);
  await knex.raw(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`);
  await knex.raw(`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`);
  await knex.raw(`
    DO $$ BEGIN
      EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM %I', current_setting('taalmel.app_role'));
      EXECUTE format('GRANT SELECT, INSERT ON audit_events TO %I', current_setting('taalmel.app_role'));
    END $$;`);

  for (const [table, entity, secrets, quiet] of AUDITED_TABLES) await knex.raw(auditTriggerSql(table, entity, secrets, quiet));
}

export async function down(knex: Knex): Promise<void> {
  for (const [table] of AUDITED_TABLES) await knex.raw(`DROP TRIGGER IF EXISTS ${table}_audit ON ${table}`);
  await knex.schema.dropTable('audit_events');
  await knex.raw('DROP FUNCTION audit_row_change, audit_snapshot, audit_events_refuse_change, audit_events_chain');
  for (const table of ['rate_limits', 'firm_secrets', 'notifications', 'user_known_ips', 'sessions']) await knex.schema.dropTable(table);
  await knex.schema.alterTable('users', (t) => {
    t.dropColumns('totp_secret', 'totp_pending_secret', 'totp_enabled', 'totp_last_step', 'password_changed_at', 'last_login_at');
  });
}
