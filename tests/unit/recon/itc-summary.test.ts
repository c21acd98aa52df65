import { reconcile, summariseRun, summariseSuppliers, CATEGORIES, CATEGORY_SIDES, FLAGS } from '../../../domain/recon';
import { generateReconData } from '../../../ops/bench/recon-data';
import { GOLDEN_CASES, goldenInputs } from '../../../ops/bench/recon-golden';
import { book, doc, twin, SUP_A, SUP_B, SUP_C } from './builders';

describe('ITC figures on a worked scenario (paise per head)', () => {
  // A: exact (IGST 180), B: mismatch books CGST/SGST 100+100 vs portal 90+90, C: missing in 2B (IGST 50),
  // D: missing in books (IGST 70), E: portal credit note missing in books (IGST 20), F: itcavl N pair (IGST 30),
  // G: duplicate of A in books, H: out of scope.
  const a = book({ rowRef: 'A', supplierGstin: SUP_A, invoiceNumberRaw: 'A', igst: 180_00 });
  const bB = book({ rowRef: 'B', supplierGstin: SUP_B, invoiceNumberRaw: 'B', igst: 0, cgst: 100_00, sgst: 100_00 });
  const c = book({ rowRef: 'C', supplierGstin: SUP_C, invoiceNumberRaw: 'C', igst: 50_00, taxableValue: 1_000_00 });
  const f = book({ rowRef: 'F', supplierGstin: SUP_C, invoiceNumberRaw: 'F', igst: 30_00, taxableValue: 2_000_00 });
  const g = book({ rowRef: 'G', supplierGstin: SUP_A, invoiceNumberRaw: 'A', igst: 180_00 });
  const h = book({ rowRef: 'H', supplierGstin: '', invoiceNumberRaw: 'H', igst: 40_00 });
  const pA = twin(a, { ref: 'pA' });
  const pB = twin(bB, { ref: 'pB', cgst: 90_00, sgst: 90_00 });
  const pD = doc({ ref: 'pD', supplierGstin: SUP_B, numberRaw: 'D', igst: 70_00, taxableValue: 3_000_00 });
  const pE = doc({ ref: 'pE', supplierGstin: SUP_A, numberRaw: 'E', docType: 'credit_note', section: 'cdnr', igst: 20_00, taxableValue: 4_000_00 });
  const pF = twin(f, { ref: 'pF', itcAvailable: false, itcUnavailableReason: 'P' });
  const r = reconcile([a, bB, c, f, g, h], [pA, pB, pD, pE, pF]);
  const cat = (ref: string) => r.results.find((x) => x.books?.rowRef === ref || x.portal?.ref === ref)!.category;

  it('classifies each row as designed', () => {
    expect([cat('A'), cat('B'), cat('C'), cat('pD'), cat('pE'), cat('F'), cat('G'), cat('H')]).toEqual([
      'exact_match', 'mismatch', 'missing_in_2b', 'missing_in_books', 'missing_in_books', 'exact_match', 'duplicate_in_books', 'out_of_scope',
    ]);
  });

  it('computes every figure', () => {
    const itc = r.summary.itc;
    expect(itc.as2b).toEqual({ igst: 180_00 + 70_00 - 20_00, cgst: 90_00, sgst: 90_00, cess: 0, total: 410_00 });
    expect(itc.notAvailable.total).toBe(30_00);
    expect(itc.books).toEqual({ igst: 180_00 + 50_00 + 30_00 + 180_00, cgst: 100_00, sgst: 100_00, cess: 0, total: 640_00 });
    expect(itc.matched).toEqual({ igst: 180_00, cgst: 90_00, sgst: 90_00, cess: 0, total: 360_00 });
    // at risk: C 50 + G 180 + B excess 10+10 + F (portal not available) 30 + E 20 (a 2B credit note
    // the books lack: credit to reverse, docs/reconciliation.md "Credit notes in 2B, not in the books")
    expect(itc.atRisk).toEqual({ igst: 50_00 + 180_00 + 30_00 + 20_00, cgst: 10_00, sgst: 10_00, cess: 0, total: 300_00 });
    // missed: D 70 only (a credit note is never negative "missed")
    expect(itc.missed).toEqual({ igst: 70_00, cgst: 0, sgst: 0, cess: 0, total: 70_00 });
    expect(itc.netDifference.total).toBe(640_00 - 410_00);
    expect(itc.toConfirm.total).toBe(0);
  });

  it('counts and totals per category, per side', () => {
    const s = r.summary;
    expect(s.books.exact_match.count).toBe(2);
    expect(s.portal.exact_match.count).toBe(2);
    expect(s.books.duplicate_in_books).toEqual({ count: 1, taxable: 100_000_00, tax: 180_00 });
    expect(s.portal.missing_in_books).toEqual({ count: 2, taxable: 3_000_00 - 4_000_00, tax: 70_00 - 20_00 });
    expect(s.books.out_of_scope.count).toBe(1);
    expect(s.books.all.count).toBe(6);
    expect(s.portal.all.count).toBe(5);
  });

  it('builds the supplier work list sorted by ITC at risk', () => {
    expect(r.suppliers.map((x) => x.supplierGstin)).toEqual([SUP_A, SUP_C, SUP_B, '']);
    const sa = r.suppliers[0]!;
    expect(sa.itcAtRisk).toBe(180_00 + 20_00);
    expect(sa.itcMissed).toBe(0);
    expect(sa.booksCounts.duplicate_in_books).toBe(1);
    expect(sa.portalCounts.missing_in_books).toBe(1);
    expect(sa.supplierName).toBe('ALPHA METALS PVT LTD');
    expect(sa.booksTax).toBe(360_00);
    expect(sa.portalTax).toBe(160_00);
    expect(sa.taxDifference).toBe(200_00);
    expect(sa.shareMatched).toBeCloseTo(180 / 160);
    const sb = r.suppliers.find((x) => x.supplierGstin === SUP_B)!;
    expect(sb.itcMatched).toBe(180_00);
    expect(sb.itcAtRisk).toBe(20_00);
  });
});

