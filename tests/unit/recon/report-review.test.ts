/** The exports' Review column (the CSV and the status sheets): what a reviewer decided, in words. */
import type { ResultRow } from '../../../domain/recon';
import { reportLine } from '../../../domain/recon/report-columns';

describe("the exports' Review column", () => {
  const row = (extra: Partial<ResultRow>) => ({ category: 'probable_match', accepted: false, decisions: [], ...extra }) as unknown as ResultRow;
  const review = (extra: Partial<ResultRow>) => reportLine({ ...emptyRow, ...row(extra) } as ResultRow).userStatus;
  const emptyRow = { id: 'x', reason: null, reasons: [], flags: [], hints: [], supplierGstin: 'G', supplierName: 'S', books: null, portal: null, differences: [], itc: { atRisk: { igst: 0, cgst: 0, sgst: 0, cess: 0 }, missed: { igst: 0, cgst: 0, sgst: 0, cess: 0 } } };

  it('says an accepted probable match is accepted, by a reviewer or automatically, with any mark after it', () => {
    const accept = { id: 'd1', action: 'accept' as const, note: null, by: 'a@b.in', at: '2024-07-01T00:00:00Z' };
    expect(review({ accepted: true, decisions: [accept] })).toBe('Accepted by reviewer');
    expect(review({ accepted: true })).toBe('Accepted automatically');
    expect(review({ accepted: true, decisions: [accept], userStatus: 'pending' })).toBe('Accepted by reviewer; Pending review');
    expect(review({})).toBe('');
    // A manual match is accepted too, but its status already says so ("Matched manually").
    expect(review({ category: 'manual_match', accepted: true, userStatus: 'ignored' })).toBe('Ignored by reviewer');
  });
});
