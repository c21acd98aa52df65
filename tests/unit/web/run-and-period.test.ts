/**
 * The run page's amounts and the period page's history lines, as pure functions: a credit note's
 * amounts carry the export's minus sign (the web's rule held to the engine's for every document
 * type), and an approval refused as outdated never reads as a decision taken.
 */
import { signOf } from '../../../domain/recon/normalise';
import { DOC_TYPES } from '../../../domain/recon/types';
import { reportLine } from '../../../domain/recon/report-columns';
import { docSign, signedField, signedTax, signedTaxable } from '../../../web/src/lib/signed-amounts';
import { decisionLine } from '../../../web/src/lib/close-history';
import type { ResultRow } from '../../../domain/recon';

describe('the run page signs amounts as the exports do', () => {
  it('gives every document type the engine\'s sign', () => {
    // The engine's own list of types (a type added there is held here too), credit notes among them.
    const types = [...DOC_TYPES];
    expect(types.filter((t) => signOf(t) === -1).sort()).toEqual(['credit_note', 'isd_credit_note']);
    expect(types.map((t) => [t, docSign(t)])).toEqual(types.map((t) => [t, signOf(t)]));
  });

  it("shows a credit note's taxable value and tax negative, like the CSV's Taxable value (books)", () => {
    const note = { docType: 'credit_note', taxableValue: 1000, igst: 180, cgst: 0, sgst: 0, cess: 5, invoiceValue: 1185 };
    expect([signedTaxable(note), signedTax(note), signedField(note, note.invoiceValue)]).toEqual([-1000, -185, -1185]);
    expect(signedTaxable({ ...note, docType: 'invoice' })).toBe(1000);
    expect(signedTaxable(null)).toBeNull();
    // The export's line for the same document, in rupees from paise.
    const books = { supplierGstin: '29ABZPN4055M2ZM', docType: 'credit_note', invoiceNumberRaw: 'CN-1', invoiceDate: '2024-06-01', taxableValue: 100000, igst: 18000, cgst: 0, sgst: 0, cess: 500 };
    const line = reportLine({ id: 'x', category: 'missing_in_2b', reason: null, reasons: [], flags: [], hints: [], accepted: false, supplierGstin: books.supplierGstin, supplierName: 'S', books, portal: null, differences: [], itc: { atRisk: { igst: 0, cgst: 0, sgst: 0, cess: 0 }, missed: { igst: 0, cgst: 0, sgst: 0, cess: 0 } } } as unknown as ResultRow);
    expect(line.booksTaxable).toBe(signedTaxable({ ...books, taxableValue: books.taxableValue / 100 }));
  });
});

describe('the period history', () => {
  const decision = { by: { id: 'u2', email: 'manager2@example.in', role: 'manager' }, at: '2026-12-06T06:30:00Z', note: 'ok', selfApproved: false };

  it('says a stale approval was refused as outdated, not decided', () => {
    const line = decisionLine({ status: 'stale', decision }, false)!;
    expect(line).toBe("Approval by manager2@example.in on 06-12-2026 12:00 IST was refused as outdated: the period's imports or reconciliation changed after the request, so nothing was closed.");
    expect(line).not.toMatch(/Decided|“ok”/);
    expect(decisionLine({ status: 'stale', decision }, true)).toMatch(/^An approval on 06-12-2026 12:00 IST was refused as outdated/);
  });

  it('names the decision taken, with its note for the firm only', () => {
    expect(decisionLine({ status: 'approved', decision }, false)).toBe('Approved by manager2@example.in on 06-12-2026 12:00 IST: “ok”');
    expect(decisionLine({ status: 'rejected', decision: { ...decision, note: 'figures wrong' } }, true)).toBe('Rejected on 06-12-2026 12:00 IST');
    expect(decisionLine({ status: 'approved', decision: { ...decision, selfApproved: true } }, false)).toMatch(/\(self-approved\)$/);
    expect(decisionLine({ status: 'pending', decision: null }, false)).toBeNull();
  });

  it('says an abandoned request was decided by nobody, and reads a portal answer without the firm\'s people', () => {
    const abandoned = { ...decision, by: { id: '', email: 'system:period-close', role: 'system' }, note: 'the workflow ended' };
    expect(decisionLine({ status: 'abandoned', decision: abandoned }, false)).toBe('Abandoned on 06-12-2026 12:00 IST: its workflow ended without a decision, so nothing was decided.');
    // A client user's answer has no `by` or `note` at all.
    expect(decisionLine({ status: 'approved', decision: { at: decision.at } }, true)).toBe('Approved on 06-12-2026 12:00 IST');
  });
});