describe('stable codes', () => {
  it('keeps the category and flag codes of docs/reconciliation.md, "Categories"', () => {
    expect(CATEGORIES).toEqual([
      'exact_match', 'probable_match', 'mismatch', 'manual_match', 'missing_in_2b', 'missing_in_books', 'duplicate_in_books', 'out_of_scope', 'superseded',
    ]);
    expect(CATEGORY_SIDES.superseded).toBe('portal');
    expect(FLAGS).toEqual(expect.arrayContaining([
      'rejected_in_ims', 'amended', 'matched_on_original_number', 'period_shift', 'invalid_gstin', 'supplier_not_filed_3b',
      'supplier_cancelled', 'derived_amounts', 'books_date_fallback',
    ]));
  });
});

describe('summaries accumulated during matching equal the passes over the finished rows', () => {
  const date = (d: number) => `2024-06-${String(d).padStart(2, '0')}`;

  it('on a noisy generated dataset, shuffled, with supplier signals', () => {
    const data = generateReconData({ n: 3_000, seed: 11 });
    const books = [...data.books].reverse();
    const portal = data.portal.filter((_, i) => i % 3 !== 0).concat(data.portal.filter((_, i) => i % 3 === 0));
    const signals = { [data.books[0]!.supplierGstin]: { gstr3bFiled: false } };
    const r = reconcile(books, portal, { supplierSignals: signals });
    const opts = r.summary.options;
    expect(r.summary).toEqual(summariseRun(r.results, r.rejected, opts, r.warnings));
    expect(r.suppliers).toEqual(summariseSuppliers(r.results, signals));
  });

  it.each(GOLDEN_CASES.filter((c) => c.n <= 2_000).map((c) => [c.name, c] as const))(
    'on the golden inputs (bills of entry aggregated, ineligible books, imports, signals): %s',
    (_name, c) => {
      const { books, portal, options } = goldenInputs(c);
      const r = reconcile(books, portal, options);
      expect(r.summary).toEqual(summariseRun(r.results, r.rejected, r.summary.options, r.warnings));
      expect(r.suppliers).toEqual(summariseSuppliers(r.results, options.supplierSignals));
      // The figures these cases exist for are really there (not all zero).
      expect(r.summary.books.out_of_scope.count).toBeGreaterThan(0);
      expect(r.results.some((row) => row.booksRowRefs.length > 1)).toBe(true);
    },
  );

  it('names each supplier by its last portal name in result order, else its first books name', () => {
    // SUP_A: portal names differ by date; the later document's name wins whatever the input order.
    // SUP_B: books-only rows (first name in result order wins); SUP_C: a pair whose portal name is blank.
    const a1 = book({ rowRef: 'a1', supplierGstin: SUP_A, invoiceNumberRaw: 'A1', invoiceDate: date(3), supplierName: 'alpha books' });
    const a2 = book({ rowRef: 'a2', supplierGstin: SUP_A, invoiceNumberRaw: 'A2', invoiceDate: date(9), supplierName: 'alpha books' });
    const pa1 = twin(a1, { ref: 'pa1', supplierName: 'ALPHA OLD NAME' });
    const pa2 = twin(a2, { ref: 'pa2', supplierName: 'ALPHA NEW NAME' });
    const pa3 = doc({ ref: 'pa3', supplierGstin: SUP_A, numberRaw: 'A3', date: date(1), supplierName: 'ALPHA OLDEST' });
    const b1 = book({ rowRef: 'b1', supplierGstin: SUP_B, invoiceNumberRaw: 'B1', invoiceDate: date(7), supplierName: 'Beta Later' });
    const b2 = book({ rowRef: 'b2', supplierGstin: SUP_B, invoiceNumberRaw: 'B2', invoiceDate: date(2), supplierName: 'Beta Earlier' });
    const c1 = book({ rowRef: 'c1', supplierGstin: SUP_C, invoiceNumberRaw: 'C1', supplierName: 'Gamma Books' });
    const pc1 = twin(c1, { ref: 'pc1', supplierName: '' });
    for (const [bs, ps] of [[[a1, a2, b1, b2, c1], [pa1, pa2, pa3, pc1]], [[c1, b2, b1, a2, a1], [pc1, pa3, pa2, pa1]]] as const) {
      const r = reconcile(bs, ps);
      const name = (g: string) => r.suppliers.find((s) => s.supplierGstin === g)!.supplierName;
      expect([name(SUP_A), name(SUP_B), name(SUP_C)]).toEqual(['ALPHA NEW NAME', 'Beta Earlier', 'Gamma Books']);
      expect(r.suppliers).toEqual(summariseSuppliers(r.results));
    }
  });
});

