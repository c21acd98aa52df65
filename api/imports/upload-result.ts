/** What parsing an upload answers (a file's documents, or a refusal with details and a hint), shared by the readers' callers. */
import type { ImportKind } from '../../db/models/import';
import { issueFieldLabel, portalPlace } from '../../domain/recon/labels';
import type { Issue } from '../../domain/recon/types';
import { DEFAULT_ZIP_CAPS, type ZipCaps } from './zip-limits';

/** Issues kept on the import row and in responses; the rest are counted. */
export const MAX_REPORTED_ISSUES = 100;

export type ParsedUpload =
  | { ok: true; format: 'json' | 'csv' | 'xlsx'; docs: unknown[]; warnings: Issue[]; metadata: Record<string, unknown> }
  | { ok: false; status: 400 | 413 | 415; code: 'invalid_file' | 'too_large' | 'unsupported_type'; message: string; errors: Issue[]; /** What to do instead, in words a user follows. */ hint?: string };

/** What one upload may make the readers hold (docs/security-limits.md). */
export type ReadLimits = { maxRows: number; maxCells: number; zip: ZipCaps };

export const DEFAULT_READ_LIMITS: ReadLimits = { maxRows: 500_000, maxCells: 15_000_000, zip: DEFAULT_ZIP_CAPS };

export type UploadExpectation = { kind: ImportKind; period: string; clientGstin: string; filename: string; /** The spooled body, for checks that need the whole file. */ file: string };

export function refused(status: 400 | 415, code: 'invalid_file' | 'unsupported_type', message: string, errors: Issue[] = [], hint?: string): ParsedUpload {
  return { ok: false, status, code, message: hint ? `${message} ${hint}` : message, errors: errors.slice(0, MAX_REPORTED_ISSUES), ...(hint ? { hint } : {}) };
}

export const tooLarge = (message: string, code = 'too_large'): ParsedUpload => ({ ok: false, status: 413, code: 'too_large', message, errors: [{ code, message, fatal: true }] });

/**
 * A file that needs more memory to read (or to turn into its rows' text) than one upload may use:
 * its parser thread ended at its heap cap (parse-pool.ts), or its text too large to allocate
 * (parse-worker.ts).
 */
export const tooMuchMemory = (): ParsedUpload =>
  tooLarge('The file needs more memory to read than one upload may use: split it into smaller files and upload each.', 'too_much_memory');

/**
 * Row errors of a file that otherwise reads. The readers leave out a row (or portal document) they
 * could not read and record why; stored without it, the bill would reach the reconciliation as
 * missing with no trace. So the file is refused, with each row's place and field
 * (docs/api.md: 400 `invalid_file` with row/field details), and nothing is written. Null when none.
 */
export function rowErrorsRefusal(errors: readonly Issue[], what: { noun: string; file: string; hint: string }, truncated?: Issue): ParsedUpload | null {
  if (errors.length === 0) return null;
  const first = errors[0]!;
  // The field in words (a portal file's `txval` is "Taxable value"): a portal document's messages name it themselves.
  const field = first.column ?? (first.section !== undefined ? undefined : first.field ? issueFieldLabel(first, 'register') : undefined);
  const where = [placeOf(first), field].filter((p) => p !== undefined).join(', ');
  // Rows, not errors: two bad cells on one line are one row the file would have lost.
  const rows = new Set(errors.map((e, i) => placeOf(e) ?? e.line ?? `issue ${i}`)).size;
  const one = rows === 1 && !truncated;
  const count = `${rows}${truncated ? ' or more' : ''} ${what.noun}${one ? '' : 's'}`;
  const message = `${count} of the ${what.file} cannot be read, so the file was not stored (it would have been stored without ${one ? 'it' : 'them'}): ${where ? `${where}: ` : ''}${first.message}.`;
  // The last place says that more were found than listed (the readers count what they leave out).
  const listed = truncated ? [...errors.slice(0, MAX_REPORTED_ISSUES - 1), truncated] : [...errors];
  return refused(400, 'invalid_file', message, listed, what.hint);
}

/**
 * Where a row error is: the register row's place in its file, or the portal document's section,
 * supplier entry and document counted from 1 as the web's problem table counts them (portalPlace;
 * `details.errors` keeps the API's 0-based `index` and `docIndex`).
 */
function placeOf(e: Issue): string | undefined {
  return e.rowRef ?? portalPlace(e);
}

export function firstMessage(errors: readonly Issue[], fallback: string): string {
  const first = errors[0];
  return first ? `${fallback} ${first.message}` : fallback;
}
