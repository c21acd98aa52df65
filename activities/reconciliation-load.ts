/**
 * Loading a run's two imports for the match: the register's BooksRows and the 2B's PortalDocs,
 * each in file order, a batch at a time. The documents stay the objects the database driver
 * parsed (the result rows carry them as they are, so what is stored does not change), but the
 * texts they repeat (GSTINs, names, dates, periods, sections, document types, and the documents'
 * numbers, which a 2B shares with its register) are shared: one string per distinct text instead
 * of one per document (docs/performance.md, "Memory").
 */
import type { Knex } from 'knex';
import pg from 'pg';
import { connectionOf, copyOutField } from '../db/copy-out';
import type { BooksRow, PortalDoc } from '../domain/recon';
import type { BatchHook } from '../db/recon-rows';

export type RunImports = { firmId: string; register_import_id: string; gstr2b_import_id: string };

/** Distinct texts kept per load; past it new texts stay the document's own (a file of unique names gains nothing). */
const MAX_SHARED = 200_000;
/**
 * Distinct document numbers kept per load. A number is mostly its document's own within a file,
 * but the 2B carries the register's numbers as typed for every document the supplier reported as
 * the books have it, so each number is kept for the other side: enough for both sides of a
 * 10-lakh run. The map lives only while the load does (at 10 lakh distinct numbers ~60 MB, gone
 * before the match), and each shared number saves its string (~32 B for a 15-character number).
 */
const MAX_NUMBERS = 2_500_000;

/** At most `max` distinct texts, the first instance of each. */
class Kept {
  private readonly seen = new Map<string, string>();
  constructor(private readonly max: number) {}

  /** The first text seen equal to `v` (so the document reads the same), or `v` itself. */
  share<T extends string | undefined>(v: T): T {
    if (v === undefined) return v;
    const kept = this.seen.get(v);
    if (kept !== undefined) return kept as T;
    if (this.seen.size < this.max) this.seen.set(v, v);
    return v;
  }
}

/** One string per distinct text, across a load: the texts that recur, and the documents' numbers. */
export class TextSharer {
  private readonly texts = new Kept(MAX_SHARED);
  private readonly numbers = new Kept(MAX_NUMBERS);

  /** A text that recurs from document to document (a GSTIN, a date, a section). */
  share<T extends string | undefined>(v: T): T {
    return this.texts.share(v);
  }

  /** A document's number as typed: kept apart, so numbers never crowd the recurring texts out. */
  number<T extends string | undefined>(v: T): T {
    return this.numbers.share(v);
  }
}

/**
 * The texts that recur from document to document: a supplier's GSTIN and name on each of its
 * documents, a month's dates, types and sections, and the numbers both sides carry. Only fields the document has are written (an
 * absent field stays absent: the stored row must not change).
 */
export function shareBooks(d: BooksRow, t: TextSharer): void {
  d.supplierGstin = t.share(d.supplierGstin);
  if (d.supplierName !== undefined) d.supplierName = t.share(d.supplierName);
  d.docType = t.share(d.docType);
  d.invoiceNumberRaw = t.number(d.invoiceNumberRaw);
  if (d.billOfEntryNumber !== undefined) d.billOfEntryNumber = t.number(d.billOfEntryNumber);
  d.invoiceDate = t.share(d.invoiceDate);
  if (d.voucherDate !== undefined) d.voucherDate = t.share(d.voucherDate);
  if (d.placeOfSupply !== undefined) d.placeOfSupply = t.share(d.placeOfSupply);
  if (d.portCode !== undefined) d.portCode = t.share(d.portCode);
}

export function sharePortal(d: PortalDoc, t: TextSharer): void {
  d.section = t.share(d.section);
  d.period = t.share(d.period);
  d.supplierGstin = t.share(d.supplierGstin);
  d.supplierName = t.share(d.supplierName);
  if (d.supplierPeriod !== undefined) d.supplierPeriod = t.share(d.supplierPeriod);
  if (d.supplierFilingDate !== undefined) d.supplierFilingDate = t.share(d.supplierFilingDate);
  d.docType = t.share(d.docType);
  d.numberRaw = t.number(d.numberRaw);
  if (d.billOfEntryNumber !== undefined) d.billOfEntryNumber = t.number(d.billOfEntryNumber);
  d.date = t.share(d.date);
  if (d.supplyType !== undefined) d.supplyType = t.share(d.supplyType);
  if (d.placeOfSupply !== undefined) d.placeOfSupply = t.share(d.placeOfSupply);
  if (d.itcUnavailableReason !== undefined) d.itcUnavailableReason = t.share(d.itcUnavailableReason);
  if (d.portCode !== undefined) d.portCode = t.share(d.portCode);
}

/** Pages of this many rows: one page of text in flight at a time besides the documents. */
const PAGE = 10_000;

/**
 * An import's documents in `seq` order, their repeated texts shared as they arrive. Each page is a
 * closed range of positions (`seq` is the document's position in the file, from 0 with no gaps:
 * migration 004), with the firm named although row-level security filters by it too. With an open
 * range (`seq > after`, a limit) the planner, which cannot see how many rows the policy keeps, read
 * and sorted the rest of the import for every page: ~8.6 s a page at 10 lakh a side (~24 minutes
 * for the load), against ~80 ms for a closed range on the primary key.
 *
 * The pages are read by COPY (db/copy-out.ts): each document arrives as its JSON text, parsed
 * here, instead of a row object the driver builds around it. The next page is asked for as soon
 * as the current one is, so the server starts on it the moment the current one ends, while this
 * thread is still parsing the current one's last documents or in the hook.
 */
async function load<T>(connection: pg.PoolClient, firmId: string, importId: string, sharer: TextSharer, share: (doc: T, t: TextSharer) => void, hook: BatchHook | undefined): Promise<T[]> {
  const docs: T[] = [];
  const where = `firm_id = ${pg.escapeLiteral(firmId)} and import_id = ${pg.escapeLiteral(importId)}`;
  // Pages run one after another on the one connection (the driver's queue), so the documents are
  // pushed in `seq` order even when the next page starts arriving while the hook of this one runs.
  const read = (after: number): Promise<number> => {
    const page = copyOutField(connection, `select doc from import_rows where ${where} and seq > ${after} and seq <= ${after + PAGE} order by seq`, (json) => {
      const doc = JSON.parse(json) as T;
      share(doc, sharer);
      docs.push(doc);
    });
    page.catch(() => undefined); // awaited below; not unhandled if the hook fails first
    return page;
  };
  let loaded = 0;
  let current = read(-1);
  for (let after = -1; ; after += PAGE) {
    const next = read(after + PAGE);
    const rows = await current;
    loaded += rows;
    if (rows < PAGE) {
      await next; // past the end: no rows, but the connection is free only once it has ended
      await hook?.(loaded);
      return docs;
    }
    await hook?.(loaded);
    current = next;
  }
}

export async function loadRunDocuments(
  trx: Knex.Transaction,
  run: RunImports,
  hooks: { books?: BatchHook; portal?: BatchHook } = {},
): Promise<{ books: BooksRow[]; portal: PortalDoc[] }> {
  // One sharer for both sides: the two files name the same suppliers on the same dates.
  const sharer = new TextSharer();
  const connection = await connectionOf(trx);
  const books = await load<BooksRow>(connection, run.firmId, run.register_import_id, sharer, shareBooks, hooks.books);
  const portal = await load<PortalDoc>(connection, run.firmId, run.gstr2b_import_id, sharer, sharePortal, hooks.portal);
  return { books, portal };
}
