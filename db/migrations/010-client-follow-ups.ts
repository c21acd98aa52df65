import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';
import { enableTenantRls } from '../rls';

/**
 * Client follow-ups (docs/follow-ups.md): the requests and their checklist items, the files clients
 * upload through their link, the links themselves (only a SHA-256 of each token is stored), and the
 * outbox of every email.
 *
 * - The outbox row of a scheduled message is written, and committed, before the SMTP call, under a
 *   unique slot key: a retried activity finds it and never sends twice.
 * - `client_day` is the business day (days since 1970-01-01 in the follow-up's clock) a message went
 *   out on: the one-message-per-client-per-day rule reads it.
 * - The checklist link is opened without a session, so its lookup by token hash cannot be scoped by
 *   the firm first: `follow_up_link_lookup(hash)` (SECURITY DEFINER) returns the one matching
 *   link's ids and nothing else; everything after it runs in that firm's scope.
 * - Uploaded file contents are audited as a marker, never as bytes.
 */
const LOOKUP_FUNCTION = `
CREATE FUNCTION follow_up_link_lookup(token_hash_in text)
RETURNS TABLE (link_id uuid, firm_id uuid, client_id uuid, follow_up_id uuid, expires_at timestamptz, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT l.id, l.firm_id, l.client_id, l.follow_up_id, l.expires_at, l.revoked_at
    FROM follow_up_links l WHERE l.token_hash = token_hash_in
$$;
`;

