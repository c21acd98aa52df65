/**
 * Streamed exports of a completed run (docs/reconciliation.md, "Exports" and "The workbook"), shared by
 * the api's export route and the client export activity (which writes each run's workbook into the ZIP;
 * the workbook itself is reconciliation-workbook.ts). Rows are read in
 * keyset pages of a few thousand, each page in its own short tenant transaction (row-level
 * security applies; the request's own transaction has committed by the time the body streams), so
 * a lakh rows never sit in memory at once. Completed runs never change, so pages are consistent.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Knex } from 'knex';
import { CATEGORIES, signOf, type Category, type DocType, type HeadsTotal, type ResultRow, type SupplierSummary } from '../domain/recon';
import { safeCell } from '../domain/csv-safe';
import { presentResult, presentSupplier, rupees } from '../domain/recon/present';
import { REPORT_COLUMNS, reportLine } from '../domain/recon/report-columns';
import { indianDate } from '../domain/recon/report-format';
import { IGNORED_ROWS_SQL, listedByLiveFollowUps, reviewerSetAside, riskLess, setAsideByReviewer, summaryLessSetAside, type SetAside } from './reconciliation-set-aside';
import { inTenantTransaction, type TenantScope } from './tenant';

const PAGE = 2000;

/** What to export: a run, or only one supplier's part of it (the workbook attached to its follow-up). */
export type ExportSource = { knex: Knex; scope: TenantScope; runId: string; supplierGstin?: string };

/** The name of a run's export (without extension): the download's and a follow-up attachment's. */
export function exportFileName(names: { clientGstin: string | null; period: string; supplierGstin?: string }): string {
  return `reconciliation-${names.clientGstin ?? 'client'}-${names.period}${names.supplierGstin ? `-${names.supplierGstin}` : ''}`;
}

/** Result rows in engine order (optionally one category), a page per transaction. */
export async function* resultRows(src: ExportSource, category?: Category): AsyncGenerator<ResultRow> {
  let after = -1;
  for (;;) {
    const rows: Array<{ seq: number; row: ResultRow }> = await inTenantTransaction(src.knex, src.scope, (trx) => {
      const q = trx('reconciliation_results').select('seq', 'row').where({ run_id: src.runId }).where('seq', '>', after).orderBy('seq').limit(PAGE);
      if (category) q.where({ category });
      if (src.supplierGstin) q.where({ supplier_gstin: src.supplierGstin });
      return q;
    });
    for (const r of rows) yield r.row;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.seq;
  }
}

/** What a reviewer set aside in the run being exported (db/reconciliation-set-aside.ts). */
const setAsideOf = (src: ExportSource): Promise<SetAside> => inTenantTransaction(src.knex, src.scope, (trx) => reviewerSetAside(trx, { id: src.runId }));

/** A supplier line as the exports show it: as the run page's supplier list does, less what a reviewer set aside. */
export type ExportedSupplier = SupplierSummary & { itcSetAside: number; creditNotesNotIn2b: number };

export async function supplierRows(src: ExportSource): Promise<ExportedSupplier[]> {
  const aside = await setAsideOf(src);
  // One line per supplier GSTIN: thousands at most, fine to hold.
  const rows: Array<{ summary: SupplierSummary }> = await inTenantTransaction(src.knex, src.scope, (trx) => {
    const q = trx('reconciliation_suppliers').select('summary').where({ run_id: src.runId });
    if (src.supplierGstin) q.where({ supplier_gstin: src.supplierGstin });
    return q;
  });
  const lines = rows.map(({ summary: s }) => {
    const setAside = aside.risk.get(s.supplierGstin) ?? 0;
    // Credit notes not in 2B are no risk (domain/recon/risk-shown.ts).
    return { ...s, itcAtRisk: s.itcAtRisk - riskLess(aside, s.supplierGstin), itcSetAside: setAside, creditNotesNotIn2b: aside.creditNotes.risk.get(s.supplierGstin) ?? 0 };
  });
  // Largest ITC at risk shown first, as the supplier list sorts.
  return lines.sort((a, b) => b.itcAtRisk - a.itcAtRisk || (a.supplierGstin < b.supplierGstin ? -1 : a.supplierGstin > b.supplierGstin ? 1 : 0));
}

