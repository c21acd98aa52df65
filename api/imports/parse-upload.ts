/**
 * Turns an upload body into canonical documents, or into a refusal with details and a hint.
 * Content is sniffed from the bytes, never trusted from the file name or the declared content
 * type: a 2B or 2A is the portal's JSON or Excel, a register CSV or XLSX. Fatal reader errors
 * (truncated JSON, wrong schema, wrong period, wrong recipient GSTIN, no recognisable header, a
 * portal download posing as a register…) refuse the whole file. A file that reads but whose
 * documents are mostly dated outside the period is kept with a warning (plausibility.ts). A row the
 * reader could not read (a bad amount, no date at all) refuses the file too, naming the row and
 * field: stored without it, the bill would only show up as missing from the books.
 */
import { plausibilityWarnings } from '../../domain/recon/plausibility';
import { portalLook, portalWorkbook } from '../../domain/recon/portal-xlsx-layout';
import { readRegisterCsv, readRegisterXlsx, TOO_LARGE_CODES, type RegisterReadResult } from '../../domain/recon/register-reader';
import { sniffContent } from '../../domain/recon/sniff';
import type { Issue } from '../../domain/recon/types';
import type { ImportKind } from '../../db/models/import';
import { type MeteredBody } from './metered-body';
import { parsePortalUpload, PORTAL_HINT } from './parse-portal';
import { DEFAULT_READ_LIMITS, firstMessage, MAX_REPORTED_ISSUES, refused, rowErrorsRefusal, tooLarge, type ParsedUpload, type ReadLimits, type UploadExpectation } from './upload-result';
import { workbookInReadingOrder } from './workbook-order';
import { workbookSheetNames } from './workbook-sheets';
import { checkZipFile } from './zip-limits';

export { DEFAULT_READ_LIMITS, MAX_REPORTED_ISSUES, type ParsedUpload, type ReadLimits } from './upload-result';

const EXPECTED: Record<ImportKind, string> = {
  gstr2b: "a GSTR-2B (the portal's JSON or Excel)",
  gstr2a: "a GSTR-2A (the portal's JSON or Excel)",
  purchase_register: 'a purchase register as CSV or XLSX',
};
const FORMATS: Record<ImportKind, ReadonlySet<string>> = {
  gstr2b: new Set(['json', 'xlsx']),
  gstr2a: new Set(['json', 'xlsx']),
  purchase_register: new Set(['csv', 'xlsx']),
};

/** Fewer documents than this from a file that looks like a portal download: not a register. */
export const HANDFUL_OF_ROWS = 10;

const REGISTER_ROWS = {
  noun: 'row',
  file: 'purchase register',
  hint: 'Correct the rows listed (each with its line and column) in the file or in the books, and upload the register again.',
};

const HEADER_HINT = "The register needs one header row naming its columns: at least the supplier's invoice number (Tally: Voucher Ref. No.), the date, the supplier's GSTIN and an amount (Value, Taxable Value or a tax column). Export the Purchase Register from Tally or Busy with its column headings, or add them above the data.";

function portalRefusal(form: '2A' | '2B' | 'unknown', why: string): ParsedUpload {
  const kind = form === '2A' ? 'gstr2a' : 'gstr2b';
  const name = form === '2A' ? 'GSTR-2A' : 'GSTR-2B';
  const message = `${why}: this is the portal's ${form === 'unknown' ? 'GSTR-2B or 2A' : name} download, not the client's purchase register.`;
  return refused(400, 'invalid_file', message, [{ code: 'portal_file', fatal: true, message }],
    `Upload it as a ${name} import (kind "${kind}"), and upload the register exported from the client's books (Tally, Busy, ERP) as the purchase register. ${PORTAL_HINT[kind]}`);
}

