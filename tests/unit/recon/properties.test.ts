import fc from 'fast-check';
import { reconcile, signOf, type BooksRow, type DocType, type PortalDoc } from '../../../domain/recon';
import { SUP_A, SUP_A_KA, SUP_A_TYPO, SUP_B, SUP_C } from './builders';

const SUPPLIERS = [SUP_A, SUP_A_KA, SUP_B, SUP_C, SUP_A_TYPO, ''];
const TYPES: DocType[] = ['invoice', 'invoice', 'invoice', 'credit_note', 'debit_note', 'isd_invoice'];

function isoFromOffset(days: number): string {
  // 2024-03-15 + days: crosses the FY boundary on purpose.
  return new Date(Date.UTC(2024, 2, 15) + days * 86_400_000).toISOString().slice(0, 10);
}

const numberArb = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 25 })).map(([fmt, n]) =>
  [`INV-${n}`, `0${n}`, `S/24-25/${n}`, String(n), `inv ${n}.`][fmt]!);

const amountsArb = fc.record({
  taxable: fc.integer({ min: 0, max: 5_000_000 }),
  intra: fc.boolean(),
  tax: fc.integer({ min: 0, max: 900_000 }),
  cess: fc.constantFrom(0, 0, 0, 1_000),
});

const commonArb = fc.record({
  supplier: fc.constantFrom(...SUPPLIERS),
  docType: fc.constantFrom(...TYPES),
  number: numberArb,
  day: fc.integer({ min: 0, max: 40 }),
  amounts: amountsArb,
  rcm: fc.boolean(),
  flag: fc.integer({ min: 0, max: 9 }),
});

type C = typeof commonArb extends fc.Arbitrary<infer T> ? T : never;

function heads(a: C['amounts']): { igst: number; cgst: number; sgst: number; cess: number } {
  return a.intra ? { igst: 0, cgst: a.tax, sgst: a.tax, cess: a.cess } : { igst: a.tax * 2, cgst: 0, sgst: 0, cess: a.cess };
}

function toBooks(c: C, i: number): BooksRow {
  return {
    rowRef: `b:${i}`, supplierGstin: c.supplier, docType: c.docType, invoiceNumberRaw: c.number, invoiceDate: isoFromOffset(c.day),
    taxableValue: c.amounts.taxable, ...heads(c.amounts), reverseCharge: c.rcm, itcEligible: c.flag !== 0,
  };
}

function toPortal(c: C, i: number): PortalDoc {
  const date = isoFromOffset(c.day);
  const d: PortalDoc = {
    ref: `p:${i}`, section: c.docType === 'credit_note' || c.docType === 'debit_note' ? 'cdnr' : c.docType === 'isd_invoice' ? 'isd' : 'b2b',
    period: '2024-04', supplierGstin: c.supplier || SUP_B, supplierName: '', docType: c.docType, numberRaw: c.number, date,
    invoiceValue: 0, taxableValue: c.amounts.taxable, ...heads(c.amounts), reverseCharge: c.rcm, itcAvailable: c.flag !== 1, diffPercent: 1,
  };
  if (c.flag === 2) d.rejected = true;
  if (c.flag === 3) d.original = { number: `INV-${(i % 25) + 1}`, date: isoFromOffset(Math.max(0, c.day - 3)) };
  return d;
}

const datasetArb = fc.tuple(fc.array(commonArb, { maxLength: 40 }), fc.array(commonArb, { maxLength: 40 }))
  .map(([bs, ps]) => ({ books: bs.map(toBooks), portal: ps.map(toPortal) }));

function tax(d: { igst: number; cgst: number; sgst: number; cess: number }): number {
  return d.igst + d.cgst + d.sgst + d.cess;
}

function shuffle<T>(arr: readonly T[], keys: readonly number[]): T[] {
  return arr.map((v, i) => [keys[i % Math.max(1, keys.length)]! + i / 1e6, v] as const).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
}

