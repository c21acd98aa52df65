/**
 * Stopping supplier chases (docs/follow-ups.md, "Supplier chases"): when a GSTR-2B of the client is
 * stored, each outstanding item of the client's live supplier chases whose document it now shows is
 * received ("shown in GSTR-2B <period>"), and a chase with nothing left is completed. Runs in the
 * import's own transaction, so the items change exactly when the rows that show them are stored.
 */
import type { Knex } from 'knex';
import { chasedDocumentOf, SUPPLIER_CHASED_CATEGORIES, shownInReason, showsChasedDocument, type ChasedDocument, type SupplierChasedCategory } from '../domain/follow-ups';
import type { PortalDoc, ResultRow } from '../domain/recon';
import { endFollowUp, LIVE_STATUSES } from './follow-ups';
import { FollowUp, FollowUpItem } from './models/follow-up';
import { setAuditAction } from './tenant';

/** A chase the import changed: its workflow is told what is left (zero: it completes). */
export type SettledChase = { followUpId: string; workflowId: string; outstanding: number };

/** The chased documents of these items, read from their run's stored results (by the engine's row id). */
async function chasedDocuments(trx: Knex.Transaction, runId: string, items: FollowUpItem[]): Promise<Map<string, ChasedDocument>> {
  const ids = items.map((i) => i.resultId).filter((id): id is string => Boolean(id));
  const rows: Array<{ row: ResultRow }> = ids.length ? await trx('reconciliation_results').select('row').where({ run_id: runId }).whereRaw("row->>'id' = any(?)", [ids]) : [];
  const byId = new Map(rows.map((r) => [r.row.id, r.row]));
  const out = new Map<string, ChasedDocument>();
  for (const item of items) {
    const row = item.resultId ? byId.get(item.resultId) : undefined;
    // The chase was made from this row; a row a reviewer ignored since is still what the letter named.
    if (row?.books && (SUPPLIER_CHASED_CATEGORIES as readonly string[]).includes(row.category)) {
      out.set(item.id, chasedDocumentOf(row as ResultRow & { category: SupplierChasedCategory }));
    }
  }
  return out;
}

/** The 2B documents of one import from the given suppliers. */
async function importDocuments(trx: Knex.Transaction, importId: string, gstins: string[]): Promise<PortalDoc[]> {
  if (gstins.length === 0) return [];
  const rows: Array<{ doc: PortalDoc }> = await trx('import_rows').select('doc').where({ import_id: importId }).whereRaw("upper(doc->>'supplierGstin') = any(?)", [gstins.map((g) => g.toUpperCase())]);
  return rows.map((r) => r.doc);
}

/** Marks what a stored GSTR-2B import shows; returns the chases it changed. */
export async function settleSupplierChases(trx: Knex.Transaction, stored: { clientId: string; importId: string; period: string }): Promise<SettledChase[]> {
  const chases = await FollowUp.query().where({ client_id: stored.clientId, recipient: 'supplier' }).whereIn('status', LIVE_STATUSES).orderBy('created_at').forNoKeyUpdate();
  const settled: SettledChase[] = [];
  for (const chase of chases) {
    const items = await FollowUpItem.query().where({ follow_up_id: chase.id, status: 'outstanding' }).orderBy('position').forUpdate();
    if (items.length === 0 || !chase.reconciliationRunId) continue;
    const chased = await chasedDocuments(trx, chase.reconciliationRunId, items);
    const docs = await importDocuments(trx, stored.importId, [...new Set([...chased.values()].map((d) => d.supplierGstin))]);
    const shown = items.filter((item) => {
      const doc = chased.get(item.id);
      return doc !== undefined && docs.some((d) => showsChasedDocument(d, doc));
    });
    if (shown.length === 0) continue;
    await setAuditAction(trx, 'follow_up_item.shown_in_2b');
    await FollowUpItem.query()
      .whereIn('id', shown.map((i) => i.id))
      .patch({ status: 'received', reason: shownInReason(stored.period), answeredAt: new Date() } as Partial<FollowUpItem>);
    await setAuditAction(trx, null);
    const outstanding = items.length - shown.length;
    if (outstanding === 0) await endFollowUp(trx, chase.id, 'completed', `every document shown in GSTR-2B ${stored.period}`, 'follow_up.completed');
    settled.push({ followUpId: chase.id, workflowId: chase.workflowId, outstanding });
  }
  return settled;
}

/**
 * Which of these documents a GSTR-2B of the client already stored for a later period shows (the
 * supplier filed late, and the 2B came in before the chase was made): they are not chased at all.
 */
export async function shownInLaterImports(trx: Knex.Transaction, clientId: string, afterPeriod: string, docs: ChasedDocument[]): Promise<boolean[]> {
  const gstins = [...new Set(docs.map((d) => d.supplierGstin.toUpperCase()))];
  if (gstins.length === 0) return [];
  const rows: Array<{ doc: PortalDoc }> = await trx('import_rows as r')
    .join('imports as i', 'i.id', 'r.import_id')
    .select('r.doc')
    .where({ 'i.client_id': clientId, 'i.kind': 'gstr2b', 'i.status': 'validated' })
    .where('i.period', '>', afterPeriod)
    .whereRaw("upper(r.doc->>'supplierGstin') = any(?)", [gstins]);
  return docs.map((d) => rows.some((r) => showsChasedDocument(r.doc, d)));
}
