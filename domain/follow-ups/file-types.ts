/**
 * What a client may upload, decided from the file's first bytes (never from its name or the type
 * the browser declared): PDF, PNG, JPEG, XLSX (a zip container) and CSV (UTF-8 text).
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
  return Object.hasOwn(CLIENT_FILE_TYPES, value.split(';')[0]!.trim().toLowerCase());
}

function startsWith(head: Uint8Array, bytes: number[]): boolean {
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
}

/** The type the content shows, or null when it is none of the accepted ones. */
export function detectClientFileType(head: Uint8Array): ClientFileType | null {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  const sniffed = sniffContent(head);
  if (sniffed.kind === 'xlsx') return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (sniffed.kind === 'csv') return 'text/csv';
  return null;
}
