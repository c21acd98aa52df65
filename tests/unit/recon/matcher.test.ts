import { reconcile, type ResultRow, type ReconcileResult } from '../../../domain/recon';
import { book, doc, twin, SUP_A, SUP_A_KA, SUP_A_TYPO, SUP_B, SUP_C } from './builders';

function rowOf(r: ReconcileResult, ref: string): ResultRow {
  const row = r.results.find((x) => x.books?.rowRef === ref || x.portal?.ref === ref);
  if (!row) throw new Error(`no result row for ${ref}`);
  return row;
}

describe('P1 exact key', () => {
  it('pairs an identical document as exact_match with the portal tax as matched ITC', () => {
    const b = book();
    const p = twin(b);
    const r = reconcile([b], [p]);
    expect(r.results).toHaveLength(1);
    const row = r.results[0]!;
    expect(row.category).toBe('exact_match');
    expect(row.pass).toBe('P1');
    expect(row.accepted).toBe(true);
    expect(row.differences).toEqual([]);
    expect(row.itc.matched.igst).toBe(18_000_00);
    expect(row.itc.atRisk).toEqual({ igst: 0, cgst: 0, sgst: 0, cess: 0 });
  });

  it('treats case and whitespace as the same clean key', () => {
    const b = book({ invoiceNumberRaw: ' inv - 1. ' });
    const r = reconcile([b], [twin(b, { numberRaw: 'INV-1' })]);
    expect(r.results[0]!.category).toBe('exact_match');
  });

  it('keeps two suppliers with the same invoice number apart', () => {
    const ba = book({ supplierGstin: SUP_A, invoiceNumberRaw: '101', igst: 1800_00 });
    const bb = book({ supplierGstin: SUP_B, invoiceNumberRaw: '101', igst: 3600_00, taxableValue: 200_000_00 });
    const pa = twin(ba);
    const pb = twin(bb);
    const r = reconcile([ba, bb], [pb, pa]);
    expect(rowOf(r, ba.rowRef).portal!.ref).toBe(pa.ref);
    expect(rowOf(r, bb.rowRef).portal!.ref).toBe(pb.ref);
    expect(r.results.every((x) => x.category === 'exact_match')).toBe(true);
  });

  it('never cross-pairs two same-amount invoices while their real partners exist', () => {
    const b1 = book({ invoiceNumberRaw: 'S-1', invoiceDate: '2024-06-01' });
    const b2 = book({ invoiceNumberRaw: 'S-2', invoiceDate: '2024-06-01' });
    const p1 = twin(b1, { date: '2024-06-09' }); // real partner of b1, dated 8 days later
    const p2 = twin(b2);
    const r = reconcile([b1, b2], [p1, p2]);
    expect(rowOf(r, b1.rowRef).portal!.ref).toBe(p1.ref);
    expect(rowOf(r, b2.rowRef).portal!.ref).toBe(p2.ref);
  });
});

describe('P2 canonical key', () => {
  it.each([
    ['INV/24-25/0012', 'INV12'],
    ['MS/24-25/0101', 'ms-2024-25-101'],
    ['0012', '12'],
    ['INV/23-24/5', 'INV-5'], // neighbour FY token (series carried across year-end)
    ['BILL-2024/25-7', 'bill 7'],
    ['A-101/2024-25', 'A101'], // FY suffix
    ['0101/2425', '101'],
  ])('pairs %s with %s as an accepted probable match', (bn, pn) => {
    const b = book({ invoiceNumberRaw: bn });
    const r = reconcile([b], [twin(b, { numberRaw: pn })]);
    const row = r.results[0]!;
    expect(row.category).toBe('probable_match');
    expect(row.reason).toBe('canonical_number');
    expect(row.pass).toBe('P2');
    expect(row.accepted).toBe(true);
    expect(row.differences.map((d) => d.field)).toEqual(['invoiceNumber']);
  });

  it('pairs across adjacent financial years only inside the date window', () => {
    const b = book({ invoiceNumberRaw: 'S-9', invoiceDate: '2025-03-30' });
    const near = reconcile([b], [twin(b, { date: '2025-04-02' })]);
    expect(near.results[0]!.category).toBe('probable_match');
    expect(near.results[0]!.pass).toBe('P2');
    const far = reconcile([b], [twin(b, { date: '2025-04-20', taxableValue: 90_000_00 })]);
    expect(far.results.map((x) => x.category).sort()).toEqual(['missing_in_2b', 'missing_in_books']);
  });
});

