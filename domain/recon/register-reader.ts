/**
 * Purchase-register reader (docs/reconciliation.md, "Inputs"): sniffs the content and hands CSV to
 * register-csv.ts and XLSX to register-xlsx.ts; both find the header (register-header.ts) and feed
 * the row sink (register-sink.ts). JSON and binary files are refused with a clear error. This
 * module pulls csv-parse, exceljs and `node:stream`: import it directly, never through the engine's
 * index, so a Temporal workflow bundle never drags them in.
 */
import { type ByteSource, peek } from './byte-source';
import { readRegisterCsv } from './register-csv';
import { refuse, type RegisterReadOptions, type RegisterReadResult } from './register-sink';
import { readRegisterXlsx } from './register-xlsx';
import { sniffContent } from './sniff';

export type { ByteSource } from './byte-source';
export { readRegisterCsv } from './register-csv';
export { mapHeader, normaliseHeader } from './register-header';
export type { ColumnMapping, RegisterField } from './register-header';
export type { RegisterReadOptions, RegisterReadResult } from './register-sink';
export { TOO_LARGE_CODES } from './register-sink';
export { readRegisterXlsx } from './register-xlsx';

/** Sniff and dispatch: CSV or XLSX; JSON and binary files are refused with a clear error. */
export async function readRegister(src: ByteSource, options: RegisterReadOptions = {}): Promise<RegisterReadResult> {
  const { head, stream } = await peek(src);
  const kind = sniffContent(head);
  const again = async function* (): AsyncGenerator<Uint8Array> {
    for await (const c of stream) yield c as Uint8Array;
  };
  switch (kind.kind) {
    case 'csv':
      return readRegisterCsv(again(), options);
    case 'xlsx':
      return readRegisterXlsx(again(), options);
    case 'json':
      stream.destroy();
      return refuse('this is a JSON file (a GSTR-2B?), not a purchase register', 'unexpected_json');
    case 'empty':
      return refuse('empty file', 'empty_file');
    default:
      stream.destroy();
      return refuse(`file refused: ${kind.reason ?? 'binary content'}`, 'binary_content');
  }
}
