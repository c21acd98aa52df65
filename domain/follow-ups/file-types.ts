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

/**
 * Other names browsers and systems give the accepted types. Windows with Excel installed labels every
 * `.csv` as `application/vnd.ms-excel` (a real legacy `.xls` is refused by its content anyway); some
 * browsers say `image/jpg` or `image/pjpeg`, older ones `application/x-pdf` or `image/x-png`.
 */
const TYPE_ALIASES: Readonly<Record<string, ClientFileType>> = {
  'application/x-pdf': 'application/pdf',
  'application/acrobat': 'application/pdf',
  'image/x-png': 'image/png',
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'application/vnd.ms-excel': 'text/csv',
  'application/csv': 'text/csv',
  'text/x-csv': 'text/csv',
  'text/comma-separated-values': 'text/csv',
  'application/x-csv': 'text/csv',
};

/** The file name extensions of the accepted types. */
const EXTENSIONS: Readonly<Record<string, ClientFileType>> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
};

/** A declared content type as the list names it (parameters dropped, lower case, a browser's alias resolved). */
export function declaredFileType(contentType: string): string {
  const plain = contentType.split(';')[0]!.trim().toLowerCase();
  return TYPE_ALIASES[plain] ?? plain;
}

function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).trim().toLowerCase();
}

/**
 * The type a declared file is expected to be, from its name and the type the browser gave: the
 * extension when it names an accepted type (what the person chose; browsers label files by the
 * programs installed, or not at all), else the declared type with its aliases. Null when neither is
 * one of the accepted types. The content is checked against it when the bytes arrive.
 */
export function expectedFileType(declared: { contentType: string; filename?: string }): ClientFileType | null {
  const byName = declared.filename ? EXTENSIONS[extensionOf(declared.filename)] : undefined;
  if (byName) return byName;
  const byType = declaredFileType(declared.contentType);
  return isClientFileType(byType) ? byType : null;
}

/** What a refused declaration was, in words: its extension and the type the browser gave. */
export function describeDeclaredFile(declared: { contentType: string; filename?: string }): string {
  const ext = declared.filename ? extensionOf(declared.filename) : '';
  const type = declared.contentType.split(';')[0]!.trim();
  if (ext && type && type !== 'application/octet-stream') return `a .${ext} file (${type})`;
  if (ext) return `a .${ext} file`;
  return type && type !== 'application/octet-stream' ? `a file of type ${type}` : 'a file of unknown type';
}

/** What refused content is, in words, for the refusal message (the accepted types name themselves). */
export function describeContent(content: Uint8Array): string {
  if (content.length === 0) return 'an empty file';
  const detected = detectClientFileType(content.subarray(0, 4096));
  if (detected === 'application/pdf') return 'a damaged or incomplete PDF';
  if (detected === 'text/csv') return 'text that is not a table (a CSV needs UTF-8 text with a comma, semicolon, tab or pipe on its first line)';
  if (detected) return CLIENT_FILE_TYPES[detected];
  const sniffed = sniffContent(content.subarray(0, 4096));
  if (sniffed.kind === 'json') return 'a JSON file';
  if (sniffed.kind === 'binary' && sniffed.reason?.startsWith('legacy Excel')) return 'a legacy Excel (.xls) or Word (.doc) file: save it as XLSX, CSV or PDF';
  return 'a file of another kind';
}
