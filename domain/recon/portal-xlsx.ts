/**
 * The portal's GSTR-2B and GSTR-2A Excel downloads (docs/reconciliation.md, "Inputs"), read as a
 * stream with the register's sheet reader (xlsx-workbook.ts: a sheet a row at a time, the cells
 * exceljs's streaming reader handed over before). Each data sheet has a title block, a two-row
 * header (group headings such as "Invoice Details" over column headings such as "Invoice number";
 * headings that span both rows sit in the upper one) and one row per tax-rate line. The reader
 * finds the header by content, groups the lines of one document (supplier, number, date) into the
 * JSON's shape — a supplier entry with its documents and their item lines, in the JSON's own field
 * names — and leaves the documents to the JSON readers, so an Excel and its JSON twin give the same
 * documents. The return's recipient GSTIN and period come from the title block ("GSTIN", "Tax
 * Period", "Financial Year") when it states them.
 */
import type { Readable } from 'node:stream';
import { type ByteSource, peek } from './byte-source';
import { type DateSystem, periodFromMmyyyy, periodFromMonthName } from './dates';
import { cleanGstin } from './normalise';
import { formInText, jsonValue, NUMBER_FIELDS, portalField, portalWorkbook, type PortalField, type PortalForm, sheetSection } from './portal-xlsx-layout';
import { headingKey } from './register-header';
import type { Cell } from './register-read-types';
import { sniffContent } from './sniff';
import type { Issue } from './types';
import { type SheetRow, xlsxSheets } from './xlsx-workbook';

type Obj = Record<string, unknown>;

/** One supplier entry (or, for `impg`, one bill of entry) of a section, in 2B JSON field names. */
export type PortalEntry = { section: string; index: number; entry: Obj; rejected: boolean };

export interface PortalWorkbook {
  ok: boolean;
  /** The return the workbook is, from its title text, sheet names or columns; null when nothing tells. */
  form: PortalForm | null;
  /** What the title block states (null when it does not). */
  gstin: string | null;
  period: string | null;
  entries: PortalEntry[];
  sheets: string[];
  warnings: Issue[];
  errors: Issue[];
}

export type PortalWorkbookOptions = { maxRows?: number; maxCells?: number };

/** A sheet as the reader takes it: its name, the workbook's date system and its rows, a batch at a time. */
export interface PortalSheet {
  name: string;
  dateSystem: DateSystem;
  rows: AsyncIterable<SheetRow[]>;
}

/** Rows searched for a sheet's header (the title block is a handful). */
const HEADER_SEARCH_ROWS = 30;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** Sections whose documents carry their amounts flat (no item lines). */
const FLAT = new Set(['isd', 'isda', 'impg', 'impgsez']);

const text = (c: Cell): string => (c === null ? '' : c instanceof Date ? c.toISOString().slice(0, 10) : String(c).trim());

/** A return period from "Tax Period" (`June`, `Jun'24`, `062024`) and "Financial Year" (`2024-25`). */
function statedPeriod(taxPeriod: string, fy: string): string | null {
  const direct = periodFromMmyyyy(taxPeriod.replace(/\D/g, '').padStart(6, '0')) ?? periodFromMonthName(taxPeriod);
  if (direct && /\d/.test(taxPeriod)) return direct;
  const month = MONTHS.indexOf(taxPeriod.trim().slice(0, 3).toLowerCase()) + 1;
  const start = /^(\d{4})\s*-\s*\d{2,4}$/.exec(fy.trim());
  if (month === 0 || !start) return null;
  const year = month >= 4 ? Number(start[1]) : Number(start[1]) + 1;
  return `${year}-${String(month).padStart(2, '0')}`;
}

class WorkbookState {
  form: PortalForm | null = null;
  formFromColumns: PortalForm | null = null;
  gstin: string | null = null;
  taxPeriod = '';
  fy = '';
  /** The workbook's date system (date serials of a 1904 workbook count from 1904). */
  dateSystem: DateSystem = '1900';
  readonly sheets: string[] = [];
  readonly warnings: Issue[] = [];
  readonly errors: Issue[] = [];
  /** section|rejected → supplier key → entry and its documents by key. */
  private readonly sections = new Map<string, Map<string, { entry: Obj; docs: Map<string, Obj> }>>();
  private rows = 0;
  private cells = 0;
  fatal = false;

  constructor(private readonly opts: PortalWorkbookOptions) {}

