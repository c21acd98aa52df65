/**
 * ITC missed is never below zero, and a 2B credit note the books lack (or hold for less) is ITC at
 * risk (docs/reconciliation.md, "Credit notes in 2B, not in the books"), per tax head: the row rule
 * (rowItc, the same itcEffectOfSides the engine sums) and the engine's run and supplier figures.
 */
import { reconcile, rowItc, type BooksRow, type Category, type PortalDoc, type RowItc } from '../../../domain/recon';
import { GOLDEN_CASES, goldenInputs } from '../../../ops/bench/recon-golden';
import { book, doc, twin, SUP_A, SUP_B } from './builders';

const TOL = 100;
const heads = (igst: number, cgst: number, sgst: number, cess: number) => ({ igst, cgst, sgst, cess });
const Z = heads(0, 0, 0, 0);
/** Plain numbers (a zero head may be −0 in the engine's arithmetic; a CA sees 0). */
const plain = (itc: RowItc) => Object.fromEntries(Object.entries(itc).map(([k, h]) => [k, Object.fromEntries(Object.entries(h).map(([hk, v]) => [hk, (v as number) + 0]))]));
const effect = (category: Category, b: BooksRow | null, p: PortalDoc | null, accepted = true) => plain(rowItc(category, accepted, b, p, TOL));

const cnBook = (over: Partial<BooksRow> = {}) => book({ docType: 'credit_note', invoiceNumberRaw: 'CN-1', taxableValue: 10_000_00, igst: 0, cgst: 900_00, sgst: 900_00, cess: 50_00, ...over });
const cnDoc = (over: Partial<PortalDoc> = {}) => doc({ docType: 'credit_note', section: 'cdnr', numberRaw: 'CN-1', taxableValue: 10_000_00, igst: 0, cgst: 900_00, sgst: 900_00, cess: 50_00, ...over });

describe('ITC effect of a row, per head (rowItc)', () => {
  it('a 2B credit note missing in the books: its tax at risk, positive, per head; nothing missed', () => {
    expect(effect('missing_in_books', null, cnDoc())).toEqual({ matched: Z, toConfirm: Z, atRisk: heads(0, 900_00, 900_00, 50_00), missed: Z });
    // ISD credit notes reduce credit the same way.
    const isdc = doc({ docType: 'isd_credit_note', section: 'isd', numberRaw: 'ISDC-1', igst: 300_00 });
    expect(effect('missing_in_books', null, isdc)).toEqual({ matched: Z, toConfirm: Z, atRisk: heads(300_00, 0, 0, 0), missed: Z });
  });

  it('a 2B credit note not available (itcavl N) has no effect, as any unavailable document', () => {
    expect(effect('missing_in_books', null, cnDoc({ itcAvailable: false, itcUnavailableReason: 'P' }))).toEqual({ matched: Z, toConfirm: Z, atRisk: Z, missed: Z });
  });

  it('a credit note larger in 2B than in the books: the 2B excess per head at risk, positive; matched is the books note', () => {
    const b = cnBook({ cgst: 700_00, sgst: 900_00, cess: 50_00 });
    const p = cnDoc({ cgst: 900_00, sgst: 900_00, cess: 80_00 });
    // CGST ₹200 and cess ₹30 more in 2B (beyond the ₹1 tolerance); SGST equal.
    expect(effect('mismatch', b, p)).toEqual({ matched: heads(0, -700_00, -900_00, -50_00), toConfirm: Z, atRisk: heads(0, 200_00, 0, 30_00), missed: Z });
  });

  it('a credit note smaller in 2B than in the books: the books excess is the negative at-risk "not yet in 2B" (unchanged); nothing missed', () => {
    const b = cnBook({ cgst: 900_00, sgst: 900_00 });
    const p = cnDoc({ cgst: 600_00, sgst: 600_00 });
    expect(effect('mismatch', b, p)).toEqual({ matched: heads(0, -600_00, -600_00, -50_00), toConfirm: Z, atRisk: heads(0, -300_00, -300_00, 0), missed: Z });
  });

  it('a credit note with mixed heads: one head larger in 2B, another larger in the books, each signed on its own', () => {
    const b = cnBook({ igst: 0, cgst: 900_00, sgst: 500_00, cess: 50_00 });
    const p = cnDoc({ igst: 0, cgst: 500_00, sgst: 900_00, cess: 50_00 });
    expect(effect('mismatch', b, p)).toEqual({ matched: heads(0, -500_00, -500_00, -50_00), toConfirm: Z, atRisk: heads(0, -400_00, 400_00, 0), missed: Z });
  });

  it('a credit note difference within tolerance is neither at risk nor missed, in either direction', () => {
    expect(effect('exact_match', cnBook(), cnDoc({ cgst: 900_00 + TOL, sgst: 900_00 - TOL })).atRisk).toEqual(Z);
    expect(effect('exact_match', cnBook(), cnDoc({ cgst: 900_00 + TOL + 1, sgst: 900_00 - TOL - 1 })).atRisk).toEqual(heads(0, TOL + 1, -(TOL + 1), 0));
  });

  it('an unaccepted probable credit-note match: 2B tax to confirm, the 2B excess at risk', () => {
    expect(effect('probable_match', cnBook({ cgst: 800_00 }), cnDoc(), false))
      .toEqual({ matched: Z, toConfirm: heads(0, -900_00, -900_00, -50_00), atRisk: heads(0, 100_00, 0, 0), missed: Z });
  });

  it('a credit-note pair whose books note is not eligible (blocked credit): no claim to reverse, so neither', () => {
    expect(effect('mismatch', cnBook({ itcEligible: false, cgst: 700_00 }), cnDoc())).toEqual({ matched: heads(0, -700_00, -900_00, -50_00), toConfirm: Z, atRisk: Z, missed: Z });
  });

  it('invoices: missed and at risk as before, never below zero', () => {
    const b = book({ igst: 0, cgst: 900_00, sgst: 700_00, cess: 0 });
    const p = twin(b, { cgst: 700_00, sgst: 900_00 });
    expect(effect('mismatch', b, p)).toEqual({ matched: heads(0, 700_00, 700_00, 0), toConfirm: Z, atRisk: heads(0, 200_00, 0, 0), missed: heads(0, 0, 200_00, 0) });
    expect(effect('missing_in_books', null, doc({ igst: 1_800_00 }))).toEqual({ matched: Z, toConfirm: Z, atRisk: Z, missed: heads(1_800_00, 0, 0, 0) });
    expect(effect('missing_in_2b', book({ igst: 1_800_00 }), null)).toEqual({ matched: Z, toConfirm: Z, atRisk: heads(1_800_00, 0, 0, 0), missed: Z });
  });

  it('debit notes add credit: a 2B debit note missing in the books, or larger in 2B, is missed (positive)', () => {
    const dn = doc({ docType: 'debit_note', section: 'cdnr', numberRaw: 'DN-1', igst: 500_00 });
    expect(effect('missing_in_books', null, dn)).toEqual({ matched: Z, toConfirm: Z, atRisk: Z, missed: heads(500_00, 0, 0, 0) });
    const bd = book({ docType: 'debit_note', invoiceNumberRaw: 'DN-1', igst: 300_00 });
    expect(effect('mismatch', bd, dn)).toEqual({ matched: heads(300_00, 0, 0, 0), toConfirm: Z, atRisk: Z, missed: heads(200_00, 0, 0, 0) });
  });
});

