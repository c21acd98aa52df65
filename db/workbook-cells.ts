/**
 * The building blocks of the export workbooks (reconciliation-workbook.ts and the supplier
 * statement): rows whose cells carry the format of their kind, table sheets with a frozen and
 * filtered header row, and the heading (firm, client, GSTIN, period, time in IST) every workbook
 * opens with.
 */
import type * as ExcelJS from 'exceljs';
import { DATE_FORMAT, PERCENT_FORMAT, indianCountFormat, indianMoneyFormat, istDateTime, periodName } from '../domain/recon/report-format';
import type { ReportColumn, ReportLine } from '../domain/recon/report-columns';
import type { WorkbookFacts } from './reconciliation-export';

export type Cell = string | number | Date | null;
export type CellKind = 'text' | 'money' | 'count' | 'percent' | 'date';

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } };
const BOLD: Partial<ExcelJS.Font> = { bold: true };
/** The last row addRow wrote on a sheet: a streamed sheet keeps no count of its own. */
const lastRows = new WeakMap<ExcelJS.Worksheet, number>();

export function excelDate(iso: unknown): Date | null {
  return typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : null;
}

/** Writes a row and gives each cell the format of its kind (money by its own magnitude). */
export function addRow(sheet: ExcelJS.Worksheet, values: Cell[], kinds: CellKind[], style: { bold?: boolean; header?: boolean; height?: number; wrap?: boolean; indentText?: boolean; subLine?: boolean } = {}): void {
  const row = sheet.addRow(values);
  lastRows.set(sheet, row.number);
  if (style.height) row.height = style.height;
  // A part of the line above ("of which …"): its label indented, the row in italics.
  if (style.subLine) {
    row.getCell(1).alignment = { horizontal: 'left', indent: 1 };
    values.forEach((_, i) => (row.getCell(i + 1).font = { italic: true }));
  }
  // A wrapped row: its text cells wrap, every cell reads from the top.
  if (style.wrap) values.forEach((_, i) => (row.getCell(i + 1).alignment = { vertical: 'top', ...((kinds[i] ?? 'text') === 'text' ? { wrapText: true } : {}) }));
  values.forEach((v, i) => {
    const cell = row.getCell(i + 1);
    const kind = kinds[i] ?? 'text';
    if (kind === 'money' && typeof v === 'number') cell.numFmt = indianMoneyFormat(v);
    else if (kind === 'percent' && typeof v === 'number') cell.numFmt = PERCENT_FORMAT;
    else if (kind === 'count' && typeof v === 'number') cell.numFmt = indianCountFormat(v);
    else if (kind === 'date' && v instanceof Date) {
      cell.numFmt = DATE_FORMAT;
      // Centred: a right-aligned date runs into the text of the next column.
      cell.alignment = { ...cell.alignment, horizontal: 'center' };
    }
    if (style.bold || style.header) cell.font = BOLD;
    if (style.header) {
      cell.fill = HEADER_FILL;
      cell.alignment = { wrapText: true, vertical: 'middle', ...(style.indentText ? { horizontal: 'left', indent: 1 } : {}) };
    }
    if ((kind === 'money' || kind === 'count' || kind === 'percent') && style.header) cell.alignment = { wrapText: true, vertical: 'middle', horizontal: 'right' };
  });
  row.commit();
}

/**
 * Column widths (in characters) per printed A4 landscape page: a wide table is scaled to fit this
 * many to a page, about three quarters of full size.
 */
const PRINT_WIDTH_PER_PAGE = 180;

/**
 * A sheet whose first row is its header: frozen, filtered, with the widths given. It prints
 * landscape on A4 with the header on every page: a narrow table one page wide; a wide one only its
 * first `print.columns` columns (the reader's; the references after them stay on screen), scaled
 * to as few pages across as stay readable.
 */
