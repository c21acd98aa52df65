/**
 * Purchase-register reader for XLSX, streamed (xlsx-workbook.ts: the workbook is never loaded
 * whole, a sheet is read a row at a time): every sheet that carries a register header feeds the
 * row sink, with the cells exceljs's streaming reader handed it before (xlsx-sheet-rows.ts).
 */
import type * as ExcelJS from 'exceljs';
import { type ByteSource, peek } from './byte-source';
import { type Cell, RegisterSink, refuse, type RegisterReadOptions, type RegisterReadResult } from './register-sink';
import { sniffContent } from './sniff';
import { xlsxSheets } from './xlsx-workbook';

type ExcelValue = ExcelJS.CellValue;

/** A cell as the readers want it: rich text joined, a formula's cached result, errors blank. */
export function excelCell(v: ExcelValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return excelCell(v.result as ExcelValue);
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('error' in v) return null;
  }
  return null;
}

/** Read an XLSX register (every sheet that carries a register header) without loading the workbook. */
export async function readRegisterXlsx(src: ByteSource, options: RegisterReadOptions = {}): Promise<RegisterReadResult> {
  const { head, stream } = await peek(src);
  const kind = sniffContent(head);
  if (kind.kind !== 'xlsx') {
    stream.destroy();
    return refuse(kind.kind === 'empty' ? 'empty file' : `not an XLSX workbook${kind.reason ? `: ${kind.reason}` : ''}`, kind.kind === 'empty' ? 'empty_file' : 'not_xlsx');
  }
  const sink = new RegisterSink(options);
  try {
    // Shared strings trimmed once when read: the sink trims every cell (cellText), and cells
    // referencing one long padded string would each pay for its length (xlsx-xml.ts).
    sheets: for await (const sheet of xlsxSheets(stream, { trimSharedStrings: true })) {
      sink.useDateSystem(sheet.dateSystem); // the workbook's, the same for every sheet
      sink.startSheet(sheet.name);
      for await (const batch of sheet.rows) {
        for (const row of batch) {
          if (!sink.admit(row.cells.length)) break sheets;
          sink.row(row.cells, row.number);
        }
      }
    }
    if (sink.fatal) stream.destroy();
  } catch (e) {
    sink.error({ code: 'invalid_xlsx', fatal: true, message: `workbook could not be read: ${(e as Error).message}` });
  }
  return sink.result();
}
