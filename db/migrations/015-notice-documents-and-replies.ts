import type { Knex } from 'knex';
import { secureFirmTable } from './helpers/firm-table';

/**
 * GST notices, continued (docs/notices.md).
 *
 * - `notice_documents`: the notice's own PDF, working papers, the reply, an order, evidence of a
 *   reply made outside Taalmel. Each is declared first (a row `awaiting_upload` with the URL's
 *   expiry), then its bytes arrive once through a signed URL and are stored with their SHA-256 and
 *   the type their content shows. Bytes live in the row and are audited as a marker, never as bytes.
 * - `notices.filed_outside` and `notices.filing_evidence_ids`: a reply filed on the portal (or on
 *   paper) without going through Taalmel's draft and review, recorded with its ARN, date and the
 *   documents that prove it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notice_documents', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.uuid('notice_id').notNullable();
    t.foreign(['firm_id', 'notice_id']).references(['firm_id', 'id']).inTable('notices').onDelete('CASCADE');
    t.text('kind').notNullable().checkIn(['notice', 'working_paper', 'reply', 'order', 'evidence']);
    t.text('filename').notNullable();
    t.text('declared_type').notNullable();
    t.bigInteger('declared_size').notNullable();
    /** awaiting_upload → received | rejected; the upload URL is single use. */
    t.text('status').notNullable().defaultTo('awaiting_upload').checkIn(['awaiting_upload', 'received', 'rejected']);
    t.text('detected_type').nullable();
    t.bigInteger('size_bytes').nullable();
    t.string('sha256', 64).nullable();
    t.binary('content').nullable();
    t.timestamp('upload_expires_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).nullable();
    t.uuid('uploaded_by').notNullable().references('users.id');
    t.timestamps(true, true);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw('CREATE INDEX notice_documents_notice_idx ON notice_documents (firm_id, notice_id, created_at)');
  await secureFirmTable(knex, 'notice_documents', { clientColumn: 'client_id', grants: ['SELECT', 'INSERT', 'UPDATE'], audit: { entity: 'notice_document', secretColumns: ['content'] } });

  await knex.schema.alterTable('notices', (t) => {
    t.boolean('filed_outside').notNullable().defaultTo(false);
    t.specificType('filing_evidence_ids', 'uuid[]').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.dropColumn('filing_evidence_ids');
    t.dropColumn('filed_outside');
  });
  await knex.schema.dropTable('notice_documents');
}