describe('properties', () => {
  it('a dataset reconciled against itself is all exact matches', () => {
    fc.assert(fc.property(fc.array(commonArb, { maxLength: 60 }), (cs) => {
      // Unique numbers per row and some tax, so every row is in scope and not a duplicate.
      const books = cs.map((c, i) => toBooks({ ...c, supplier: c.supplier || SUP_B, number: `${c.number}-${i}`, amounts: { ...c.amounts, tax: c.amounts.tax + 1 } }, i));
      const portal = books.map((b, i): PortalDoc => ({
        ref: `p:${i}`, section: 'b2b', period: b.invoiceDate.slice(0, 7), supplierGstin: b.supplierGstin, supplierName: '', docType: b.docType,
        numberRaw: b.invoiceNumberRaw, date: b.invoiceDate, invoiceValue: 0, taxableValue: b.taxableValue, igst: b.igst, cgst: b.cgst,
        sgst: b.sgst, cess: b.cess, reverseCharge: b.reverseCharge, itcAvailable: true, diffPercent: 1,
      }));
      const r = reconcile(books, portal);
      expect(r.results).toHaveLength(books.length);
      for (const row of r.results) expect(row.category).toBe('exact_match');
      expect(r.summary.itc.atRisk.total).toBe(0);
      expect(r.summary.itc.missed.total).toBe(0);
      expect(r.summary.itc.matched.total).toBe(r.summary.itc.as2b.total);
    }), { numRuns: 150 });
  });

  it('shuffling the input rows changes nothing', () => {
    fc.assert(fc.property(datasetArb, fc.array(fc.integer(), { minLength: 1, maxLength: 50 }), ({ books, portal }, keys) => {
      const a = reconcile(books, portal);
      const b = reconcile(shuffle(books, keys), shuffle(portal, [...keys].reverse()));
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    }), { numRuns: 200 });
  });

  it('every input appears exactly once and per-side counts and totals add up', () => {
    fc.assert(fc.property(datasetArb, ({ books, portal }) => {
      const r = reconcile(books, portal);
      // Books: each rowRef once (bills of entry may aggregate, so count through booksRowRefs).
      const bookRefs = r.results.flatMap((x) => x.booksRowRefs).sort();
      expect(bookRefs).toEqual(books.map((b) => b.rowRef).sort());
      const portalRefs = [...r.results.flatMap((x) => (x.portal ? [x.portal.ref] : [])), ...r.rejected.map((d) => d.ref)].sort();
      expect(portalRefs).toEqual(portal.map((p) => p.ref).sort());
      expect(r.summary.input).toEqual({ booksRows: books.length, portalDocuments: portal.length });
      expect(r.summary.books.all.count).toBe(books.length);
      // Side totals equal the inputs' signed totals, category by category summed.
      const booksTax = books.reduce((s, b) => s + signOf(b.docType) * tax(b), 0);
      expect(r.summary.books.all.tax).toBe(booksTax);
      const live = portal.filter((p) => !p.rejected);
      expect(r.summary.portal.all.tax).toBe(live.reduce((s, p) => s + signOf(p.docType) * tax(p), 0));
      expect(r.summary.portal.all.taxable).toBe(live.reduce((s, p) => s + signOf(p.docType) * p.taxableValue, 0));
      // docs/reconciliation.md, "ITC figures": the portal side splits into available, not available
      // and superseded.
      const supersededTax = r.summary.portal.superseded.tax;
      expect(r.summary.itc.as2b.total + r.summary.itc.notAvailable.total + supersededTax).toBe(r.summary.portal.all.tax);
      // Books ITC = all books tax minus out-of-scope and blocked rows.
      const blocked = r.results.filter((x) => x.books && x.category !== 'out_of_scope' && x.books.itcEligible === false)
        .reduce((s, x) => s + signOf(x.books!.docType) * tax(x.books!), 0);
      expect(r.summary.itc.books.total + r.summary.books.out_of_scope.tax + blocked).toBe(booksTax);
      expect(r.summary.itc.netDifference.total).toBe(r.summary.itc.books.total - r.summary.itc.as2b.total);
      expect(r.summary.rejected.count).toBe(portal.length - live.length);
      // Supplier view adds up to the run.
      expect(r.suppliers.reduce((s, x) => s + x.itcAtRisk, 0)).toBe(r.summary.itc.atRisk.total);
      expect(r.suppliers.reduce((s, x) => s + x.itcMissed, 0)).toBe(r.summary.itc.missed.total);
      const supplierBookCount = r.suppliers.reduce((s, x) => s + Object.values(x.booksCounts).reduce((a, b) => a + b, 0), 0);
      expect(supplierBookCount).toBe(r.results.filter((x) => x.books).length);
      // Paired rows never mix an invoice family with a credit-note family.
      for (const row of r.results) {
        if (row.books && row.portal) expect(signOf(row.books.docType)).toBe(signOf(row.portal.docType));
      }
      // Suppliers are sorted by ITC at risk, largest first.
      for (let i = 1; i < r.suppliers.length; i += 1) expect(r.suppliers[i - 1]!.itcAtRisk).toBeGreaterThanOrEqual(r.suppliers[i]!.itcAtRisk);
    }), { numRuns: 200 });
  });
});
