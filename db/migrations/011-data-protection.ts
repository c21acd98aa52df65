import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';
import { enableTenantRls } from '../rls';

/**
 * Data protection: client exports, client erasures, and an audit trail that can forget a client's
 * personal data while still proving itself (docs/data-export-and-erasure.md).
 *
 * - `client_exports`: one row per requested export (a ZIP on disk, kept for a limited time, fetched
 *   once through a signed URL). At most one export of a client is in flight (partial unique index),
 *   so a double click returns the first one.
 * - `client_erasures`: one row per erased client, kept after the client is gone (ids, counts and the
 *   signed certificate only: no personal data). Unique per client, so a double request starts one
 *   workflow. It is the firm's record of having instructed the erasure.
 * - `erasures_in_progress`: a marker row that exists only inside an erasure's own transaction (it is
 *   inserted and deleted before commit, so no other transaction ever sees it). The audit trail
 *   accepts a redaction only while the marker of that erasure is visible. The application role has
 *   no privilege on it and none to UPDATE audit_events: only the owner's erasure step can redact.
 *
 * The audit chain, version 2: each event's hash covers a SHA-256 of its personal payload (actor
 * email, before, after, IP) instead of the payload itself. Redaction replaces that payload with a
 * marker and keeps every hash, so the chain still links and verifies; unredacted payloads are still
 * checked against their payload hash, so any other edit is still caught. Existing chains are
 * verified under version 1 first and rewritten only when they verify; the old hash stays in
 * `hash_v1` so chain heads exported before the migration can still be matched.
 */

const CHAIN_V2_SQL = `
CREATE FUNCTION audit_payload_hash(e audit_events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(e.actor_email, e.before, e.after, e.ip)::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_event_hash_v2(e audit_events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    2, e.firm_id, e.seq, (extract(epoch FROM e.at) * 1000000)::bigint, e.actor_id, e.actor_role,
    e.action, e.entity_type, e.entity_id, e.request_id, e.payload_hash, e.prev_hash
  )::text, 'UTF8')), 'hex')
$$;

-- The hash an event must carry, by the version it was written (or migrated) under.
CREATE FUNCTION audit_event_expected_hash(e audit_events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN e.hash_version = 2 THEN audit_event_hash_v2(e) ELSE audit_event_hash(e) END
$$;

CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE last_event record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || coalesce(NEW.firm_id::text, 'platform'), 0));
  SELECT seq, hash INTO last_event FROM audit_events
   WHERE firm_id IS NOT DISTINCT FROM NEW.firm_id ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last_event.seq, 0) + 1;
  NEW.prev_hash := coalesce(last_event.hash, '');
  NEW.at := clock_timestamp();
  NEW.hash_version := 2;
  NEW.hash_v1 := NULL;
  NEW.redacted_at := NULL;
  NEW.redaction_id := NULL;
  NEW.payload_hash := audit_payload_hash(NEW);
  NEW.hash := audit_event_hash_v2(NEW);
  RETURN NEW;
END $$;

-- A redaction changes nothing but the payload (to the marker) and the redaction stamp, of a
-- version-2 event not yet redacted, while the erasure's marker row is visible (its own transaction).
CREATE FUNCTION audit_event_redaction_allowed(o audit_events, n audit_events) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT o.hash_version = 2 AND o.redacted_at IS NULL AND n.redacted_at IS NOT NULL AND n.redaction_id IS NOT NULL
     AND EXISTS (SELECT 1 FROM erasures_in_progress m WHERE m.id = n.redaction_id AND m.firm_id IS NOT DISTINCT FROM o.firm_id)
     AND (to_jsonb(n) - ARRAY['before', 'after', 'actor_email', 'ip', 'redacted_at', 'redaction_id'])
       = (to_jsonb(o) - ARRAY['before', 'after', 'actor_email', 'ip', 'redacted_at', 'redaction_id'])
     AND n.before IS NOT DISTINCT FROM (CASE WHEN o.before IS NULL THEN NULL ELSE '"[redacted]"'::jsonb END)
     AND n.after IS NOT DISTINCT FROM (CASE WHEN o.after IS NULL THEN NULL ELSE '"[redacted]"'::jsonb END)
     AND n.actor_email IN (o.actor_email, '[redacted]')
     AND (n.ip IS NULL OR n.ip = o.ip)
$$;

CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND audit_event_redaction_allowed(OLD, NEW) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
`;

/** Rewrites every chain that verifies under version 1 into version 2, in order; a broken chain is left alone. */
const MIGRATE_CHAINS_SQL = `
DO $$
DECLARE f record; e audit_events; ok boolean; expected_seq bigint; prev text;
BEGIN
  FOR f IN SELECT DISTINCT firm_id FROM audit_events LOOP
    ok := true; prev := ''; expected_seq := 1;
    FOR e IN SELECT * FROM audit_events WHERE firm_id IS NOT DISTINCT FROM f.firm_id ORDER BY seq LOOP
      IF e.seq <> expected_seq OR e.prev_hash <> prev OR e.hash <> audit_event_hash(e) THEN ok := false; EXIT; END IF;
      prev := e.hash; expected_seq := expected_seq + 1;
    END LOOP;
    IF ok THEN
      prev := '';
      FOR e IN SELECT * FROM audit_events WHERE firm_id IS NOT DISTINCT FROM f.firm_id ORDER BY seq LOOP
        e.hash_v1 := e.hash;
        e.hash_version := 2;
        e.prev_hash := prev;
        e.payload_hash := audit_payload_hash(e);
        e.hash := audit_event_hash_v2(e);
        UPDATE audit_events SET hash_v1 = e.hash_v1, hash_version = 2, prev_hash = e.prev_hash, payload_hash = e.payload_hash, hash = e.hash WHERE id = e.id;
        prev := e.hash;
      END LOOP;
    ELSE
      RAISE WARNING 'audit chain of firm % does not verify: left at version 1', coalesce(f.firm_id::text, 'platform');
    END IF;
  END LOOP;
END $$;
`;