/**
 * Whether each result row is set aside by a reviewer (db/reconciliation-set-aside.ts's rule), for
 * the report lines: the live follow-ups' items are read once, when the export starts.
 */
export async function setAsideRows(src: ExportSource): Promise<(row: ResultRow) => boolean> {
  const keep = await inTenantTransaction(src.knex, src.scope, (trx) => listedByLiveFollowUps(trx, src.runId));
  return (row) => setAsideByReviewer(row, keep);
}

/** What a workbook's heading and Summary need: the firm, the client, the run. */
export type WorkbookFacts = {
  firmName: string;
  clientName: string;
  clientGstin: string;
  period: string;
  completedAt: Date | null;
  generatedAt: Date;
  /** Engine units: paise and days. */
  options: { amountTolerance: number; dateWindowDays: number };
  /** The stored summary less what a reviewer set aside (its `itc.setAside`), as the run's page shows it. */
  summary: { run: { itc: Record<string, HeadsTotal | undefined> }; resultCounts: Record<string, number>; resultCountsSetAside: Partial<Record<Category, number>> };
  supplierName: string | null;
};

export async function workbookFacts(src: ExportSource, generatedAt: Date): Promise<WorkbookFacts> {
  return inTenantTransaction(src.knex, src.scope, async (trx) => {
    const run = await trx('reconciliation_runs as r')
      .join('clients as c', 'c.id', 'r.client_id')
      .join('firms as f', 'f.id', 'r.firm_id')
      .select('r.period', 'r.options', 'r.summary', 'r.completed_at', 'c.name as client_name', 'c.gstin as client_gstin', 'f.name as firm_name')
      .where('r.id', src.runId)
      .first();
    if (!run) throw new Error('the run to export was not found');
    const supplier = src.supplierGstin ? await trx('reconciliation_suppliers').select('summary').where({ run_id: src.runId, supplier_gstin: src.supplierGstin }).first() : null;
    const aside = await reviewerSetAside(trx, { id: src.runId });
    return {
      firmName: String(run.firm_name),
      clientName: String(run.client_name),
      clientGstin: String(run.client_gstin),
      period: String(run.period),
      completedAt: run.completed_at ? new Date(run.completed_at) : null,
      generatedAt,
      options: run.options,
      summary: summaryLessSetAside(run.summary, aside),
      supplierName: supplier ? (supplier.summary as SupplierSummary).supplierName : null,
    };
  });
}

/** Per status and side: documents, signed taxable value and tax per head (paise). */
export type SideCell = { count: number; taxable: number; igst: number; cgst: number; sgst: number; cess: number };
export type CategoryTotals = Record<'books' | 'portal', Record<Category, SideCell>>;

const emptyCells = (): Record<Category, SideCell> => Object.fromEntries(CATEGORIES.map((c) => [c, { count: 0, taxable: 0, igst: 0, cgst: 0, sgst: 0, cess: 0 }])) as Record<Category, SideCell>;

/**
 * Totals per status, side and tax head (the stored summary has per-head figures only for ITC).
 * The database sums per document type; the sign of a type is the engine's (signOf), applied here.
 */
export async function categoryTotals(src: ExportSource): Promise<CategoryTotals> {
  const totals: CategoryTotals = { books: emptyCells(), portal: emptyCells() };
  for (const side of ['books', 'portal'] as const) {
    const rows: Array<Record<string, string>> = await inTenantTransaction(src.knex, src.scope, (trx) => {
      const sum = (field: string) => trx.raw(`coalesce(sum((row->'${side}'->>'${field}')::bigint), 0)::text as "${field}"`);
      const q = trx('reconciliation_results')
        .select('category', trx.raw(`row->'${side}'->>'docType' as doc_type`), trx.raw('count(*)::int as count'), ...['taxableValue', 'igst', 'cgst', 'sgst', 'cess'].map(sum))
        .where({ run_id: src.runId })
        .whereRaw(`row->'${side}' is not null and jsonb_typeof(row->'${side}') = 'object'`)
        .groupByRaw(`category, row->'${side}'->>'docType'`);
      if (src.supplierGstin) q.where({ supplier_gstin: src.supplierGstin });
      return q;
    });
    for (const r of rows) {
      const cell = totals[side][r.category as Category];
      if (!cell) continue;
      const sign = signOf(r.doc_type as DocType);
      cell.count += Number(r.count);
      cell.taxable += sign * Number(r.taxableValue);
      cell.igst += sign * Number(r.igst);
      cell.cgst += sign * Number(r.cgst);
      cell.sgst += sign * Number(r.sgst);
      cell.cess += sign * Number(r.cess);
    }
  }
  return totals;
}