describe('the engine: run and supplier figures from the same rule', () => {
  it('a supplier with a missing invoice and a missing credit note in 2B: missed is the invoice, at risk the note', () => {
    const pInv = doc({ supplierGstin: SUP_B, numberRaw: 'B-1', igst: 1_800_00 });
    const pCn = doc({ supplierGstin: SUP_B, docType: 'credit_note', section: 'cdnr', numberRaw: 'B-CN', igst: 500_00, taxableValue: 2_000_00 });
    const bCn = cnBook({ supplierGstin: SUP_A, invoiceNumberRaw: 'A-CN', cgst: 400_00, sgst: 400_00, cess: 0 });
    const pACn = cnDoc({ supplierGstin: SUP_A, numberRaw: 'A-CN', cgst: 450_00, sgst: 400_00, cess: 0 });
    const r = reconcile([bCn], [pInv, pCn, pACn]);
    const itc = r.summary.itc;
    expect({ missed: itc.missed, atRisk: itc.atRisk }).toEqual({
      missed: { igst: 1_800_00, cgst: 0, sgst: 0, cess: 0, total: 1_800_00 },
      atRisk: { igst: 500_00, cgst: 50_00, sgst: 0, cess: 0, total: 550_00 },
    });
    // ITC as per 2B and the net difference still net the credit notes (what 2B and the books hold).
    expect(itc.as2b.total).toBe(1_800_00 - 500_00 - 850_00);
    expect(itc.netDifference.total).toBe(-800_00 - (1_800_00 - 500_00 - 850_00));
    const line = (g: string) => r.suppliers.find((s) => s.supplierGstin === g)!;
    expect([line(SUP_B).itcMissed, line(SUP_B).itcAtRisk, line(SUP_A).itcMissed, line(SUP_A).itcAtRisk]).toEqual([1_800_00, 500_00, 0, 50_00]);
  });

  it.each(GOLDEN_CASES.filter((c) => c.n <= 2_000).map((c) => [c.name, c] as const))(
    'no row, supplier or run has a negative ITC missed, and credit notes in 2B carry at risk: %s',
    (_name, c) => {
      const { books, portal, options } = goldenInputs(c);
      const r = reconcile(books, portal, options);
      const negative = r.results.filter((row) => Object.values(row.itc.missed).some((v) => v < 0)).map((row) => row.id);
      expect(negative).toEqual([]);
      expect(r.suppliers.filter((s) => s.itcMissed < 0).map((s) => s.supplierGstin)).toEqual([]);
      const m = r.summary.itc.missed;
      expect(Math.min(m.igst, m.cgst, m.sgst, m.cess)).toBeGreaterThanOrEqual(0);
      // The cases hold 2B credit notes missing in the books: their at-risk is their tax, positive.
      const notes = r.results.filter((row) => row.category === 'missing_in_books' && row.portal?.docType === 'credit_note' && row.portal.itcAvailable);
      expect(notes.length).toBeGreaterThan(0);
      for (const row of notes) {
        const p = row.portal!;
        expect({ id: row.id, atRisk: row.itc.atRisk }).toEqual({ id: row.id, atRisk: heads(p.igst, p.cgst, p.sgst, p.cess) });
      }
    },
  );
});
