/**
 * What a client or the firm may upload as a document (a follow-up's item, a notice's papers),
 * decided from the file's content (never from its name or the type the browser declared): PDF,
 * PNG, JPEG, XLSX (a zip container) and CSV (UTF-8 text with columns). The first bytes decide the
 * type; a PDF must also hold together as one (see `pdfStructureHolds`), so a renamed text file that
 * happens to start with `%PDF-` is refused, and a CSV must be a table (`csvStructureHolds`).
 */
import { sniffContent } from '../recon/sniff';

export const CLIENT_FILE_TYPES = {
  'application/pdf': 'PDF',
  'image/png': 'PNG image',
  'image/jpeg': 'JPEG image',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel workbook (XLSX)',
  'text/csv': 'CSV',
} as const;
export type ClientFileType = keyof typeof CLIENT_FILE_TYPES;

export function isClientFileType(value: string): value is ClientFileType {
  return Object.hasOwn(CLIENT_FILE_TYPES, declaredFileType(value));
}

function startsWith(head: Uint8Array, bytes: number[]): boolean {
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
}

/** The type the first bytes show, or null when it is none of the accepted ones. */
export function detectClientFileType(head: Uint8Array): ClientFileType | null {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  const sniffed = sniffContent(head);
  if (sniffed.kind === 'xlsx') return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (sniffed.kind === 'csv') return 'text/csv';
  return null;
}

/** PDF versions the header may name (ISO 32000-1 is 1.0–1.7, ISO 32000-2 is 2.0). */
const PDF_HEADER = /^%PDF-(1\.[0-7]|2\.0)[\r\n]/;
/** The file's last lines: `startxref`, the byte offset of the cross-reference section, `%%EOF`. */
const PDF_TRAILER = /startxref\s+(\d+)\s+%%EOF\s*$/;
/** A classic `xref` table, or an object (`12 0 obj`): PDF 1.5+ keeps its cross references in a stream object. */
const XREF_SECTION = /^(xref\s|\d+\s+\d+\s+obj\b)/;

/**
 * Whether a whole file is structurally a PDF: a version header on the first line, and at its end a
 * `startxref` offset that points inside the file at a cross-reference section. Readers find every
 * object through that section, so a file without one is not a PDF they can open. (Incremental
 * updates append sections; the last one is what a reader starts from, so it is the one checked.)
 */
export function pdfStructureHolds(content: Uint8Array): boolean {
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (!PDF_HEADER.test(bytes.subarray(0, 16).toString('latin1'))) return false;
  const tail = bytes.subarray(Math.max(0, bytes.length - 1024)).toString('latin1');
  const trailer = PDF_TRAILER.exec(tail);
  if (!trailer) return false;
  const offset = Number(trailer[1]);
  if (!Number.isSafeInteger(offset) || offset <= 0 || offset >= bytes.length) return false;
  return XREF_SECTION.test(bytes.subarray(offset, offset + 64).toString('latin1'));
}

/** A control character other than tab, line feed and carriage return: none belongs in a CSV. */
function hasStrayControl(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) return true;
  }
  return false;
}
/** Comma, semicolon, tab or pipe: what separates a CSV's columns. */
const CSV_DELIMITER = /[,;\t|]/;

/**
 * Whether a whole text file is a CSV rather than any text: valid UTF-8 throughout, no control
 * characters but tab and line ends, and a first line with a column separator. A letter saved as
 * .csv, or a few words, is not a table.
 */
export function csvStructureHolds(content: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return false;
  }
  if (hasStrayControl(text)) return false;
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((line) => line.trim() !== '');
  return firstLine !== undefined && CSV_DELIMITER.test(firstLine);
}

/** The accepted type of a whole file, or null: its first bytes decide, and a PDF or a CSV must hold together. */
export function checkedFileType(content: Uint8Array): ClientFileType | null {
  const detected = detectClientFileType(content.subarray(0, 4096));
  if (detected === 'application/pdf' && !pdfStructureHolds(content)) return null;
  if (detected === 'text/csv' && !csvStructureHolds(content)) return null;
  return detected;
}

/** A declared content type as the list names it (parameters dropped, lower case). */
export function declaredFileType(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}