const TABLES = ['follow_ups', 'follow_up_items', 'follow_up_files', 'follow_up_links', 'outbox'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    /** The client unsubscribed from email: automatic messages stop, the owner gets a call task. */
    t.timestamp('email_opted_out_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('follow_ups', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('title').notNullable();
    t.text('status').notNullable().defaultTo('open').checkIn(['open', 'snoozed', 'completed', 'cancelled', 'exhausted']);
    t.date('due_date').notNullable();
    /** `{returnType, period}` when the request feeds a statutory deadline. */
    t.jsonb('deadline').nullable();
    /** The period the request concerns (closing it cancels the request). */
    t.text('period').nullable();
    t.uuid('owner_id').notNullable().references('users.id');
    t.uuid('notice_id').nullable();
    t.jsonb('policy').notNullable();
    t.jsonb('clock').notNullable();
    t.text('workflow_id').notNullable();
    t.text('idempotency_key').nullable();
    t.uuid('created_by').notNullable().references('users.id');
    t.timestamp('snoozed_until', { useTz: true }).nullable();
    t.timestamp('next_message_at', { useTz: true }).nullable();
    /** The latest plan the workflow computed (what GET shows). */
    t.jsonb('schedule').notNullable().defaultTo('[]');
    t.jsonb('escalations').notNullable().defaultTo('[]');
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.text('end_note').nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'id']);
    t.unique(['firm_id', 'workflow_id']);
    t.unique(['firm_id', 'idempotency_key']);
  });
  await knex.raw('CREATE INDEX follow_ups_list_idx ON follow_ups (firm_id, status, next_message_at NULLS LAST, id)');
  await knex.raw('CREATE INDEX follow_ups_client_idx ON follow_ups (firm_id, client_id, status)');

  await knex.schema.createTable('follow_up_items', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.uuid('follow_up_id').notNullable();
    t.foreign(['firm_id', 'follow_up_id']).references(['firm_id', 'id']).inTable('follow_ups');
    t.integer('position').notNullable();
    t.text('description').notNullable();
    t.text('period').nullable();
    t.text('status').notNullable().defaultTo('outstanding').checkIn(['outstanding', 'received', 'not_applicable']);
    t.text('reason').nullable();
    t.timestamp('answered_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw('CREATE INDEX follow_up_items_request_idx ON follow_up_items (firm_id, follow_up_id, position)');

  await knex.schema.createTable('follow_up_links', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.uuid('follow_up_id').notNullable();
    t.foreign(['firm_id', 'follow_up_id']).references(['firm_id', 'id']).inTable('follow_ups');
    /** SHA-256 (hex) of the token; the token itself exists only in the email. */
    t.text('token_hash').notNullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'id']);
  });

  await knex.schema.createTable('follow_up_files', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.uuid('follow_up_id').notNullable();
    t.uuid('item_id').notNullable();
    t.foreign(['firm_id', 'item_id']).references(['firm_id', 'id']).inTable('follow_up_items');
    t.uuid('link_id').notNullable();
    t.text('filename').notNullable();
    t.text('declared_type').notNullable();
    t.bigInteger('declared_size').notNullable();
    /** awaiting_upload → received | rejected | expired; the upload URL is single use. */
    t.text('status').notNullable().defaultTo('awaiting_upload').checkIn(['awaiting_upload', 'received', 'rejected', 'expired']);
    t.text('detected_type').nullable();
    t.bigInteger('size_bytes').nullable();
    t.string('sha256', 64).nullable();
    t.binary('content').nullable();
    t.timestamp('upload_expires_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'id']);
  });

  await knex.schema.createTable('outbox', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').nullable();
    t.uuid('follow_up_id').nullable();
    /** Unique per firm: one scheduled slot, one row, one SMTP call at most. */
    t.text('slot_key').notNullable();
    t.text('audience').notNullable().checkIn(['client', 'staff']);
    t.text('template').notNullable();
    t.text('recipient').notNullable();
    t.text('subject').notNullable();
    /** sending (row written, SMTP call not yet confirmed) → sent | failed; merged and skipped never reach SMTP. */
    t.text('status').notNullable().checkIn(['sending', 'sent', 'failed', 'merged', 'skipped']);
    t.text('message_id').nullable();
    t.text('error').nullable();
    t.jsonb('follow_up_ids').notNullable().defaultTo('[]');
    t.jsonb('items_listed').notNullable().defaultTo('[]');
    t.uuid('merged_into').nullable();
    t.integer('client_day').nullable();
    t.timestamp('scheduled_at', { useTz: true }).nullable();
    t.timestamp('sent_at', { useTz: true }).nullable();
    t.timestamps(true, true);
    t.unique(['firm_id', 'slot_key']);
  });
  await knex.raw('CREATE INDEX outbox_client_day_idx ON outbox (firm_id, client_id, client_day)');
  await knex.raw('CREATE INDEX outbox_follow_up_idx ON outbox (firm_id, follow_up_id, created_at)');

  for (const table of TABLES) await enableTenantRls(knex, table, { clientColumn: 'client_id' });
  await knex.raw(auditTriggerSql('follow_ups', 'follow_up', [], ['next_message_at', 'schedule', 'escalations']));
  await knex.raw(auditTriggerSql('follow_up_items', 'follow_up_item'));
  await knex.raw(auditTriggerSql('follow_up_links', 'follow_up_link', [], ['last_used_at']));
  await knex.raw(auditTriggerSql('follow_up_files', 'follow_up_file', ['content']));
  await knex.raw(auditTriggerSql('outbox', 'email'));
  await knex.raw(LOOKUP_FUNCTION);

  await knex.raw(`
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON follow_ups, follow_up_items, follow_up_links, follow_up_files, outbox TO %I', app_role);
        EXECUTE format('REVOKE DELETE ON follow_ups, follow_up_items, follow_up_links, follow_up_files, outbox FROM %I', app_role);
        EXECUTE format('REVOKE ALL ON FUNCTION follow_up_link_lookup(text) FROM PUBLIC');
        EXECUTE format('GRANT EXECUTE ON FUNCTION follow_up_link_lookup(text) TO %I', app_role);
      END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS follow_up_link_lookup(text)');
  for (const table of ['outbox', 'follow_up_files', 'follow_up_links', 'follow_up_items', 'follow_ups']) await knex.schema.dropTable(table);
  await knex.schema.alterTable('clients', (t) => t.dropColumn('email_opted_out_at'));
}