describe('look-alike numbers', () => {
  it.each([
    ['12', '120'],
    ['SI/1', 'SI/10'],
    ['100', '1000'],
  ])('%s and %s are never a number match (at best an unconfirmed amount-only guess)', (bn, pn) => {
    const b = book({ invoiceNumberRaw: bn });
    const r = reconcile([b], [twin(b, { numberRaw: pn })]);
    const row = r.results[0]!;
    expect(row.pass).toBe('P5');
    expect(row.reason).toBe('amount_only');
    expect(row.accepted).toBe(false);
  });

  it('with a second equal-amount candidate, 12 vs 120 stays unmatched on both sides', () => {
    const b = book({ invoiceNumberRaw: '12' });
    const r = reconcile([b], [twin(b, { numberRaw: '120' }), twin(b, { numberRaw: '121' })]);
    expect(rowOf(r, b.rowRef).category).toBe('missing_in_2b');
    expect(r.results.filter((x) => x.category === 'missing_in_books')).toHaveLength(2);
  });
});

describe('P3 amended original', () => {
  it('pairs books that still carry the old number with the amendment, unconfirmed', () => {
    const b = book({ invoiceNumberRaw: 'INV-5', invoiceDate: '2024-05-10' });
    const amended = twin(b, { section: 'b2ba', period: '2024-07', numberRaw: 'INV-5A', original: { number: 'INV-5', date: '2024-05-10' } });
    const r = reconcile([b], [amended]);
    const row = r.results[0]!;
    expect(row.pass).toBe('P3');
    expect(row.category).toBe('probable_match');
    expect(row.reason).toBe('amended_original');
    expect(row.accepted).toBe(false);
    expect(row.flags).toEqual(expect.arrayContaining(['matched_on_original_number', 'amended', 'period_shift']));
  });
});

describe('amendments supersede originals (docs/reconciliation.md, "Special documents")', () => {
  it('moves the pairing to the amendment and reports the ITC delta', () => {
    const b = book({ invoiceNumberRaw: 'INV-5', invoiceDate: '2024-05-10' });
    const original = twin(b, { period: '2024-05', ref: '2024-05:b2b:orig' });
    const amended = twin(b, {
      section: 'b2ba', period: '2024-07', ref: '2024-07:b2ba:amd', igst: 16_200_00, taxableValue: 90_000_00,
      original: { number: 'INV-5', date: '2024-05-10' },
    });
    const r = reconcile([b], [original, amended]);
    const sup = rowOf(r, original.ref);
    expect(sup.category).toBe('superseded');
    expect(sup.relatedRef).toBe(amended.ref);
    const paired = rowOf(r, b.rowRef);
    expect(paired.portal!.ref).toBe(amended.ref);
    expect(paired.category).toBe('mismatch'); // books not corrected
    expect(paired.amendmentDelta!.igst).toBe(-1_800_00);
    expect(r.summary.itc.amendmentDelta.igst).toBe(-1_800_00);
    // The superseded original is out of every ITC count.
    expect(r.summary.itc.as2b.igst).toBe(16_200_00);
    expect(sup.itc.missed.igst).toBe(0);
  });

  it('an amendment with the same amounts turns the pair into an exact match flagged amended', () => {
    const b = book({ invoiceNumberRaw: 'INV-6' });
    const original = twin(b, { period: '2024-05' });
    const amended = twin(b, { section: 'b2ba', original: { number: 'INV-6', date: b.invoiceDate } });
    const r = reconcile([b], [original, amended]);
    const paired = rowOf(r, b.rowRef);
    expect(paired.category).toBe('exact_match');
    expect(paired.flags).toContain('amended');
  });
});