describe('result rows are decided by the match and built on demand', () => {
  it('rowsBetween gives the same rows, in the same order, in any batches, before and after `results` is read', () => {
    const data = generateReconData({ n: 1_500, seed: 21 });
    const r = reconcile(data.books, data.portal);
    const batches = [];
    for (let from = 0; from < r.rowCount; from += 97) batches.push(...r.rowsBetween(from, from + 97));
    expect(r.rowCount).toBeGreaterThan(1_500);
    expect(batches).toHaveLength(r.rowCount);
    // Built before `results` was read: new objects, equal to the rows `results` then builds.
    const all = r.results;
    expect(all).toHaveLength(r.rowCount);
    expect(batches).toEqual(all);
    expect(batches[0]).not.toBe(all[0]);
    // Once read, `results` is kept and batches are its slices.
    expect(r.results).toBe(all);
    expect(r.rowsBetween(10, 20)).toEqual(all.slice(10, 20));
    expect(r.rowsBetween(10, 20)[0]).toBe(all[10]);
    expect(r.rowsBetween(r.rowCount - 3, r.rowCount + 50)).toHaveLength(3);
    expect(r.rowsBetween(-5, 0)).toEqual([]);
  });

  it('`results` is an ordinary enumerable field: spread and JSON carry the rows', () => {
    const data = generateReconData({ n: 200, seed: 22 });
    const r = reconcile(data.books, data.portal);
    expect(Object.keys(r)).toContain('results');
    expect({ ...r }.results).toHaveLength(r.rowCount);
    expect((JSON.parse(JSON.stringify(r)) as { results: unknown[] }).results).toHaveLength(r.rowCount);
  });
});
