/**
 * The pure parts of supplier chases: when a later GSTR-2B shows a chased document (a missing one by
 * supplier, number and kind; a mismatched one only with the books' amounts), and the letter (whose
 * books, what to do in GSTR-1, no link).
 */
import { renderSupplierChase, shownInReason, showsChasedDocument, type ChasedDocument } from '../../../domain/follow-ups';
import type { PortalDoc } from '../../../domain/recon';

const SUPPLIER = '27AAAPL1234C1Z5';
const chased = (over: Partial<ChasedDocument> = {}): ChasedDocument => ({ supplierGstin: SUPPLIER, category: 'missing_in_2b', number: 'INV/24-25/017', credit: false, taxableValue: 100_000, igst: 18_000, cgst: 0, sgst: 0, cess: 0, ...over });
const doc = (over: Partial<PortalDoc> = {}): PortalDoc =>
  ({ ref: 'r', section: 'b2b', period: '2024-07', supplierGstin: SUPPLIER, supplierName: 'Lakshmi Traders', docType: 'invoice', numberRaw: 'INV/24-25/017', date: '2024-06-20', invoiceValue: 118_000, taxableValue: 100_000, igst: 18_000, cgst: 0, sgst: 0, cess: 0, reverseCharge: false, itcAvailable: true, ...over }) as PortalDoc;

describe('showsChasedDocument', () => {
  it('shows a missing document by supplier, number (case and spaces aside) and kind', () => {
    expect(showsChasedDocument(doc(), chased())).toBe(true);
    expect(showsChasedDocument(doc({ numberRaw: ' inv/24-25/017 ' }), chased())).toBe(true);
    expect(showsChasedDocument(doc({ numberRaw: 'INV/24-25/018' }), chased())).toBe(false);
    expect(showsChasedDocument(doc({ supplierGstin: '29AAAPL1234C1Z1' }), chased())).toBe(false);
    expect(showsChasedDocument(doc({ docType: 'credit_note' }), chased())).toBe(false);
    expect(showsChasedDocument(doc({ taxableValue: 1 }), chased())).toBe(true);
    expect(showsChasedDocument(doc({ numberRaw: '' }), chased({ number: '' }))).toBe(false);
  });

  it('shows a mismatched document only when the 2B carries the books\' amounts (within a rupee)', () => {
    const wrong = chased({ category: 'mismatch' });
    expect(showsChasedDocument(doc({ taxableValue: 90_000 }), wrong)).toBe(false);
    expect(showsChasedDocument(doc({ igst: 0, cgst: 9_000, sgst: 9_000 }), wrong)).toBe(false);
    expect(showsChasedDocument(doc({ taxableValue: 100_050 }), wrong)).toBe(true);
    expect(showsChasedDocument(doc(), wrong)).toBe(true);
  });

  it('names the period in the reason', () => {
    expect(shownInReason('2024-07')).toBe('shown in GSTR-2B 2024-07');
  });
});

describe('renderSupplierChase', () => {
  const letter = renderSupplierChase({
    firmName: 'Mehta & Co',
    client: { name: 'Asha <Foods>', gstin: '27ABCDE1234F1ZW', email: 'accounts@asha.example' },
    supplier: { name: 'Lakshmi Traders', gstin: SUPPLIER },
    contact: { name: 'Ravi', email: 'ravi@mehta.example' },
    kind: 'initial',
    items: ['Your invoice INV/24-25/017 of 20-06-2024: not in our GSTR-2B: please report it in your GSTR-1 (or IFF).'],
    attachments: ['reconciliation-27ABCDE1234F1ZW-2024-06-27AAAPL1234C1Z5.xlsx'],
  });

  it('says whose books these are, what to do in GSTR-1, and where replies go; it has no link', () => {
    expect(letter.subject).toContain('Asha <Foods> (GSTIN 27ABCDE1234F1ZW)');
    expect(letter.text).toContain('Dear Lakshmi Traders (GSTIN 27AAAPL1234C1Z5)');
    expect(letter.text).toContain('Mehta & Co writes on behalf of Asha <Foods> (GSTIN 27ABCDE1234F1ZW)');
    expect(letter.text).toContain('report the missing ones in your GSTR-1');
    expect(letter.text).toContain('INV/24-25/017');
    expect(letter.text).toContain('Attached: reconciliation-27ABCDE1234F1ZW-2024-06-27AAAPL1234C1Z5.xlsx');
    expect(letter.text).toContain('Replies reach Asha <Foods> <accounts@asha.example>');
    expect(letter.text).not.toMatch(/https?:\/\//);
    expect(letter.html).not.toMatch(/href=/);
    expect(letter.html).toContain('Asha &lt;Foods&gt;');
  });
});