/**
 * The documents a reviewer set aside (setAsideRows, the one rule), per status and side, signed as
 * categoryTotals signs them: the workbook's "of which ignored" lines under the documents by status.
 * Only the run's ignored rows are read (by the partial index of migration 030): a reviewer's marks,
 * a few per run.
 */
export async function setAsideTotals(src: ExportSource): Promise<CategoryTotals> {
  const isSetAside = await setAsideRows(src);
  const rows: Array<{ row: ResultRow }> = await inTenantTransaction(src.knex, src.scope, (trx) => {
    const q = trx('reconciliation_results as r').select('r.row').where('r.run_id', src.runId).whereRaw(IGNORED_ROWS_SQL);
    if (src.supplierGstin) q.where('r.supplier_gstin', src.supplierGstin);
    return q;
  });
  const totals: CategoryTotals = { books: emptyCells(), portal: emptyCells() };
  for (const { row } of rows) {
    if (!isSetAside(row)) continue;
    for (const [side, doc] of [['books', row.books], ['portal', row.portal]] as const) {
      const cell = totals[side][row.category];
      if (!doc || !cell) continue;
      const sign = signOf(doc.docType);
      cell.count += 1;
      cell.taxable += sign * doc.taxableValue;
      cell.igst += sign * doc.igst;
      cell.cgst += sign * doc.cgst;
      cell.sgst += sign * doc.sgst;
      cell.cess += sign * doc.cess;
    }
  }
  return totals;
}

// ---- CSV --------------------------------------------------------------------------------------

/**
 * The CSV: every column of the document view (the workbook's labels), dates as DD-MM-YYYY. It opens
 * with a UTF-8 byte order mark: without it Excel on Windows reads the file in the system's code page
 * and garbles Devanagari and other non-Latin supplier names. The mark precedes the header only, so
 * the neutralised cells (safeCell) still start as written.
 */
export function csvExport(src: ExportSource): Readable {
  async function* records() {
    const setAside = await setAsideRows(src);
    for await (const row of resultRows(src)) {
      const line = reportLine(row, setAside(row));
      yield REPORT_COLUMNS.map((c) => {
        const v = line[c.key] ?? null;
        if (v === null) return '';
        if (c.kind === 'yesno' || typeof v === 'boolean') return v ? 'Yes' : 'No';
        if (c.kind === 'money') return String(v);
        // Every text cell goes through safeCell: supplier names and numbers come from client files.
        return safeCell(c.kind === 'date' ? indianDate(String(v)) : String(v));
      });
    }
  }
  return Readable.from(records()).pipe(stringify({ bom: true, header: true, columns: REPORT_COLUMNS.map((c) => c.header) }));
}

// ---- JSON -------------------------------------------------------------------------------------

/**
 * A result row as the JSON export shows it: the results list's item, with the CSV's rule for a
 * document a reviewer set aside (setAsideRows): its ITC at risk moves to `itc.setAside` (0 under
 * `itc.atRisk`), so the items add up to the run's `itcAtRisk` and `itcSetAside` (docs/api.md).
 */
export function exportedItem(row: ResultRow, setAside: boolean) {
  const item = presentResult(row);
  return { ...item, itc: { ...item.itc, atRisk: setAside ? 0 : item.itc.atRisk, setAside: setAside ? item.itc.atRisk : 0 } };
}

export function jsonExport(src: ExportSource, run: Record<string, unknown>): Readable {
  async function* chunks() {
    const suppliers = (await supplierRows(src)).map((s) => ({ ...presentSupplier(s), itcSetAside: rupees(s.itcSetAside), creditNotesNotIn2b: rupees(s.creditNotesNotIn2b) }));
    const setAside = await setAsideRows(src);
    yield `{"run":${JSON.stringify(run)},"suppliers":${JSON.stringify(suppliers)},"items":[`;
    let first = true;
    for await (const row of resultRows(src)) {
      yield `${first ? '' : ','}${JSON.stringify(exportedItem(row, setAside(row)))}`;
      first = false;
    }
    yield ']}';
  }
  return Readable.from(chunks());
}
