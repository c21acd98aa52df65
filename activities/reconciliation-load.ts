/**
 * Loading a run's two imports for the match: the register's BooksRows and the 2B's PortalDocs,
 * each in file order, a batch at a time. The documents stay the objects the database driver
 * parsed (the result rows carry them as they are, so what is stored does not change), but the
 * texts they repeat (GSTINs, names, dates, periods, sections, document types) are shared: one
 * string per distinct text instead of one per document (docs/performance.md, "Memory").
 */
import type { Knex } from 'knex';
import type { BooksRow, PortalDoc } from '../domain/recon';
import type { BatchHook } from '../db/recon-rows';

export type RunImports = { firmId: string; register_import_id: string; gstr2b_import_id: string };

/** Distinct texts kept per load; past it new texts stay the document's own (a file of unique names gains nothing). */
const MAX_SHARED = 200_000;

/** One string per distinct text, across a load. */
export class TextSharer {
  private readonly seen = new Map<string, string>();

  /** The first text seen equal to `v` (so the document reads the same), or `v` itself. */
  share<T extends string | undefined>(v: T): T {
    if (v === undefined) return v;
    const kept = this.seen.get(v);
    if (kept !== undefined) return kept as T;
    if (this.seen.size < MAX_SHARED) this.seen.set(v, v);
    return v;
  }
}

/**
 * The texts that recur from document to document: a supplier's GSTIN and name on each of its
 * documents, a month's dates, types and sections. Only fields the document has are written (an
 * absent field stays absent: the stored row must not change).
 */
function shareBooks(d: BooksRow, t: TextSharer): void {
  d.supplierGstin = t.share(d.supplierGstin);
  if (d.supplierName !== undefined) d.supplierName = t.share(d.supplierName);
  d.docType = t.share(d.docType);
  d.invoiceDate = t.share(d.invoiceDate);
  if (d.voucherDate !== undefined) d.voucherDate = t.share(d.voucherDate);
  if (d.placeOfSupply !== undefined) d.placeOfSupply = t.share(d.placeOfSupply);
  if (d.portCode !== undefined) d.portCode = t.share(d.portCode);
}

function sharePortal(d: PortalDoc, t: TextSharer): void {
  d.section = t.share(d.section);
  d.period = t.share(d.period);
  d.supplierGstin = t.share(d.supplierGstin);
  d.supplierName = t.share(d.supplierName);
  if (d.supplierPeriod !== undefined) d.supplierPeriod = t.share(d.supplierPeriod);
  if (d.supplierFilingDate !== undefined) d.supplierFilingDate = t.share(d.supplierFilingDate);
  d.docType = t.share(d.docType);
  d.date = t.share(d.date);
  if (d.supplyType !== undefined) d.supplyType = t.share(d.supplyType);
  if (d.placeOfSupply !== undefined) d.placeOfSupply = t.share(d.placeOfSupply);
  if (d.itcUnavailableReason !== undefined) d.itcUnavailableReason = t.share(d.itcUnavailableReason);
  if (d.portCode !== undefined) d.portCode = t.share(d.portCode);
}

/** Keyset pages of this many rows: one page of query results at a time besides the documents. */
const PAGE = 10_000;

/**
 * An import's documents in `seq` order, their repeated texts shared as each page arrives. Each
 * page is a closed range of positions (`seq` is the document's position in the file, from 0 with
 * no gaps: migration 004), with the firm named although row-level security filters by it too.
 * With an open range (`seq > after`, a limit) the planner, which cannot see how many rows the
 * policy keeps, read and sorted the rest of the import for every page: ~8.6 s a page at 10 lakh a
 * side (~24 minutes for the load), against ~80 ms for a closed range on the primary key.
 */
async function load<T>(trx: Knex.Transaction, firmId: string, importId: string, sharer: TextSharer, share: (doc: T, t: TextSharer) => void, hook: BatchHook | undefined): Promise<T[]> {
  const docs: T[] = [];
  let after = -1;
  for (;;) {
    const rows: Array<{ seq: number; doc: T }> = await trx('import_rows').select('seq', 'doc')
      .where({ firm_id: firmId, import_id: importId }).where('seq', '>', after).where('seq', '<=', after + PAGE).orderBy('seq');
    for (const row of rows) {
      share(row.doc, sharer);
      docs.push(row.doc);
    }
    await hook?.(docs.length);
    if (rows.length < PAGE) return docs;
    after = rows[rows.length - 1]!.seq;
  }
}

export async function loadRunDocuments(
  trx: Knex.Transaction,
  run: RunImports,
  hooks: { books?: BatchHook; portal?: BatchHook } = {},
): Promise<{ books: BooksRow[]; portal: PortalDoc[] }> {
  // One sharer for both sides: the two files name the same suppliers on the same dates.
  const sharer = new TextSharer();
  const books = await load<BooksRow>(trx, run.firmId, run.register_import_id, sharer, shareBooks, hooks.books);
  const portal = await load<PortalDoc>(trx, run.firmId, run.gstr2b_import_id, sharer, sharePortal, hooks.portal);
  return { books, portal };
}
