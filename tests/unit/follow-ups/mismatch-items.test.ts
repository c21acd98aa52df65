/** What a mismatch follow-up asks the client (domain/follow-ups/mismatch-items.ts) and how its message names the attachments. */
import { isChased, mismatchItemDescription, mismatchTitle, renderClientReminder, ITEM_TEXT_MAX } from '../../../domain/follow-ups';
import type { ResultRow } from '../../../domain/recon';

const portal = { numberRaw: 'INV/24-25/000123', date: '2024-06-12', docType: 'invoice', taxableValue: 10_000_00, igst: 1_800_00, cgst: 0, sgst: 0, cess: 0 };
const books = { invoiceNumberRaw: 'inv 123', invoiceDate: '2024-06-12', docType: 'invoice', taxableValue: 10_000_00, igst: 0, cgst: 900_00, sgst: 900_00, cess: 0 };

function row(over: Partial<ResultRow>): ResultRow {
  return { id: 'r1', category: 'missing_in_books', supplierGstin: '27AAACA1234A1Z5', supplierName: 'Acme Traders', books: null, portal, differences: [], ...over } as unknown as ResultRow;
}

describe('mismatch follow-up items', () => {
  it('describes a document missing in the books with the supplier, its number, date and amounts, and what to do', () => {
    const text = mismatchItemDescription(row({}) as ResultRow & { category: 'missing_in_books' });
    expect(text).toBe(
      "Acme Traders (27AAACA1234A1Z5): invoice INV/24-25/000123 of 12-06-2024, taxable ₹10,000.00, tax ₹1,800.00. In the supplier's GSTR-1 but not in your purchase books: please send us a copy of the bill, or tell us why it is not yours.",
    );
  });

  it('names each material difference of a mismatch with both values', () => {
    const differences = [
      { field: 'igst', books: 0, portal: 1_800_00, delta: 1_800_00, material: true },
      { field: 'cgst', books: 900_00, portal: 0, delta: -900_00, material: true },
      { field: 'invoiceNumber', books: 'inv 123', portal: 'INV/24-25/000123', delta: null, material: false },
    ];
    const text = mismatchItemDescription(row({ category: 'mismatch', books, differences } as unknown as Partial<ResultRow>) as ResultRow & { category: 'mismatch' });
    expect(text).toContain('IGST: supplier ₹1,800.00, your books ₹0.00; CGST: supplier ₹0.00, your books ₹900.00');
    expect(text).not.toContain('inv 123');
    expect(text).toContain('ask the supplier to amend');
  });

  it('keeps an item within the checklist limit', () => {
    const text = mismatchItemDescription(row({ supplierName: 'A'.repeat(600) }) as ResultRow & { category: 'missing_in_books' });
    expect(text.length).toBe(ITEM_TEXT_MAX);
    expect(text.endsWith('…')).toBe(true);
  });

  it('chases missing-in-books and mismatches, never rows a reviewer ignored or other categories', () => {
    expect(isChased(row({}))).toBe(true);
    expect(isChased(row({ category: 'mismatch' }))).toBe(true);
    expect(isChased(row({ userStatus: 'ignored' }))).toBe(false);
    expect(isChased(row({ category: 'missing_in_2b' }))).toBe(false);
    expect(isChased(row({ category: 'exact_match' }))).toBe(false);
  });

  it('titles the request by the suppliers and the period', () => {
    expect(mismatchTitle([{ name: 'Acme Traders', gstin: 'X' }], '2024-06')).toBe('Purchase bills to check for June 2024: Acme Traders');
    expect(mismatchTitle([{ name: 'A', gstin: 'X' }, { name: '', gstin: '27B' }, { name: 'C', gstin: 'Z' }, { name: 'D', gstin: 'W' }], '2024-06')).toBe('Purchase bills to check for June 2024: A, 27B and 2 more');
  });

  it("says in the message which statements are attached, beside that request's items", () => {
    const email = renderClientReminder({
      firmName: 'Iyer & Co',
      clientName: 'Meridian',
      contact: { name: 'Sita', email: 'sita@firm.test' },
      unsubscribeUrl: 'https://app.test/u',
      kind: 'initial',
      sections: [
        { title: 'Bills', dueDate: '2026-12-18', link: 'https://app.test/r/a', items: [{ description: 'Doc 1', period: '2024-06' }], attachments: ['reconciliation-X-2024-06-Y.xlsx'] },
        { title: 'Bank', dueDate: '2026-12-20', link: 'https://app.test/r/b', items: [{ description: 'Statement', period: null }] },
      ],
    });
    expect(email.text).toMatch(/Doc 1 — June 2024\n {2}Attached: reconciliation-X-2024-06-Y\.xlsx, the supplier's statement/);
    expect(email.text.match(/Attached:/g)).toHaveLength(1);
    expect(email.html).toContain('Attached: reconciliation-X-2024-06-Y.xlsx');
  });
});
