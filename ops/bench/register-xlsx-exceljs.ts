/**
 * The register XLSX reader as it was before xlsx-workbook.ts: exceljs's streaming WorkbookReader
 * (styles, hyperlinks and entries ignored, shared strings cached), each row's values turned into
 * cells by `excelCell`. Kept as the benchmark's comparison and as the reference the equivalence test
 * holds the new reader to (tests/unit/recon/register-xlsx-equivalence.test.ts).
 */
import type { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { type ByteSource, peek } from '../../domain/recon/byte-source';
import { excelCell } from '../../domain/recon/register-xlsx';
import { type Cell, RegisterSink, type RegisterReadOptions, type RegisterReadResult } from '../../domain/recon/register-sink';

export interface ExceljsSheet {
  name: string;
  rows: Array<{ number: number; cells: Cell[] }>;
}

/** Every sheet exceljs emits, in its order, with the cells the register reader handed the sink. */
export async function* exceljsSheets(stream: Readable): AsyncGenerator<{ name: string; rows: AsyncGenerator<{ number: number; cells: Cell[] }> }> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore', entries: 'ignore',
  });
  for await (const ws of reader) {
    yield {
      name: (ws as unknown as { name?: string }).name ?? 'Sheet',
      rows: (async function* () {
        for await (const row of ws) {
          const values = row.values as ExcelJS.CellValue[];
          const cells: Cell[] = [];
          for (let i = 1; i < values.length; i += 1) cells.push(excelCell(values[i]));
          yield { number: row.number, cells };
        }
      })(),
    };
  }
}

/** The former `readRegisterXlsx` (without the sniffing refusals, which did not change). */
export async function readRegisterXlsxWithExceljs(src: ByteSource, options: RegisterReadOptions = {}): Promise<RegisterReadResult> {
  const { stream } = await peek(src);
  const sink = new RegisterSink(options);
  try {
    sheets: for await (const sheet of exceljsSheets(stream)) {
      sink.startSheet(sheet.name);
      for await (const row of sheet.rows) {
        if (!sink.admit(row.cells.length)) break sheets;
        sink.row(row.cells, row.number);
      }
    }
    if (sink.fatal) stream.destroy();
  } catch (e) {
    sink.error({ code: 'invalid_xlsx', fatal: true, message: `workbook could not be read: ${(e as Error).message}` });
  }
  return sink.result();
}