export function tableSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: Array<{ header: string; width: number; kind: CellKind; wrap?: boolean }>,
  print: { onePageWide?: boolean; columns?: number } = {},
): ExcelJS.Worksheet {
  const printed = columns.slice(0, print.columns ?? columns.length);
  const pagesWide = print.onePageWide ? 1 : Math.max(1, Math.ceil(printed.reduce((n, c) => n + c.width, 0) / PRINT_WIDTH_PER_PAGE));
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: pagesWide, fitToHeight: 0, printTitlesRow: '1:1' },
  });
  // Rows that wrap are tall: every cell of them reads from the top. Text after a number (a
  // reference after the cess column) keeps a space from it.
  const wraps = columns.some((c) => c.wrap);
  sheet.columns = columns.map((c) => {
    const alignment: Partial<ExcelJS.Alignment> = { ...(wraps ? { vertical: 'top' } : {}), ...(c.wrap ? { wrapText: true } : {}), ...(c.kind === 'text' ? { horizontal: 'left', indent: 1 } : {}) };
    return { width: c.width, ...(Object.keys(alignment).length ? { style: { alignment } } : {}) };
  });
  if (printed.length < columns.length) {
    // The print area is set at the end (see commitTable): only then is the last row known.
    printAreas.set(sheet, printed.length);
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  addRow(sheet, columns.map((c) => c.header), columns.map((c) => c.kind), { header: true, height: 30, indentText: true });
  return sheet;
}

const printAreas = new WeakMap<ExcelJS.Worksheet, number>();

/** Commits a table sheet, bounding its print area to the printed columns and the rows written. */
export function commitTable(sheet: ExcelJS.Worksheet): void {
  const columns = printAreas.get(sheet);
  // ExcelJS puts a `$` before each corner; the rows' own `$` make the range absolute, which
  // LibreOffice needs to honour it.
  if (columns !== undefined) sheet.pageSetup.printArea = `A$1:${sheet.getColumn(columns).letter}$${lastRows.get(sheet) ?? 1}`;
  sheet.commit();
}

export const cellKind = (c: ReportColumn): CellKind => (c.kind === 'money' ? 'money' : c.kind === 'date' ? 'date' : 'text');

export function lineCells(line: ReportLine, columns: readonly ReportColumn[]): Cell[] {
  return columns.map((c) => {
    const v = line[c.key] ?? null;
    if (c.kind === 'date') return excelDate(v);
    if (c.kind === 'yesno') return v === null ? null : v ? 'Yes' : 'No';
    return typeof v === 'boolean' ? (v ? 'Yes' : 'No') : v;
  });
}

/**
 * The heading every page of a workbook starts with: who prepared it, for whom, for when. `parties`
 * replaces the client lines (a letter to a supplier names the supplier first).
 */
export function writeHeading(sheet: ExcelJS.Worksheet, facts: WorkbookFacts, title: string, extra: Array<[string, string]> = [], parties?: Array<[string, string]>): void {
  const title1 = sheet.addRow([facts.firmName]);
  title1.getCell(1).font = { bold: true, size: 14 };
  title1.commit();
  const title2 = sheet.addRow([title]);
  title2.getCell(1).font = { bold: true, size: 12 };
  title2.commit();
  sheet.addRow([]).commit();
  const lines: Array<[string, string]> = [
    ...(parties ?? [
      ['Client', facts.clientName],
      ['GSTIN', facts.clientGstin],
      ['Period', periodName(facts.period)],
    ]),
    ...extra,
    ['Generated on', `${istDateTime(facts.generatedAt)} IST`],
  ];
  for (const [k, v] of lines) {
    const row = sheet.addRow([k, v]);
    row.getCell(1).font = BOLD;
    row.commit();
  }
  sheet.addRow([]).commit();
}

/** Sheet names: at most 31 characters, none of \ / ? * [ ] : */
export const sheetName = (label: string): string => label.slice(0, 31).replace(/[\\/?*[\]:]/g, ' ');

