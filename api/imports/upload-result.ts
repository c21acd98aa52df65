/** What parsing an upload answers (a file's documents, or a refusal with details and a hint), shared by the readers' callers. */
import type { ImportKind } from '../../db/models/import';
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

export function firstMessage(errors: readonly Issue[], fallback: string): string {
  const first = errors[0];
  return first ? `${fallback} ${first.message}` : fallback;
}
