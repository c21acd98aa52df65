/**
 * Loading a run's two imports for the match: the register's BooksRows and the 2B's PortalDocs,
 * each in file order, a page at a time, into columns (domain/recon/columnar-docs.ts): ~100 bytes
 * a document instead of ~260 for the database driver's objects, the texts documents repeat
 * (GSTINs, names, dates, periods, sections, document types) kept once for both sides. The engine
 * reads the columns, and each result row's documents are rebuilt from them when its batch is
 * written: exactly what was stored, key order included (docs/performance.md, "Memory").
 */
import type { Knex } from 'knex';
import { ColumnarDocs, TextTable } from '../domain/recon/columnar-docs';
import type { BooksRow, PortalDoc } from '../domain/recon';
import type { BatchHook } from '../db/recon-rows';

export type RunImports = { firmId: string; register_import_id: string; gstr2b_import_id: string };

/** The fields whose texts recur from document to document (a supplier's, a month's). */
const BOOKS_SHARED = ['supplierGstin', 'supplierName', 'docType', 'invoiceDate', 'voucherDate', 'placeOfSupply', 'portCode'];
const PORTAL_SHARED = [
  'section', 'period', 'supplierGstin', 'supplierName', 'supplierPeriod', 'supplierFilingDate', 'docType', 'date', 'supplyType',
  'placeOfSupply', 'itcUnavailableReason', 'portCode',
];

/** Keyset pages of this many rows: at most two pages of query results at a time besides the columns. */
const PAGE = 10_000;

type Page<T> = Array<{ seq: number; doc: T }>;

/**
 * An import's documents in `seq` order into `into`, a page at a time, the next page asked for
 * while this one is taken in (the database and the worker overlap). Each page is a closed range
 * of positions (`seq` is the document's position in the file, from 0 with no gaps: migration
 * 004), with the firm named although row-level security filters by it too. With an open range
 * (`seq > after`, a limit) the planner, which cannot see how many rows the policy keeps, read and
 * sorted the rest of the import for every page: ~8.6 s a page at 10 lakh a side (~24 minutes for
 * the load), against ~80 ms for a closed range on the primary key.
 */
async function load<T extends object>(trx: Knex.Transaction, firmId: string, importId: string, into: ColumnarDocs<T>, hook: BatchHook | undefined,
  loaded: () => void): Promise<void> {
  const page = (after: number): Promise<Page<T>> => trx('import_rows').select('seq', 'doc')
    .where({ firm_id: firmId, import_id: importId }).where('seq', '>', after).where('seq', '<=', after + PAGE).orderBy('seq')
    // (`then` once: a query builder runs its query again on every `then`.)
    .then((rows: Page<T>) => rows);
  let after = -1;
  let pending = page(after);
  for (;;) {
    const rows = await pending;
    if (rows.length === PAGE) {
      after += PAGE;
      pending = page(after);
      // Awaited on the next turn; if this one fails first (a cancelled run) the transaction goes, and so does this query.
      pending.catch(() => undefined);
    }
    for (const row of rows) into.add(row.doc);
    // The columns at their final size before the last page's hook (the heartbeat sees the loaded documents).
    if (rows.length < PAGE) loaded();
    await hook?.(into.length);
    if (rows.length < PAGE) return;
  }
}

/** Both imports as columns (what the activity matches and writes). */
export async function loadRunColumns(
  trx: Knex.Transaction,
  run: RunImports,
  hooks: { books?: BatchHook; portal?: BatchHook } = {},
): Promise<{ books: ColumnarDocs<BooksRow>; portal: ColumnarDocs<PortalDoc> }> {
  // One table for both sides: the two files name the same suppliers on the same dates.
  const table = new TextTable();
  const books = new ColumnarDocs<BooksRow>(table, BOOKS_SHARED);
  const portal = new ColumnarDocs<PortalDoc>(table, PORTAL_SHARED);
  await load(trx, run.firmId, run.register_import_id, books, hooks.books, () => books.seal());
  await load(trx, run.firmId, run.gstr2b_import_id, portal, hooks.portal, () => {
    portal.seal();
    table.seal();
  });
  return { books, portal };
}

/** Both imports as documents, rebuilt from the columns (what was stored, byte for byte as JSON). */
export async function loadRunDocuments(
  trx: Knex.Transaction,
  run: RunImports,
  hooks: { books?: BatchHook; portal?: BatchHook } = {},
): Promise<{ books: BooksRow[]; portal: PortalDoc[] }> {
  const { books, portal } = await loadRunColumns(trx, run, hooks);
  return { books: books.toArray(), portal: portal.toArray() };
}