describe('P4 fuzzy number', () => {
  it('pairs a one-edit number (same tail length) as an unconfirmed fuzzy match', () => {
    const b = book({ invoiceNumberRaw: 'INV1001' });
    const r = reconcile([b], [twin(b, { numberRaw: 'INV1010' }), doc({ numberRaw: 'X-77', igst: 1_00_00 })]);
    const row = rowOf(r, b.rowRef);
    expect(row.pass).toBe('P4');
    expect(row.reason).toBe('fuzzy_number');
    expect(row.accepted).toBe(false);
  });

  it('pairs a books serial with the full portal number on the numeric tail', () => {
    const b = book({ invoiceNumberRaw: '2186', invoiceDate: '2018-11-02' });
    const r = reconcile([b], [twin(b, { numberRaw: 'TRI/18-19/2186' }), doc({ numberRaw: 'Z', igst: 5_00, date: '2018-11-02' })]);
    expect(rowOf(r, b.rowRef).reason).toBe('fuzzy_number');
  });

  it('pairs none of two equally good candidates', () => {
    const b = book({ invoiceNumberRaw: 'INV15' });
    const r = reconcile([b], [twin(b, { numberRaw: 'INV16' }), twin(b, { numberRaw: 'INV14' })]);
    expect(rowOf(r, b.rowRef).category).toBe('missing_in_2b');
  });

  it('needs the dates inside the window: 10 days pairs, 11 days does not', () => {
    const b = book({ invoiceNumberRaw: 'INV1001', invoiceDate: '2024-06-05' });
    const other = doc({ numberRaw: 'ZZ-1', igst: 7_00 });
    const in10 = reconcile([b], [twin(b, { numberRaw: 'INV1010', date: '2024-06-15' }), other]);
    expect(rowOf(in10, b.rowRef).pass).toBe('P4');
    const in11 = reconcile([b], [twin(b, { numberRaw: 'INV1010', date: '2024-06-16' }), other]);
    expect(rowOf(in11, b.rowRef).category).toBe('missing_in_2b');
  });
});

describe('P5 amount only', () => {
  it('pairs a books row without a number with the unique same-amount document, unconfirmed', () => {
    const b = book({ invoiceNumberRaw: '' });
    const r = reconcile([b], [twin(b, { numberRaw: 'ANY/77' })]);
    const row = r.results[0]!;
    expect(row.category).toBe('probable_match');
    expect(row.reason).toBe('amount_only');
    expect(row.accepted).toBe(false);
    expect(r.summary.itc.toConfirm.igst).toBe(18_000_00);
    expect(r.summary.itc.matched.igst).toBe(0);
  });
});

describe('P6 PAN level and invalid GSTINs', () => {
  it('pairs a books row posted under another branch of the same PAN as a GSTIN mismatch', () => {
    const b = book({ supplierGstin: SUP_A_KA });
    const r = reconcile([b], [twin(b, { supplierGstin: SUP_A })]);
    const row = r.results[0]!;
    expect(row.pass).toBe('P6');
    expect(row.category).toBe('mismatch');
    expect(row.reason).toBe('supplierGstin');
    expect(row.differences.find((d) => d.field === 'supplierGstin')).toMatchObject({ books: SUP_A_KA, portal: SUP_A });
  });

  it('pairs a books GSTIN with a check-character typo at PAN level and flags it invalid', () => {
    const b = book({ supplierGstin: SUP_A_TYPO });
    const r = reconcile([b], [twin(b, { supplierGstin: SUP_A })]);
    const row = r.results[0]!;
    expect(row.category).toBe('mismatch');
    expect(row.flags).toContain('invalid_gstin');
    expect(r.warnings.some((w) => w.code === 'invalid_gstin')).toBe(true);
  });

  it('keeps portal documents whose supplier GSTIN fails the check digit (warning only)', () => {
    const b = book({ supplierGstin: SUP_A_TYPO });
    const r = reconcile([b], [twin(b)]);
    expect(r.results[0]!.category).toBe('exact_match');
    expect(r.results[0]!.flags).toContain('invalid_gstin');
    expect(r.warnings.filter((w) => w.code === 'invalid_gstin')).toHaveLength(2); // one per side
  });

  it('a garbage books GSTIN stays in the run as missing_in_2b with the flag', () => {
    const b = book({ supplierGstin: '27AAJ' });
    const r = reconcile([b], []);
    expect(r.results[0]!.category).toBe('missing_in_2b');
    expect(r.results[0]!.flags).toContain('invalid_gstin');
  });
});

