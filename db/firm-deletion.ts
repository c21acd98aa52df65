/**
 * The database half of a firm deletion, after every client went through its own erasure: delete
 * every remaining row of the firm in every table with a `firm_id` (read from the database's own
 * catalogue, so a table added later is deleted and counted without being listed here), keep the
 * firm row as a tombstone, redact the personal payload of every event of the firm's audit chain
 * and seal the chain. Runs in the caller's transaction: the owner's, scoped to the firm.
 */
import type { Knex } from 'knex';
import type { FirmDeleted } from '../domain/firm-deletion';
import { recordAuditEvent, redactedIdsDigest, REDACTED, REDACTION_EVENT } from './audit';
import { deletionOrder, FOREIGN_KEYS_SQL } from './client-data-catalogue';
import { pgArray } from './client-data';
import { setAuditAction } from './tenant';

/** Every table of the public schema with a `firm_id` column. */
export const FIRM_ID_TABLES_SQL = `
  select c.relname as table
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p')
     and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'firm_id' and not a.attisdropped)
   order by 1`;

/** Firm tables a firm deletion keeps, and why (stated in the certificate). Every other firm table is emptied. */
export const KEPT_FIRM_TABLES: Record<string, string> = {
  audit_events:
    "the firm's audit trail, kept for the legal minimum for security logs with every personal payload replaced by a redaction marker and the chain sealed, so it still proves itself",
  firm_deletions: 'the record of this deletion: ids, counts, the reason and the signed certificate, no personal data',
  client_erasures: "the record of each client's erasure: ids, counts and its signed certificate, no personal data",
  erasures_in_progress: 'never committed: a marker that exists only inside the erasing transaction',
};

/** The event that seals a deleted firm's chain; nothing of the firm is written after it. */
export const FIRM_SEAL_EVENT = 'firm.deletion_sealed';

export async function firmTables(trx: Knex): Promise<string[]> {
  const { rows } = await trx.raw(FIRM_ID_TABLES_SQL);
  return (rows as Array<{ table: string }>).map((r) => r.table);
}

export async function countFirmRows(trx: Knex, table: string, firmId: string): Promise<number> {
  const [row] = await trx(table).where('firm_id', firmId).count<Array<{ n: number }>>({ n: '*' });
  return Number(row?.n ?? 0);
}

/** Rows of the firm in every table a deletion empties (all 0 once it is done). */
export async function remainingFirmRows(trx: Knex, firmId: string): Promise<Record<string, number>> {
  const remaining: Record<string, number> = {};
  for (const table of await firmTables(trx)) if (!(table in KEPT_FIRM_TABLES)) remaining[table] = await countFirmRows(trx, table, firmId);
  return remaining;
}

export async function deleteFirmRows(trx: Knex.Transaction, input: { firmId: string; deletionId: string }): Promise<FirmDeleted> {
  const { firmId, deletionId } = input;
  const clientsLeft = await countFirmRows(trx, 'clients', firmId);
  // Client data goes through the client erasure (files, workflows, erasure log); this step never bypasses it.
  if (clientsLeft > 0) throw new Error(`${clientsLeft} client(s) of the firm are not erased yet`);
  // The marker lets the audit trail accept this deletion's redactions; it never outlives this transaction.
  await trx('erasures_in_progress').insert({ id: deletionId, firm_id: firmId, client_id: null });

  const tables = (await firmTables(trx)).filter((t) => !(t in KEPT_FIRM_TABLES));
  const tally: FirmDeleted['tables'] = {};
  for (const table of tables) tally[table] = { before: await countFirmRows(trx, table, firmId), after: 0 };

  await setAuditAction(trx, 'firm.row_deleted');
  // Only tables that hold rows of the firm are ordered: clients and users reference each other, and
  // the clients are gone already (their erasures), so the cycle never has rows on both sides.
  const holding = tables.filter((t) => tally[t]!.before > 0);
  const edges: Array<{ child: string; parent: string }> = (await trx.raw(FOREIGN_KEYS_SQL, [pgArray(holding), pgArray(holding)])).rows;
  for (const table of deletionOrder(holding, edges)) await trx(table).where('firm_id', firmId).del();
  // The tombstone: the sealed audit chain and the deletion record refer to the firm's id.
  await trx('firms').where({ id: firmId }).update({ name: 'Deleted firm', slug: `deleted-${firmId}`, settings: '{}', deleted_at: trx.fn.now(), updated_at: trx.fn.now() });
  await setAuditAction(trx, null);
  for (const table of tables) tally[table]!.after = await countFirmRows(trx, table, firmId);

  // Every event still carrying a payload loses it (hashes stay); the erasures' vouchers carry none and must stay readable.
  const { rows: redacted } = await trx.raw(
    `update audit_events a set
        before = case when a.before is null then null else '"${REDACTED}"'::jsonb end,
        after = case when a.after is null then null else '"${REDACTED}"'::jsonb end,
        actor_email = '${REDACTED}', ip = null, redacted_at = now(), redaction_id = ?
      where a.firm_id = ? and a.redacted_at is null and a.hash_version = 2 and a.action <> ?
      returning a.id`,
    [deletionId, firmId, REDACTION_EVENT],
  );
  const redactedIds = (redacted as Array<{ id: string }>).map((r) => r.id);
  // Events a client erasure redacted before still name their actor (staff email, IP): blanked too, their stamp unchanged.
  await trx('audit_events')
    .where({ firm_id: firmId, hash_version: 2 })
    .whereNotNull('redacted_at')
    .where((q) => q.whereNot({ actor_email: REDACTED }).orWhereNotNull('ip'))
    .update({ actor_email: REDACTED, ip: null });
  const [unredactable] = await trx('audit_events').where({ firm_id: firmId }).whereNot({ hash_version: 2 }).count<Array<{ n: number }>>({ n: '*' });
  const unredactableEvents = Number(unredactable?.n ?? 0);
  await recordAuditEvent(trx, {
    action: REDACTION_EVENT,
    entityType: 'firm_deletion',
    entityId: deletionId,
    after: { erasureId: deletionId, firmId, redactedEvents: redactedIds.length, redactedIdsSha256: redactedIdsDigest(redactedIds), unredactableEvents },
  });
  await recordAuditEvent(trx, {
    action: FIRM_SEAL_EVENT,
    entityType: 'firm_deletion',
    entityId: deletionId,
    after: { deletionId, tables: Object.fromEntries(Object.entries(tally).map(([t, c]) => [t, c.before])) },
  });
  const head = (await trx('audit_events').where({ firm_id: firmId }).orderBy('seq', 'desc').first('seq', 'hash')) as { seq: string; hash: string } | undefined;
  await trx('erasures_in_progress').where({ id: deletionId }).del();

  return { tables: tally, redactedAuditEvents: redactedIds.length, unredactableAuditEvents: unredactableEvents, sealedHead: head ? { seq: Number(head.seq), hash: head.hash } : null };
}
