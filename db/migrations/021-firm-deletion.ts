import type { Knex } from 'knex';
import { secureFirmTable } from './helpers/firm-table';

/** Migration 011's rule: a redaction of a version-2 event not yet redacted, while its erasure's marker is visible. */
const FIRST_REDACTION = `o.hash_version = 2 AND o.redacted_at IS NULL AND n.redacted_at IS NOT NULL AND n.redaction_id IS NOT NULL
     AND EXISTS (SELECT 1 FROM erasures_in_progress m WHERE m.id = n.redaction_id AND m.firm_id IS NOT DISTINCT FROM o.firm_id)
     AND (to_jsonb(n) - ARRAY['before', 'after', 'actor_email', 'ip', 'redacted_at', 'redaction_id'])
       = (to_jsonb(o) - ARRAY['before', 'after', 'actor_email', 'ip', 'redacted_at', 'redaction_id'])
     AND n.before IS NOT DISTINCT FROM (CASE WHEN o.before IS NULL THEN NULL ELSE '"[redacted]"'::jsonb END)
     AND n.after IS NOT DISTINCT FROM (CASE WHEN o.after IS NULL THEN NULL ELSE '"[redacted]"'::jsonb END)
     AND n.actor_email IN (o.actor_email, '[redacted]')
     AND (n.ip IS NULL OR n.ip = o.ip)`;

/**
 * Added for firm deletion: an event a client erasure redacted still names its actor (a staff member's
 * email and IP). A firm-wide marker (no client) lets the firm deletion blank those two, and nothing
 * else: the redaction stamp stays the client erasure's, so its voucher still matches.
 */
const ACTOR_REDACTION = `o.hash_version = 2 AND o.redacted_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM erasures_in_progress m WHERE m.firm_id IS NOT DISTINCT FROM o.firm_id AND m.client_id IS NULL)
     AND (to_jsonb(n) - ARRAY['actor_email', 'ip']) = (to_jsonb(o) - ARRAY['actor_email', 'ip'])
     AND n.actor_email = '[redacted]' AND n.ip IS NULL`;

const redactionRule = (body: string) => `
CREATE OR REPLACE FUNCTION audit_event_redaction_allowed(o audit_events, n audit_events) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT ${body}
$$;`;

/**
 * Firm deletion on account closure (docs/data-export-and-erasure.md, "Deleting a whole firm").
 *
 * - `firm_deletions`: one row per request to delete a firm, by a firm admin (with a cooling-off
 *   period during which any firm admin may cancel it) or by a platform operator. At most one request
 *   of a firm is open (scheduled or running). The row outlives the firm's data: it holds ids, counts,
 *   the reason and the signed certificate, and no personal data but the address the certificate is
 *   emailed to, held only until it is sent. It is written by explicit audit
 *   events (requested, cancelled, started, sealed) rather than the row trigger, so that the event
 *   sealing the firm's audit chain stays the chain's last one when the certificate is stored.
 * - the audit trail's redaction rule (migration 011) gains one case: a firm-wide marker lets the
 *   deletion blank the actor email and IP of events a client erasure already redacted.
 * - `firms.deleted_at`: the firm row stays as a tombstone (its name and slug replaced) because the
 *   sealed audit chain and the deletion record refer to it; `deleted_at` says it is one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('firm_deletions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.text('workflow_id').notNullable();
    // scheduled → running → completed, or scheduled → cancelled, or running → failed (a retry resumes it).
    t.text('status').notNullable().defaultTo('scheduled').checkIn(['scheduled', 'cancelled', 'running', 'completed', 'failed']);
    t.text('requested_via').notNullable().checkIn(['firm_admin', 'operator']);
    t.text('reason').notNullable();
    /** The firm admin who asked (an id only: the user row itself is deleted), null for an operator. */
    t.uuid('requested_by').nullable();
    t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** The end of the cooling-off period (domain/firm-deletion.ts); the workflow's timer waits for it. */
    t.timestamp('execute_after', { useTz: true }).notNullable();
    t.timestamp('cancelled_at', { useTz: true }).nullable();
    t.uuid('cancelled_by').nullable();
    t.timestamp('started_at', { useTz: true }).nullable();
    /** Each client's erasure: ids and the SHA-256 of its certificate, filled as they complete. */
    t.jsonb('client_erasures').nullable();
    /** Counts per table, written in the transaction that deleted the firm's own rows. */
    t.jsonb('deleted').nullable();
    t.timestamp('data_deleted_at', { useTz: true }).nullable();
    t.jsonb('certificate').nullable();
    t.text('certificate_jws').nullable();
    /** Where the certificate is emailed (the requesting admin, or the operator's --send-to); emptied once it is sent. */
    t.text('certificate_to').nullable();
    t.timestamp('certificate_sent_at', { useTz: true }).nullable();
    t.text('failure_reason').nullable();
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw(`CREATE UNIQUE INDEX firm_deletions_one_open ON firm_deletions (firm_id) WHERE status IN ('scheduled', 'running')`);
  await secureFirmTable(knex, 'firm_deletions', {
    grants: ['SELECT', 'INSERT', 'UPDATE'],
    audit: { notAudited: 'written with explicit firm.deletion_* events, so the event sealing the chain stays its last one' },
  });

  await knex.schema.alterTable('firms', (t) => {
    t.timestamp('deleted_at', { useTz: true }).nullable();
  });
  await knex.raw(redactionRule(`(${FIRST_REDACTION}) OR (${ACTOR_REDACTION})`));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(redactionRule(FIRST_REDACTION));
  await knex.schema.alterTable('firms', (t) => {
    t.dropColumn('deleted_at');
  });
  await knex.schema.dropTable('firm_deletions');
}
