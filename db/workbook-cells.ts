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

export function excelDate(iso: unknown): Date | null {
  return typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : null;
}

/** Writes a row and gives each cell the format of its kind (money by its own magnitude). */
export function addRow(sheet: ExcelJS.Worksheet, values: Cell[], kinds: CellKind[], style: { bold?: boolean; header?: boolean; height?: number } = {}): void {
  const row = sheet.addRow(values);
  if (style.height) row.height = style.height;
  values.forEach((v, i) => {
    const cell = row.getCell(i + 1);
    const kind = kinds[i] ?? 'text';
    if (kind === 'money' && typeof v === 'number') cell.numFmt = indianMoneyFormat(v);
    else if (kind === 'percent' && typeof v === 'number') cell.numFmt = PERCENT_FORMAT;
    else if (kind === 'count' && typeof v === 'number') cell.numFmt = indianCountFormat(v);
    else if (kind === 'date' && v instanceof Date) cell.numFmt = DATE_FORMAT;
    if (style.bold || style.header) cell.font = BOLD;
    if (style.header) {
      cell.fill = HEADER_FILL;
      cell.alignment = { wrapText: true, vertical: 'middle' };
    }
    if ((kind === 'money' || kind === 'count' || kind === 'percent') && style.header) cell.alignment = { wrapText: true, vertical: 'middle', horizontal: 'right' };
  });
  row.commit();
}

/** A sheet whose first row is its header: frozen, filtered, with the widths given. */
export function tableSheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  name: string,
  columns: Array<{ header: string; width: number; kind: CellKind; wrap?: boolean }>,
  print: { onePageWide?: boolean } = {},
): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
    // A narrow table prints one page wide; a wide one prints across pages, its header on each.
    pageSetup: print.onePageWide
      ? { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' }
      : { orientation: 'landscape', paperSize: 9, printTitlesRow: '1:1' },
  });
  sheet.columns = columns.map((c) => ({ width: c.width, ...(c.wrap ? { style: { alignment: { wrapText: true, vertical: 'top' } } } : {}) }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  addRow(sheet, columns.map((c) => c.header), columns.map((c) => c.kind), { header: true, height: 30 });
  return sheet;
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

/** The heading every page of a workbook starts with: who prepared it, for whom, for when. */
export function writeHeading(sheet: ExcelJS.Worksheet, facts: WorkbookFacts, title: string, extra: Array<[string, string]> = []): void {
  const title1 = sheet.addRow([facts.firmName]);
  title1.getCell(1).font = { bold: true, size: 14 };
  title1.commit();
  const title2 = sheet.addRow([title]);
  title2.getCell(1).font = { bold: true, size: 12 };
  title2.commit();
  sheet.addRow([]).commit();
  const lines: Array<[string, string]> = [
    ['Client', facts.clientName],
    ['GSTIN', facts.clientGstin],
    ['Period', periodName(facts.period)],
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

