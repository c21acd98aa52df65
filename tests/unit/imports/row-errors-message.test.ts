/**
 * The refusal of a file with rows that cannot be read counts rows, not errors: two bad cells on one
 * register line (or two bad fields of one 2B document) are one row the file would have lost.
 */
import { rowErrorsRefusal } from '../../../api/imports/upload-result';
import type { Issue } from '../../../domain/recon/types';

const REGISTER = { noun: 'row', file: 'purchase register', hint: 'Correct the row and upload again.' };
const PORTAL = { noun: 'document', file: 'GSTR-2B', hint: 'Download the file again.' };
const bad = (extra: Partial<Issue>): Issue => ({ code: 'invalid_amount', message: 'digit grouping not understood', ...extra });
const messageOf = (r: ReturnType<typeof rowErrorsRefusal>) => (r && !r.ok ? r.message : null);

describe('the row errors refusal', () => {
  it('says one row when both errors are on one line', () => {
    const errors = [bad({ rowRef: 'register.csv:2', line: 2, column: 'Value' }), bad({ rowRef: 'register.csv:2', line: 2, column: 'Input IGST' })];
    const refusal = rowErrorsRefusal(errors, REGISTER);
    expect(messageOf(refusal)).toMatch(/^1 row of the purchase register cannot be read, so the file was not stored \(it would have been stored without it\): register\.csv:2, Value: /);
    // Every error is still listed, each with its cell.
    expect(refusal && !refusal.ok ? refusal.errors.map((e) => e.column) : null).toEqual(['Value', 'Input IGST']);
  });

  it('counts each row once however many cells of it are bad', () => {
    const errors = [bad({ rowRef: 'r.csv:2', column: 'Value' }), bad({ rowRef: 'r.csv:2', column: 'Input IGST' }), bad({ rowRef: 'r.csv:9', column: 'Value' })];
    expect(messageOf(rowErrorsRefusal(errors, REGISTER))).toMatch(/^2 rows of the purchase register cannot be read, .*without them\)/);
    const truncated = bad({ code: 'issues_truncated', message: 'more' });
    expect(messageOf(rowErrorsRefusal(errors.slice(0, 2), REGISTER, truncated))).toMatch(/^1 or more rows of /);
  });

  it('counts portal documents by section, entry and document', () => {
    const amount = { message: 'Taxable value: digit grouping not understood' };
    const errors = [bad({ section: 'b2b', index: 1, docIndex: 0, field: 'txval', ...amount }), bad({ section: 'b2b', index: 1, docIndex: 0, field: 'iamt' }), bad({ section: 'b2b', index: 1, docIndex: 1, field: 'txval', ...amount })];
    // Counted from 1 as the web's problem table counts them; details.errors keeps the 0-based index and docIndex.
    // The field in words, once (the portal's messages name it): never the portal's key `txval`.
    const refusal = rowErrorsRefusal(errors, PORTAL);
    expect(messageOf(refusal)).toMatch(/^2 documents of the GSTR-2B cannot be read.*: section b2b, supplier entry 2, document 1: Taxable value: digit grouping not understood\. /);
    expect(messageOf(refusal)).not.toMatch(/txval/);
    expect(refusal && !refusal.ok ? refusal.errors.map((e) => e.field) : null).toEqual(['txval', 'iamt', 'txval']);
    expect(refusal && !refusal.ok ? refusal.errors.map((e) => [e.index, e.docIndex]) : null).toEqual([[1, 0], [1, 0], [1, 1]]);
    expect(rowErrorsRefusal([], REGISTER)).toBeNull();
  });
});