describe('tolerances at their exact boundaries', () => {
  it.each(['taxableValue', 'igst'] as const)('%s: ₹1.00 off is a rounding probable match, ₹1.01 is a mismatch', (field) => {
    const b = book();
    const ok = reconcile([b], [twin(b, { [field]: b[field] + 100 })]);
    expect(ok.results[0]!.category).toBe('probable_match');
    expect(ok.results[0]!.reason).toBe('rounding');
    expect(ok.results[0]!.accepted).toBe(true);
    const bad = reconcile([b], [twin(b, { [field]: b[field] + 101 })]);
    expect(bad.results[0]!.category).toBe('mismatch');
    expect(bad.results[0]!.reason).toBe(field);
  });

  it('one paisa is equality', () => {
    const b = book();
    expect(reconcile([b], [twin(b, { igst: b.igst + 1 })]).results[0]!.category).toBe('exact_match');
  });

  it('honours a configured tolerance', () => {
    const b = book();
    const r = reconcile([b], [twin(b, { igst: b.igst + 500 })], { amountTolerance: 500 });
    expect(r.results[0]!.category).toBe('probable_match');
  });

  it('same-number dates: 10 days apart is probable, 11 days is a date mismatch', () => {
    const b = book({ invoiceDate: '2024-06-05' });
    const d10 = reconcile([b], [twin(b, { date: '2024-06-15' })]).results[0]!;
    expect(d10.category).toBe('probable_match');
    expect(d10.reason).toBe('date_within_window');
    const d11 = reconcile([b], [twin(b, { date: '2024-06-16' })]).results[0]!;
    expect(d11.category).toBe('mismatch');
    expect(d11.reason).toBe('invoiceDate');
    expect(d11.differences.find((d) => d.field === 'invoiceDate')!.delta).toBe(-11);
  });

  it('honours a configured date window', () => {
    const b = book({ invoiceDate: '2024-06-05' });
    expect(reconcile([b], [twin(b, { date: '2024-06-08' })], { dateWindowDays: 2 }).results[0]!.category).toBe('mismatch');
  });
});

describe('material differences', () => {
  it('tax under different heads is a mismatch', () => {
    const b = book({ igst: 0, cgst: 9_000_00, sgst: 9_000_00 });
    const row = reconcile([b], [twin(b, { igst: 18_000_00, cgst: 0, sgst: 0 })]).results[0]!;
    expect(row.category).toBe('mismatch');
    expect(row.differences.map((d) => d.field)).toContain('taxHeads');
    // Lower of the two per head is matched; books excess at risk; portal excess missed.
    expect(row.itc.matched).toEqual({ igst: 0, cgst: 0, sgst: 0, cess: 0 });
    expect(row.itc.atRisk.cgst).toBe(9_000_00);
    expect(row.itc.missed.igst).toBe(18_000_00);
  });

  it('place of supply differs → mismatch', () => {
    const b = book({ placeOfSupply: '27' });
    const row = reconcile([b], [twin(b, { placeOfSupply: '29' })]).results[0]!;
    expect(row.category).toBe('mismatch');
    expect(row.reason).toBe('placeOfSupply');
  });
});