async function parseRegister(body: MeteredBody, expect: UploadExpectation, format: 'csv' | 'xlsx', limits: ReadLimits): Promise<ParsedUpload> {
  if (format === 'xlsx') {
    const byNames = portalWorkbook(await workbookSheetNames(expect.file));
    if (byNames.portal) return portalRefusal(byNames.form ?? 'unknown', 'The workbook has the portal\'s sheets (B2B, B2B-CDNR, …)');
  }
  const read = format === 'xlsx' ? readRegisterXlsx : readRegisterCsv;
  const source = format === 'xlsx' ? await workbookInReadingOrder(expect.file) : body.chunks();
  const result: RegisterReadResult = await read(source, { source: expect.filename, maxIssues: MAX_REPORTED_ISSUES, maxRows: limits.maxRows, maxCells: limits.maxCells });
  const large = result.errors.find((issue) => TOO_LARGE_CODES.has(issue.code));
  if (large) return tooLarge(`The register is too large: ${large.message}.`, large.code);
  if (!result.ok) {
    const noHeader = result.errors.some((e) => e.code === 'no_header');
    return refused(400, 'invalid_file', firstMessage(result.errors, 'The purchase register cannot be used.'), result.errors, noHeader ? HEADER_HINT : undefined);
  }
  const look = portalLook([...result.titleText, ...result.mapping.flatMap((m) => m.columns.map((c) => c.header))]);
  if (look && result.rows.length < HANDFUL_OF_ROWS) return portalRefusal(look, `Only ${result.rows.length} document${result.rows.length === 1 ? '' : 's'} under the portal's column headings`);
  const rowErrors = rowErrorsRefusal(result.errors, REGISTER_ROWS, result.warnings.find((w) => w.code === 'issues_truncated'));
  if (rowErrors) return rowErrors;
  if (result.rows.length === 0) return refused(400, 'invalid_file', 'The register has a header but no purchase documents.', [{ code: 'no_rows', message: 'no documents found', fatal: true }], HEADER_HINT);
  const warnings: Issue[] = look ? [{ code: 'looks_like_portal_file', message: "the columns are the portal's (GSTR-2B/2A), not a books export: check this is the client's purchase register" }] : [];
  return {
    ok: true,
    format,
    docs: result.rows,
    warnings: [...warnings, ...result.warnings].slice(0, MAX_REPORTED_ISSUES),
    metadata: { mapping: result.mapping, skipped: result.skipped, mergedLines: result.mergedLines },
  };
}

export async function parseUpload(body: MeteredBody, expect: UploadExpectation, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<ParsedUpload> {
  const head = await body.head();
  const sniffed = sniffContent(head);
  if (sniffed.kind === 'empty') return refused(400, 'invalid_file', 'The file is empty.', [{ code: 'empty_file', message: 'empty file', fatal: true }]);
  if (sniffed.kind === 'binary') {
    return refused(415, 'unsupported_type', `This is not ${EXPECTED[expect.kind]}: ${sniffed.reason ?? 'binary content'}.`, [{ code: 'binary_content', message: sniffed.reason ?? 'binary content', fatal: true }]);
  }
  if (!FORMATS[expect.kind].has(sniffed.kind)) {
    return refused(415, 'unsupported_type', `This looks like ${sniffed.kind.toUpperCase()}, but the import expects ${EXPECTED[expect.kind]}.`, [{ code: 'unexpected_format', message: `found ${sniffed.kind}`, fatal: true }]);
  }
  if (sniffed.kind === 'xlsx') {
    // Before any part is parsed: the ZIP's declared sizes against the caps, and proven.
    const verdict = await checkZipFile(expect.file, limits.zip);
    if (!verdict.ok) return verdict.tooLarge ? tooLarge(verdict.message) : refused(400, 'invalid_file', verdict.message, [{ code: 'invalid_xlsx', message: verdict.message, fatal: true }]);
  }
  const format = sniffed.kind as 'json' | 'csv' | 'xlsx';
  const parsed = expect.kind === 'purchase_register'
    ? await parseRegister(body, expect, format as 'csv' | 'xlsx', limits)
    : await parsePortalUpload(body, { ...expect, kind: expect.kind }, format as 'json' | 'xlsx', limits);
  if (!parsed.ok) return parsed;
  const dates = (parsed.docs as Array<{ invoiceDate?: string; date?: string }>).map((d) => d.invoiceDate ?? d.date ?? '').filter((d) => d !== '');
  return { ...parsed, warnings: [...plausibilityWarnings({ kind: expect.kind, period: expect.period, dates }), ...parsed.warnings].slice(0, MAX_REPORTED_ISSUES) };
}