/** The bodies of migration 002, restored by down(). */
const CHAIN_V1_SQL = `
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
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

CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
`;

function grantSql(statements: string[]): string {
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
  await knex.schema.createTable('client_exports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    // queued → running → ready → expired (file deleted), or failed.
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'running', 'ready', 'failed', 'expired']);
    t.text('workflow_id').notNullable();
    t.uuid('requested_by').nullable();
    /** The ZIP's name inside the export folder (never a path chosen by a user). */
    t.text('file_name').nullable();
    t.bigInteger('size_bytes').nullable();
    t.string('sha256', 64).nullable();
    /** Counts per table and file hashes, as in the ZIP's manifest.json. */
    t.jsonb('manifest').nullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('ready_at', { useTz: true }).nullable();
    t.timestamp('downloaded_at', { useTz: true }).nullable();
    t.text('downloaded_ip').nullable();
    t.text('failure_reason').nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'workflow_id']);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX client_exports_one_in_flight ON client_exports (firm_id, client_id) WHERE status IN ('queued', 'running')`);

  await knex.schema.createTable('client_erasures', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    /** No foreign key: the client row is what gets erased. */
    t.uuid('client_id').notNullable();
    // running → completed, or failed (a person looks, then the same request resumes the workflow).
    t.text('status').notNullable().defaultTo('running').checkIn(['running', 'completed', 'failed']);
    t.text('workflow_id').notNullable();
    t.text('reason').notNullable();
    t.uuid('requested_by').nullable();
    /** Counts per table and files, written in the transaction that deleted them. */
    t.jsonb('deleted').nullable();
    t.timestamp('data_deleted_at', { useTz: true }).nullable();
    t.jsonb('certificate').nullable();
    /** The certificate as a compact JWS (EdDSA), verifiable with the platform's public key alone. */
    t.text('certificate_jws').nullable();
    t.text('failure_reason').nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'client_id']);
    t.unique(['firm_id', 'workflow_id']);
  });

  await knex.schema.createTable('erasures_in_progress', (t) => {
    t.uuid('id').primary();
    t.uuid('firm_id').notNullable();
    t.uuid('client_id').nullable();
  });

  await enableTenantRls(knex, 'client_exports', { clientColumn: 'client_id' });
  await enableTenantRls(knex, 'client_erasures', { clientColumn: 'client_id' });
  await enableTenantRls(knex, 'erasures_in_progress');
  await knex.raw(auditTriggerSql('client_exports', 'client_export', [], []));
  await knex.raw(auditTriggerSql('client_erasures', 'client_erasure', [], []));
  await knex.raw(
    grantSql([
      'GRANT SELECT, INSERT, UPDATE ON client_exports, client_erasures TO %I',
      // Exports are expired, never deleted by the app; erasure records are proof and stay.
      'REVOKE DELETE, TRUNCATE ON client_exports, client_erasures FROM %I',
      'REVOKE ALL ON erasures_in_progress FROM %I',
    ]),
  );

  await knex.schema.alterTable('audit_events', (t) => {
    t.text('payload_hash').nullable();
    t.smallint('hash_version').notNullable().defaultTo(1);
    t.text('hash_v1').nullable();
    t.timestamp('redacted_at', { useTz: true }).nullable();
    t.uuid('redaction_id').nullable();
  });
  await knex.raw('CREATE INDEX audit_events_redaction ON audit_events (firm_id, redaction_id) WHERE redaction_id IS NOT NULL');
  await knex.raw(CHAIN_V2_SQL);
  await knex.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
  await knex.raw(MIGRATE_CHAINS_SQL);
  await knex.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(CHAIN_V1_SQL);
  // Migrated events get their version-1 hashes back; events written under version 2 have none, so a
  // down migration after new events leaves those chains unverifiable (reported by the verify route).
  await knex.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
  await knex.raw(`UPDATE audit_events a SET hash = a.hash_v1,
      prev_hash = coalesce((SELECT p.hash_v1 FROM audit_events p WHERE p.firm_id IS NOT DISTINCT FROM a.firm_id AND p.seq = a.seq - 1), '')
    WHERE a.hash_v1 IS NOT NULL`);
  await knex.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
  await knex.raw('DROP FUNCTION audit_event_redaction_allowed(audit_events, audit_events), audit_event_expected_hash(audit_events), audit_event_hash_v2(audit_events), audit_payload_hash(audit_events)');
  await knex.raw('DROP INDEX audit_events_redaction');
  await knex.schema.alterTable('audit_events', (t) => {
    t.dropColumns('payload_hash', 'hash_version', 'hash_v1', 'redacted_at', 'redaction_id');
  });
  for (const table of ['erasures_in_progress', 'client_erasures', 'client_exports']) await knex.schema.dropTable(table);
}