  admit(cells: number): boolean {
    this.rows += 1;
    this.cells += cells;
    if (this.opts.maxRows !== undefined && this.rows > this.opts.maxRows) return this.stop('too_many_rows', `the file has more than ${this.opts.maxRows} rows, the limit for one import`);
    if (this.opts.maxCells !== undefined && this.cells > this.opts.maxCells) return this.stop('too_many_cells', `the file has more than ${this.opts.maxCells} cells, the limit for one import`);
    return true;
  }

  private stop(code: string, message: string): false {
    this.fatal = true;
    this.errors.push({ code, fatal: true, message });
    return false;
  }

  /** Title-block facts: the return's name, and label/value pairs ("GSTIN", "Tax Period", "Financial Year"). */
  facts(texts: string[]): void {
    texts.forEach((t, i) => {
      if (t === '') return;
      this.form ??= formInText(t);
      const colon = t.indexOf(':');
      const key = headingKey(colon >= 0 ? t.slice(0, colon) : t);
      // The value only for a label (the next filled cell when the label has none inline): looked for
      // in every cell, it made a wide row cost its width squared.
      const value = () => (colon >= 0 ? t.slice(colon + 1).trim() : '') || texts.slice(i + 1).find((x) => x !== '') || '';
      if (/^gstin( of (the )?(taxpayer|recipient))?$/.test(key)) {
        const g = cleanGstin(value());
        if (/^[0-9A-Z]{15}$/.test(g)) this.gstin ??= g;
      } else if (key === 'tax period' || key === 'return period') this.taxPeriod ||= value();
      else if (key === 'financial year') this.fy ||= value();
    });
  }

  /** One tax-rate line of a document: joined to its document (same supplier, number and date). */
  line(section: string, rejected: boolean, columns: Array<PortalField | null>, cells: Cell[]): boolean {
    const supplier: Obj = {};
    const doc: Obj = {};
    const item: Obj = {};
    columns.forEach((col, i) => {
      if (!col) return;
      const v = jsonValue(col.field, cells[i] ?? null, this.dateSystem);
      if (v === undefined) return;
      (col.level === 'supplier' ? supplier : col.level === 'item' && !FLAT.has(section) ? item : doc)[col.field] = v;
    });
    const number = [...NUMBER_FIELDS].map((f) => doc[f]).find((v) => v !== undefined);
    if (number === undefined) return false;
    const bucket = `${section}|${rejected ? 'R' : ''}`;
    let suppliers = this.sections.get(bucket);
    if (!suppliers) this.sections.set(bucket, (suppliers = new Map()));
    // The JSON has one entry per supplier return: rows of one supplier filed in two returns are two entries.
    const supplierKey = JSON.stringify(Object.entries(supplier).sort(([a], [b]) => a.localeCompare(b)));
    let s = suppliers.get(supplierKey);
    if (!s) suppliers.set(supplierKey, (s = { entry: supplier, docs: new Map() }));
    const docKey = FLAT.has(section) ? `${s.docs.size}` : `${String(number)}|${String(doc.dt ?? doc.docdt ?? '')}`;
    const existing = s.docs.get(docKey);
    if (existing) {
      const items = existing.items as Obj[];
      items.push({ num: items.length + 1, ...item });
    } else {
      if (!FLAT.has(section)) doc.items = [{ num: 1, ...item }];
      s.docs.set(docKey, doc);
    }
    return true;
  }

  entries(): PortalEntry[] {
    const out: PortalEntry[] = [];
    for (const [bucket, suppliers] of this.sections) {
      const [section, r] = bucket.split('|') as [string, string];
      const rejected = r === 'R';
      const list = section === 'cdnr' || section === 'cdnra' ? 'nt' : section.startsWith('isd') ? 'doclist' : section === 'impgsez' ? 'boe' : 'inv';
      let index = 0;
      for (const { entry, docs } of suppliers.values()) {
        if (section === 'impg') {
          for (const d of docs.values()) out.push({ section, index: index++, entry: d, rejected });
        } else out.push({ section, index: index++, entry: { ...entry, [list]: [...docs.values()] }, rejected });
      }
    }
    return out;
  }

  period(): string | null {
    return this.taxPeriod ? statedPeriod(this.taxPeriod, this.fy) : null;
  }
}