describe('credit and debit notes', () => {
  it('pairs a credit note only with a credit note, and it subtracts', () => {
    const inv = book({ invoiceNumberRaw: 'S/101' });
    const cn = book({ invoiceNumberRaw: 'S/101', docType: 'credit_note', taxableValue: 10_000_00, igst: 1_800_00 });
    const pInv = twin(inv);
    const pCn = twin(cn);
    const r = reconcile([cn, inv], [pCn, pInv]);
    expect(rowOf(r, cn.rowRef).portal!.ref).toBe(pCn.ref);
    expect(rowOf(r, inv.rowRef).portal!.ref).toBe(pInv.ref);
    expect(r.summary.itc.as2b.igst).toBe(18_000_00 - 1_800_00);
    expect(r.summary.books.all.tax).toBe(18_000_00 - 1_800_00);
    expect(r.summary.portal.exact_match.taxable).toBe(100_000_00 - 10_000_00);
  });

  it('never pairs an invoice with a credit note, and hints at the sign error', () => {
    const b = book({ invoiceNumberRaw: 'CN-7' });
    const p = twin(b, { docType: 'credit_note', section: 'cdnr' });
    const r = reconcile([b], [p]);
    expect(rowOf(r, b.rowRef).category).toBe('missing_in_2b');
    expect(rowOf(r, p.ref).category).toBe('missing_in_books');
    expect(rowOf(r, b.rowRef).flags).toContain('same_number_opposite_sign');
    expect(rowOf(r, p.ref).hints).toContain('same number, opposite sign');
    // The 2B credit note the books lack is credit to reverse: ITC at risk, never negative ITC missed.
    expect(rowOf(r, p.ref).itc.missed.igst).toBe(0);
    expect(rowOf(r, p.ref).itc.atRisk.igst).toBe(18_000_00);
  });

  it('a supplier debit note pairs with a books invoice; a books debit note never meets a portal invoice', () => {
    const b = book({ invoiceNumberRaw: 'DN-3' });
    const ok = reconcile([b], [twin(b, { docType: 'debit_note', section: 'cdnr' })]).results[0]!;
    expect(ok.category).toBe('exact_match');
    expect(ok.differences).toEqual([expect.objectContaining({ field: 'docType', material: false })]);
    const bd = book({ invoiceNumberRaw: 'DN-4', docType: 'debit_note' });
    const r = reconcile([bd], [twin(bd, { docType: 'invoice' })]);
    expect(r.results.map((x) => x.category).sort()).toEqual(['missing_in_2b', 'missing_in_books']);
  });
});

describe('duplicates in books (docs/reconciliation.md, "Normalisation")', () => {
  it('reports the later of two equal vouchers as duplicate_in_books, all its tax at risk', () => {
    const first = book({ rowRef: 'pr:10', invoiceNumberRaw: 'INV-9' });
    const second = book({ rowRef: 'pr:11', invoiceNumberRaw: 'inv-9', taxableValue: first.taxableValue + 50 });
    const r = reconcile([second, first], [twin(first)]);
    expect(rowOf(r, 'pr:10').category).toBe('exact_match');
    const dup = rowOf(r, 'pr:11');
    expect(dup.category).toBe('duplicate_in_books');
    expect(dup.relatedRef).toBe('pr:10');
    expect(dup.itc.atRisk.igst).toBe(18_000_00);
    expect(r.warnings.some((w) => w.code === 'duplicate_in_books')).toBe(true);
  });

  it('keeps both rows when the same number carries different amounts, with a warning flag', () => {
    const a = book({ invoiceNumberRaw: 'INV-10' });
    const b2 = book({ invoiceNumberRaw: 'INV-10', taxableValue: 50_000_00, igst: 9_000_00 });
    const r = reconcile([a, b2], [twin(a)]);
    expect(rowOf(r, a.rowRef).flags).toContain('same_number_different_amounts');
    expect(rowOf(r, b2.rowRef).category).toBe('missing_in_2b');
  });

  it('flags rows that share only the canonical key as possible duplicates and keeps them in matching', () => {
    const a = book({ invoiceNumberRaw: 'A-1-23' });
    const b2 = book({ invoiceNumberRaw: 'A-12-3', igst: 1_00_00 });
    const r = reconcile([a, b2], [twin(a)]);
    expect(rowOf(r, a.rowRef).category).toBe('exact_match');
    expect(rowOf(r, b2.rowRef).flags).toContain('possible_duplicate');
  });
});

