/**
 * Turns an upload body into canonical documents, or into a refusal with details. Content is
 * sniffed from the bytes, never trusted from the file name or the declared content type: a 2B must
 * be JSON, a register CSV or XLSX. Fatal reader errors (truncated JSON, wrong schema, wrong period,
 * wrong recipient GSTIN, no recognisable header, …) refuse the whole file.
 */
import { readGstr2b } from '../../domain/recon/gstr2b-reader';
import { readRegisterCsv, readRegisterXlsx, TOO_LARGE_CODES } from '../../domain/recon/register-reader';
import { sniffContent } from '../../domain/recon/sniff';
import type { Issue } from '../../domain/recon/types';
import type { ImportKind } from '../../db/models/import';
import { type MeteredBody } from './metered-body';
import { checkZipFile, DEFAULT_ZIP_CAPS, type ZipCaps } from './zip-limits';

/** Issues kept on the import row and in responses; the rest are counted. */
export const MAX_REPORTED_ISSUES = 100;

export type ParsedUpload =
  | { ok: true; format: 'json' | 'csv' | 'xlsx'; docs: unknown[]; warnings: Issue[]; metadata: Record<string, unknown> }
  | { ok: false; status: 400 | 413 | 415; code: 'invalid_file' | 'too_large' | 'unsupported_type'; message: string; errors: Issue[] };

const EXPECTED: Record<ImportKind, string> = {
  gstr2b: 'a GSTR-2B JSON file',
  purchase_register: 'a purchase register as CSV or XLSX',
};

function refused(status: 400 | 415, code: 'invalid_file' | 'unsupported_type', message: string, errors: Issue[] = []): ParsedUpload {
  return { ok: false, status, code, message, errors: errors.slice(0, MAX_REPORTED_ISSUES) };
}

/** What one upload may make the readers hold (docs/security-limits.md). */
export type ReadLimits = { maxRows: number; maxCells: number; zip: ZipCaps };

export const DEFAULT_READ_LIMITS: ReadLimits = { maxRows: 500_000, maxCells: 15_000_000, zip: DEFAULT_ZIP_CAPS };

const tooLarge = (message: string, code = 'too_large'): ParsedUpload => ({ ok: false, status: 413, code: 'too_large', message, errors: [{ code, message, fatal: true }] });

export async function parseUpload(
  body: MeteredBody,
  expect: { kind: ImportKind; period: string; clientGstin: string; filename: string; /** The spooled body, for checks that need the whole file. */ file: string },
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<ParsedUpload> {
  const head = await body.head();
  const sniffed = sniffContent(head);
  if (sniffed.kind === 'empty') return refused(400, 'invalid_file', 'The file is empty.', [{ code: 'empty_file', message: 'empty file', fatal: true }]);
  if (sniffed.kind === 'binary') {
    return refused(415, 'unsupported_type', `This is not ${EXPECTED[expect.kind]}: ${sniffed.reason ?? 'binary content'}.`, [{ code: 'binary_content', message: sniffed.reason ?? 'binary content', fatal: true }]);
  }
  const fits = expect.kind === 'gstr2b' ? sniffed.kind === 'json' : sniffed.kind === 'csv' || sniffed.kind === 'xlsx';
  if (!fits) {
    return refused(415, 'unsupported_type', `This looks like ${sniffed.kind.toUpperCase()}, but the import expects ${EXPECTED[expect.kind]}.`, [{ code: 'unexpected_format', message: `found ${sniffed.kind}`, fatal: true }]);
  }

  if (expect.kind === 'gstr2b') {
    const result = await readGstr2b(body.chunks(), { gstin: expect.clientGstin, period: expect.period, maxIssues: MAX_REPORTED_ISSUES });
    if (!result.ok) return refused(400, 'invalid_file', firstMessage(result.errors, 'The GSTR-2B file cannot be used.'), result.errors);
    return {
      ok: true,
      format: 'json',
      // IMS-rejected documents travel with the rest (flagged `rejected`): the engine keeps them aside.
      docs: [...result.documents, ...result.rejected],
      warnings: result.warnings.slice(0, MAX_REPORTED_ISSUES),
      metadata: { header: result.header, controlTotals: result.controlTotals, documents: result.documents.length, rejected: result.rejected.length },
    };
  }

  if (sniffed.kind === 'xlsx') {
    // Before any part is parsed: the ZIP's declared sizes against the caps, and proven.
    const verdict = await checkZipFile(expect.file, limits.zip);
    if (!verdict.ok) return verdict.tooLarge ? tooLarge(verdict.message) : refused(400, 'invalid_file', verdict.message, [{ code: 'invalid_xlsx', message: verdict.message, fatal: true }]);
  }
  const read = sniffed.kind === 'xlsx' ? readRegisterXlsx : readRegisterCsv;
  const result = await read(body.chunks(), { source: expect.filename, maxIssues: MAX_REPORTED_ISSUES, maxRows: limits.maxRows, maxCells: limits.maxCells });
  const large = result.errors.find((issue) => TOO_LARGE_CODES.has(issue.code));
  if (large) return tooLarge(`The register is too large: ${large.message}.`, large.code);
  if (!result.ok) return refused(400, 'invalid_file', firstMessage(result.errors, 'The purchase register cannot be used.'), result.errors);
  if (result.rows.length === 0) return refused(400, 'invalid_file', 'The register has a header but no purchase documents.', [{ code: 'no_rows', message: 'no documents found', fatal: true }]);
  return {
    ok: true,
    format: sniffed.kind,
    docs: result.rows,
    warnings: result.warnings.slice(0, MAX_REPORTED_ISSUES),
    metadata: { mapping: result.mapping, skipped: result.skipped, mergedLines: result.mergedLines },
  };
}

function firstMessage(errors: readonly Issue[], fallback: string): string {
  const first = errors[0];
  return first ? `${fallback} ${first.message}` : fallback;
}
