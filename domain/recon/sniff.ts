/**
 * Content sniffing for uploads: decide from the first bytes, never from the file name, whether
 * a file is JSON, CSV text, an XLSX (zip) workbook, or something we refuse.
 */

export type SniffKind = 'json' | 'csv' | 'xlsx' | 'binary' | 'empty';

export interface SniffResult {
  kind: SniffKind;
  /** Why a file was refused (binary) — shown to the user. */
  reason?: string;
}

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i += 1) if (head[i] !== bytes[i]) return false;
  return true;
}

/** Look at up to the first 4 KB. */
export function sniffContent(headIn: Uint8Array | string): SniffResult {
  const head = typeof headIn === 'string' ? new TextEncoder().encode(headIn.slice(0, 4096)) : headIn.subarray(0, 4096);
  if (head.length === 0) return { kind: 'empty' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return { kind: 'xlsx' };
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0])) {
    return { kind: 'binary', reason: 'legacy Excel (.xls) or another OLE file: save it as .xlsx or CSV' };
  }
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46])) return { kind: 'binary', reason: 'a PDF is not a register or a 2B JSON' };
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    return { kind: 'binary', reason: 'UTF-16 text: save the file as UTF-8 CSV' };
  }
  let i = startsWith(head, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  let control = 0;
  let firstNonWs = -1;
  for (let k = i; k < head.length; k += 1) {
    const b = head[k]!;
    if (b === 0) return { kind: 'binary', reason: 'contains NUL bytes: not a text file' };
    if ((b < 9 || (b > 13 && b < 32) || b === 127)) control += 1;
    if (firstNonWs < 0 && b !== 32 && b !== 9 && b !== 10 && b !== 13) firstNonWs = b;
  }
  i = head.length;
  if (control > Math.max(2, i / 100)) return { kind: 'binary', reason: 'too many control characters for a text file' };
  if (firstNonWs < 0) return { kind: 'empty' };
  if (firstNonWs === 0x7b || firstNonWs === 0x5b) return { kind: 'json' };
  return { kind: 'csv' };
}
