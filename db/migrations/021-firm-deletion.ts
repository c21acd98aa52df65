import type { Knex } from 'knex';
import { secureFirmTable } from './helpers/firm-table';

/**
 * Firm deletion on account closure (docs/data-export-and-erasure.md, "Deleting a whole firm").
 *
 * - `firm_deletions`: one row per request to delete a firm, by a firm admin (with a cooling-off
 *   period during which any firm admin may cancel it) or by a platform operator. At most one request
 *   of a firm is open (scheduled or running). The row outlives the firm's data: it holds ids, counts,
 *   the reason and the signed certificate, never personal data. It is written by explicit audit
 *   events (requested, cancelled, started, sealed) rather than the row trigger, so that the event
 *   sealing the firm's audit chain stays the chain's last one when the certificate is stored.
 * - `firms.deleted_at`: the firm row stays as a tombstone (its name and slug replaced) because the
 *   sealed audit chain and the deletion record refer to it; platform jobs skip deleted firms.
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
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('firms', (t) => {
    t.dropColumn('deleted_at');
  });
  await knex.schema.dropTable('firm_deletions');
}