describe('reverse charge and out of scope (docs/reconciliation.md, "Special documents")', () => {
  it('matches RCM documents like any invoice; the flag must agree', () => {
    const b = book({ reverseCharge: true });
    expect(reconcile([b], [twin(b)]).results[0]!.category).toBe('exact_match');
    const row = reconcile([b], [twin(b, { reverseCharge: false })]).results[0]!;
    expect(row.category).toBe('mismatch');
    expect(row.reason).toBe('reverseCharge');
  });

  it.each([
    ['RCM from an unregistered person', { supplierGstin: '', reverseCharge: true }, 'no_supplier_gstin'],
    ['import of services', { supplierGstin: '', importOfServices: true }, 'import_of_services'],
    ['nil-rated purchase', { igst: 0 }, 'zero_tax'],
  ])('%s is out_of_scope, never missing', (_label, over, reason) => {
    const r = reconcile([book(over)], []);
    const row = r.results[0]!;
    expect(row.category).toBe('out_of_scope');
    expect(row.reason).toBe(reason);
    expect(row.itc.atRisk.igst).toBe(0);
    expect(r.summary.itc.books.total).toBe(0);
  });
});

describe('IMS and ITC availability (docs/reconciliation.md, "Special documents")', () => {
  it('itcavl = N still pairs, but the tax is not available and the books tax is at risk', () => {
    const b = book();
    const r = reconcile([b], [twin(b, { itcAvailable: false, itcUnavailableReason: 'P' })]);
    const row = r.results[0]!;
    expect(row.category).toBe('exact_match');
    expect(row.itcAvailable).toBe(false);
    expect(row.itc.matched.igst).toBe(0);
    expect(row.itc.atRisk.igst).toBe(18_000_00);
    expect(r.summary.itc.notAvailable.igst).toBe(18_000_00);
    expect(r.summary.itc.as2b.igst).toBe(0);
  });

  it('documents rejected in IMS are kept aside; the books row is missing_in_2b flagged rejected_in_ims', () => {
    const b = book();
    const p = twin(b, { rejected: true });
    const r = reconcile([b], [p]);
    expect(r.results).toHaveLength(1);
    expect(r.results[0]!.category).toBe('missing_in_2b');
    expect(r.results[0]!.flags).toContain('rejected_in_ims');
    expect(r.results[0]!.reason).toBe('rejected_in_ims');
    expect(r.rejected).toEqual([p]);
    expect(r.summary.rejected.count).toBe(1);
    expect(r.summary.itc.rejected.igst).toBe(18_000_00);
    expect(r.summary.input.portalDocuments).toBe(1);
  });

  it('blocked credits are reconciled but never at risk', () => {
    const b = book({ itcEligible: false });
    const row = reconcile([b], []).results[0]!;
    expect(row.category).toBe('missing_in_2b');
    expect(row.flags).toContain('itc_not_eligible');
    expect(row.itc.atRisk.igst).toBe(0);
  });
});

describe('imports and ISD', () => {
  it('aggregates books rows by bill-of-entry number and matches digits without leading zeros', () => {
    const b1 = book({ docType: 'bill_of_entry', supplierGstin: '', billOfEntryNumber: '0012345', invoiceNumberRaw: 'FOREIGN-1', taxableValue: 60_000_00, igst: 10_800_00, placeOfSupply: undefined });
    const b2 = book({ docType: 'bill_of_entry', supplierGstin: '', billOfEntryNumber: '12345', invoiceNumberRaw: 'FOREIGN-2', taxableValue: 40_000_00, igst: 7_200_00, placeOfSupply: undefined });
    const p = doc({ section: 'impg', docType: 'bill_of_entry', supplierGstin: '', supplierName: '', numberRaw: '12345', billOfEntryNumber: '12345', placeOfSupply: undefined });
    const r = reconcile([b1, b2], [p]);
    expect(r.results).toHaveLength(1);
    expect(r.results[0]!.category).toBe('exact_match');
    expect(r.results[0]!.booksRowRefs).toHaveLength(2);
    expect(r.summary.input.booksRows).toBe(2);
  });

  it('ISD invoices pair with ISD invoices, never with ISD credit notes', () => {
    const b = book({ docType: 'isd_invoice', invoiceNumberRaw: 'ISD-1' });
    expect(reconcile([b], [twin(b, { section: 'isd' })]).results[0]!.category).toBe('exact_match');
    const r = reconcile([b], [twin(b, { section: 'isd', docType: 'isd_credit_note' })]);
    expect(r.results.map((x) => x.category).sort()).toEqual(['missing_in_2b', 'missing_in_books']);
  });
});