/** Reads one sheet: title facts until the header, then its lines (or, for a sheet without a section, facts only). */
async function readSheet(state: WorkbookState, name: string, rows: AsyncIterable<SheetRow[]>): Promise<boolean> {
  const where = sheetSection(name);
  let previous: string[] = [];
  let columns: Array<PortalField | null> | null = null;
  let seen = 0;
  let skipped = 0;
  for await (const batch of rows) {
    for (const { cells } of batch) {
      if (!state.admit(cells.length)) return false;
      seen += 1;
      if (columns && where) {
        if (!state.line(where.section, where.rejected, columns, cells) && cells.some((c) => text(c) !== '')) skipped += 1;
        continue;
      }
      const texts = cells.map(text);
      if (seen <= HEADER_SEARCH_ROWS) state.facts(texts);
      if (!where || texts.every((t) => t === '')) continue;
      // A heading's group is the nearest group heading at or left of it in the row above.
      // Headings that span both rows sit in the upper one, which may reach further right than this one.
      let group = '';
      const mapped = Array.from({ length: Math.max(texts.length, previous.length) }, (_, i) => {
        const t = texts[i] ?? '';
        if (previous[i]) group = previous[i]!;
        return t ? portalField(t, group, where.section) : previous[i] ? portalField(previous[i]!, '', where.section) : null;
      });
      const fields = mapped.filter((m): m is PortalField => m !== null);
      if (fields.some((f) => NUMBER_FIELDS.has(f.field)) && fields.length >= 3) {
        columns = mapped;
        const names = new Set(fields.map((f) => f.field));
        if (names.has('itcavl')) state.formFromColumns ??= '2B';
        if (names.has('cfs') || names.has('cfs3b')) state.formFromColumns ??= '2A';
      }
      previous = texts;
    }
  }
  if (where && !columns && seen > 0) {
    state.warnings.push({ code: 'no_header', section: where.section, message: `sheet ${name} has no column headings the portal writes; its rows were not read` });
  }
  if (skipped > 0) state.warnings.push({ code: 'rows_without_number', section: where?.section, count: skipped, message: `${skipped} rows of sheet ${name} name no document (totals or notes) and were skipped` });
  return true;
}

/** Reads a portal Excel download into supplier entries in the JSON's shape (streaming; the caps stop a huge file). */
export function readPortalWorkbook(src: ByteSource, options: PortalWorkbookOptions = {}): Promise<PortalWorkbook> {
  // Shared strings trimmed once when read: every cell's text is trimmed before use (`text`,
  // jsonValue), and a shared string of 32,000 spaces trimmed per cell cost a scan of it per cell.
  return readPortalWorkbookWith((stream) => xlsxSheets(stream, { trimSharedStrings: true }), src, options);
}

/**
 * The reader over the sheets `sheetsOf` reads from the workbook's bytes: xlsx-workbook.ts's in
 * production; exceljs's in the benchmark and the test that holds the two to the same result
 * (ops/bench/portal-xlsx-exceljs.ts).
 */
export async function readPortalWorkbookWith(sheetsOf: (stream: Readable) => AsyncIterable<PortalSheet>, src: ByteSource,
  options: PortalWorkbookOptions = {}): Promise<PortalWorkbook> {
  const state = new WorkbookState(options);
  const { head, stream } = await peek(src);
  if (sniffContent(head).kind !== 'xlsx') {
    stream.destroy();
    state.errors.push({ code: 'not_xlsx', fatal: true, message: 'not an Excel (XLSX) workbook' });
    state.fatal = true;
  } else {
    try {
      for await (const sheet of sheetsOf(stream)) {
        // Date serials stay numbers in the sheet; the workbook's system says which day they count from.
        state.dateSystem = sheet.dateSystem;
        state.sheets.push(sheet.name);
        if (!(await readSheet(state, sheet.name, sheet.rows))) break;
      }
      if (state.fatal) stream.destroy();
    } catch (e) {
      state.errors.push({ code: 'invalid_xlsx', fatal: true, message: `workbook could not be read: ${(e as Error).message}` });
      state.fatal = true;
    }
  }
  const bySheets = portalWorkbook(state.sheets).form;
  return {
    ok: !state.fatal,
    // Columns tell most surely (a 2B's Read me mentions 2A too), then the title text, then the sheet names.
    form: state.formFromColumns ?? state.form ?? bySheets,
    gstin: state.gstin,
    period: state.period(),
    entries: state.fatal ? [] : state.entries(),
    sheets: state.sheets,
    warnings: state.warnings,
    errors: state.errors,
  };
}
