/**
 * The portal Excel reader as it was before it used xlsx-workbook.ts: the same reader
 * (domain/recon/portal-xlsx.ts) over exceljs's streaming WorkbookReader (styles, hyperlinks and
 * entries ignored, shared strings cached), each row's values turned into cells by `excelCell`, the
 * date system from the workbook part exceljs keeps. Kept as the benchmark's comparison and as the
 * reference the equivalence test holds the reader to (tests/unit/recon/portal-xlsx-equivalence.test.ts).
 */
import type { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import type { ByteSource } from '../../domain/recon/byte-source';
import { type PortalSheet, type PortalWorkbook, type PortalWorkbookOptions, readPortalWorkbookWith } from '../../domain/recon/portal-xlsx';
import type { Cell } from '../../domain/recon/register-sink';
import { excelCell } from '../../domain/recon/register-xlsx';

/** What exceljs's streaming reader keeps of the workbook part's `<workbookPr>` (not in its types). */
type ExceljsWorkbookProperties = { properties?: { model?: { date1904?: boolean } } };

/** Every sheet exceljs emits, in its order, a row per batch. */
export async function* exceljsPortalSheets(stream: Readable): AsyncGenerator<PortalSheet> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore', entries: 'ignore',
  });
  for await (const ws of reader) {
    // exceljs's streaming reader has read the workbook part by the time it hands over a sheet
    // (it names the sheet from it); with styles ignored it leaves dates as serials.
    const date1904 = (reader as unknown as ExceljsWorkbookProperties).properties?.model?.date1904 === true;
    yield {
      name: (ws as unknown as { name?: string }).name ?? 'Sheet',
      dateSystem: date1904 ? '1904' : '1900',
      rows: (async function* () {
        for await (const row of ws) {
          const values = row.values as ExcelJS.CellValue[];
          const cells: Cell[] = [];
          for (let i = 1; i < values.length; i += 1) cells.push(excelCell(values[i]));
          yield [{ number: row.number, cells }];
        }
      })(),
    };
  }
}

/** The former `readPortalWorkbook`. */
export function readPortalWorkbookWithExceljs(src: ByteSource, options: PortalWorkbookOptions = {}): Promise<PortalWorkbook> {
  return readPortalWorkbookWith(exceljsPortalSheets, src, options);
}
