/**
 * GSTR-2B and GSTR-2A uploads (docs/reconciliation.md, "Imports"): the portal's JSON (streamed)
 * or its Excel download, told apart by content. The Excel's rows are put into the JSON's shape and
 * read by the same document reader, so a 2B Excel and its JSON twin store the same documents. A
 * document the reader could not read (a bad amount, a missing number or date) refuses the file
 * with its place, as a register's bad row does (upload-result.ts, rowErrorsRefusal).
 */
import { readGstr2a, readGstr2aEntries } from '../../domain/recon/gstr2a-reader';
import { readGstr2b, readGstr2bEntries, type Gstr2bReadResult } from '../../domain/recon/gstr2b-reader';
import { readPortalWorkbook } from '../../domain/recon/portal-xlsx';
import { as2a } from '../../domain/recon/portal-xlsx-layout';
import { TOO_LARGE_CODES } from '../../domain/recon/register-reader';
import type { Issue } from '../../domain/recon/types';
import type { MeteredBody } from './metered-body';
import { workbookInReadingOrder } from './workbook-order';
import { firstMessage, MAX_REPORTED_ISSUES, refused, rowErrorsRefusal, tooLarge, type ParsedUpload, type ReadLimits, type UploadExpectation } from './upload-result';

const NAME = { gstr2b: 'GSTR-2B', gstr2a: 'GSTR-2A' } as const;
/** Where a user finds the file each kind wants. */
export const PORTAL_HINT = {
  gstr2b: "Download it from the GST portal (Returns → GSTR-2B → Download: the Excel or the JSON) and upload that file unchanged as a GSTR-2B import.",
  gstr2a: "Download it from the GST portal (Returns → GSTR-2A → Download: the Excel or the JSON) and upload that file unchanged as a GSTR-2A import.",
} as const;

type PortalKind = 'gstr2b' | 'gstr2a';

const documentErrors = (errors: readonly Issue[], kind: PortalKind, warnings: readonly Issue[]): ParsedUpload | null =>
  rowErrorsRefusal(errors, {
    noun: 'document',
    file: NAME[kind],
    hint: `The documents listed (each with its section, supplier entry and document) are not as the portal writes them: ${PORTAL_HINT[kind].charAt(0).toLowerCase()}${PORTAL_HINT[kind].slice(1)}`,
  }, warnings.find((w) => w.code === 'issues_truncated'));

function from2b(result: Gstr2bReadResult, extra: Issue[], format: 'json' | 'xlsx'): ParsedUpload {
  if (!result.ok) return refused(400, 'invalid_file', firstMessage(result.errors, 'The GSTR-2B file cannot be used.'), result.errors);
  const unread = documentErrors(result.errors, 'gstr2b', result.warnings);
  if (unread) return unread;
  return {
    ok: true,
    format,
    // IMS-rejected documents travel with the rest (flagged `rejected`): the engine keeps them aside.
    docs: [...result.documents, ...result.rejected],
    warnings: [...extra, ...result.warnings].slice(0, MAX_REPORTED_ISSUES),
    metadata: { header: result.header, controlTotals: result.controlTotals, documents: result.documents.length, rejected: result.rejected.length },
  };
}

function from2a(result: Awaited<ReturnType<typeof readGstr2a>>, extra: Issue[], format: 'json' | 'xlsx'): ParsedUpload {
  if (!result.ok) return refused(400, 'invalid_file', firstMessage(result.errors, 'The GSTR-2A file cannot be used.'), result.errors);
  const unread = documentErrors(result.errors, 'gstr2a', result.warnings);
  if (unread) return unread;
  return {
    ok: true,
    format,
    docs: result.documents,
    warnings: [...extra, ...result.warnings].slice(0, MAX_REPORTED_ISSUES),
    metadata: { header: result.header, supplierSignals: result.supplierSignals, creditEntries: result.creditEntries, documents: result.documents.length },
  };
}

export async function parsePortalUpload(body: MeteredBody, expect: UploadExpectation & { kind: PortalKind }, format: 'json' | 'xlsx', limits: ReadLimits): Promise<ParsedUpload> {
  const expected = { gstin: expect.clientGstin, period: expect.period };
  if (format === 'json') {
    return expect.kind === 'gstr2b'
      ? from2b(await readGstr2b(body.chunks(), { ...expected, maxIssues: MAX_REPORTED_ISSUES }), [], 'json')
      : from2a(await readGstr2a(body.chunks(), expected), [], 'json');
  }
  const wb = await readPortalWorkbook(await workbookInReadingOrder(expect.file), { maxRows: limits.maxRows, maxCells: limits.maxCells });
  const large = wb.errors.find((issue) => TOO_LARGE_CODES.has(issue.code));
  if (large) return tooLarge(`The workbook is too large: ${large.message}.`, large.code);
  if (!wb.ok) return refused(400, 'invalid_file', firstMessage(wb.errors, `The ${NAME[expect.kind]} workbook cannot be used.`), wb.errors);
  const want = expect.kind === 'gstr2b' ? '2B' : '2A';
  if (wb.form && wb.form !== want) {
    const other = want === '2B' ? 'gstr2a' : 'gstr2b';
    const message = `This is the portal's GSTR-${wb.form} Excel, not a ${NAME[expect.kind]}.`;
    return refused(400, 'invalid_file', message, [{ code: 'other_return', fatal: true, message }], `Upload it as a ${NAME[other]} import (kind "${other}"), or ${PORTAL_HINT[expect.kind].charAt(0).toLowerCase()}${PORTAL_HINT[expect.kind].slice(1)}`);
  }
  if (wb.entries.length === 0 && !wb.form) {
    const message = `This workbook is not the portal's ${NAME[expect.kind]} Excel: none of its sheets (${wb.sheets.join(', ') || 'none'}) has the portal's B2B, credit-note or import columns.`;
    return refused(400, 'invalid_file', message, [{ code: 'not_portal_excel', fatal: true, message }], `${PORTAL_HINT[expect.kind]} A purchase register is uploaded as a purchase register.`);
  }
  const notes: Issue[] = [...wb.warnings];
  if (!wb.period) notes.push({ code: 'period_not_stated', message: `the workbook does not state its tax period; read as ${expect.period}` });
  if (!wb.gstin) notes.push({ code: 'recipient_not_stated', message: "the workbook does not state the recipient's GSTIN; check it is this client's" });
  const header = { gstin: wb.gstin, period: wb.period ?? expect.period };
  if (expect.kind === 'gstr2b') return from2b(readGstr2bEntries(header, wb.entries, { ...expected, maxIssues: MAX_REPORTED_ISSUES }), notes, 'xlsx');
  return from2a(readGstr2aEntries(header, wb.entries.map((e) => ({ ...as2a(e.section, e.entry), index: e.index })), expected), notes, 'xlsx');
}