describe('flags', () => {
  it('period_shift, books_date_fallback, derived_amounts travel with the row', () => {
    const b = book({ invoiceDate: '2024-05-28', voucherDate: '2024-05-28', dateFallback: true, derivedAmounts: true });
    const row = reconcile([b], [twin(b, { period: '2024-07' })]).results[0]!;
    expect(row.flags).toEqual(expect.arrayContaining(['period_shift', 'books_date_fallback', 'derived_amounts']));
  });

  it('2A supplier signals add not-filed and cancelled flags', () => {
    const b = book();
    const r = reconcile([b], [twin(b)], { supplierSignals: { [SUP_A]: { gstr3bFiled: false, gstr1Filed: false, cancelledOn: '2024-07-01' } } });
    expect(r.results[0]!.flags).toEqual(expect.arrayContaining(['supplier_not_filed_3b', 'supplier_not_filed_gstr1', 'supplier_cancelled']));
    expect(r.suppliers[0]!.signals).toEqual({ gstr3bFiled: false, gstr1Filed: false, cancelledOn: '2024-07-01' });
  });
});

describe('caps and determinism', () => {
  it('skips P4/P5 for an oversized block and says so', () => {
    const books = [book({ invoiceNumberRaw: 'Q1' }), book({ invoiceNumberRaw: 'Q2', igst: 1_00 })];
    const r = reconcile(books, [doc({ numberRaw: 'W9' })], { fuzzyBlockCap: 1 });
    expect(r.warnings.some((w) => w.code === 'fuzzy_passes_skipped')).toBe(true);
    expect(r.results.every((x) => x.pass === null)).toBe(true);
  });

  it('same input twice gives identical output', () => {
    const bs = [book({ invoiceNumberRaw: 'A1' }), book({ invoiceNumberRaw: 'A2', supplierGstin: SUP_C }), book({ invoiceNumberRaw: '' })];
    const ps = [twin(bs[0]!), twin(bs[1]!, { numberRaw: 'A-0002' }), doc({ numberRaw: 'B7', supplierGstin: SUP_B })];
    expect(JSON.stringify(reconcile(bs, ps))).toBe(JSON.stringify(reconcile(bs, ps)));
  });
});

describe('places of supply and port codes beyond the packed ids', () => {
  it('still compares the texts when a run has more distinct places than the packed slot holds (4,094)', () => {
    // 4,200 pairs, each with its own place-of-supply text: the later ones share the overflow id,
    // so only the texts tell an equal place from a different one.
    const books = Array.from({ length: 4_200 }, (_, k) => book({ invoiceNumberRaw: `POS-${k}`, placeOfSupply: `Place ${k}` }));
    const portal = books.map((b, k) => twin(b, { placeOfSupply: k === 4_150 ? 'Place elsewhere' : b.placeOfSupply }));
    const r = reconcile(books, portal);
    const late = rowOf(r, books[4_149]!.rowRef);
    expect(late.category).toBe('exact_match');
    const moved = rowOf(r, books[4_150]!.rowRef);
    expect(moved.category).toBe('mismatch');
    expect(moved.reason).toBe('placeOfSupply');
    expect(r.summary.books.exact_match.count).toBe(4_199);
  });

  it('still compares the texts of port codes beyond the packed ids', () => {
    const books = Array.from({ length: 4_200 }, (_, k) => book({
      supplierGstin: '', docType: 'bill_of_entry', invoiceNumberRaw: String(2_000_000 + k), billOfEntryNumber: String(2_000_000 + k), portCode: `INP${k}`,
    }));
    const portal = books.map((b, k) => twin(b, { section: 'impg', supplierGstin: '', billOfEntryNumber: b.billOfEntryNumber, portCode: k === 4_120 ? 'INZZZ9' : b.portCode }));
    const r = reconcile(books, portal);
    expect(rowOf(r, books[4_110]!.rowRef).category).toBe('exact_match');
    const moved = rowOf(r, books[4_120]!.rowRef);
    expect(moved.category).toBe('mismatch');
    expect(moved.reason).toBe('portCode');
  });
});
