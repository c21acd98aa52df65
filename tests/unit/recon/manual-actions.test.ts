import { reconcile, summariseRun, DEFAULT_MATCH_OPTIONS, type ResultRow } from '../../../domain/recon';
import {
  acceptRow, adjustRunSummary, applyDecisions, booksDocKey, linkRows, ManualActionError, markRow, portalDocKey, rowKeys,
  unlinkRow, type StoredDecision,
} from '../../../domain/recon/manual';
import type { RowDecision } from '../../../domain/recon/matcher';
import { book, doc, twin, SUP_A, SUP_B } from './builders';

const opts = { ...DEFAULT_MATCH_OPTIONS };
let n = 0;
function decision(action: RowDecision['action'], note: string | null = null): RowDecision {
  n += 1;
  return { id: `d${n}`, action, note, by: 'staff@example.test', at: '2024-07-10T10:00:00.000Z' };
}
function stored(action: RowDecision['action'], row: ResultRow, note: string | null = null): StoredDecision {
  return { ...decision(action, note), ...rowKeys(row) };
}

// The books call the supplier's INV-77 "77/A" and dated it a month late: no pass pairs them.
const bX = book({ rowRef: 'X', supplierGstin: SUP_A, invoiceNumberRaw: '77/A', invoiceDate: '2024-06-25', igst: 900_00, taxableValue: 5_000_00 });
const pX = doc({ ref: 'pX', supplierGstin: SUP_A, numberRaw: 'INV-77', date: '2024-05-20', igst: 900_00, taxableValue: 5_000_00 });
// A probable match (canonical number) and an exact one.
const bP = book({ rowRef: 'P', supplierGstin: SUP_B, invoiceNumberRaw: 'SI/0042', igst: 300_00, taxableValue: 2_000_00 });
const pP = twin(bP, { ref: 'pP', numberRaw: 'SI-42' });
const bE = book({ rowRef: 'E', supplierGstin: SUP_B, invoiceNumberRaw: 'E-1', igst: 100_00, taxableValue: 1_000_00 });
const pE = twin(bE, { ref: 'pE' });

function rowOf(results: readonly ResultRow[], ref: string): ResultRow {
  const r = results.find((x) => x.books?.rowRef === ref || x.portal?.ref === ref);
  if (!r) throw new Error(`no row for ${ref}`);
  return r;
}

describe('manual actions (docs/reconciliation.md, "Manual decisions")', () => {
  const run = reconcile([bX, bP, bE], [pX, pP, pE], { autoAcceptProbable: false });

  it('starts from the engine: X unpaired on both sides, P probable and not accepted, E exact', () => {
    expect(rowOf(run.results, 'X').category).toBe('missing_in_2b');
    expect(rowOf(run.results, 'pX').category).toBe('missing_in_books');
    expect(rowOf(run.results, 'P')).toMatchObject({ category: 'probable_match', accepted: false });
    expect(rowOf(run.results, 'E').category).toBe('exact_match');
  });

  it('links a books-only row with a portal-only row: manual_match, differences kept, tax matched', () => {
    const d = decision('link', 'supplier confirmed by mail');
    const row = linkRows(rowOf(run.results, 'X'), rowOf(run.results, 'pX'), d, opts);
    expect(row).toMatchObject({ category: 'manual_match', pass: 'manual', accepted: true, id: 'X|pX' });
    expect(row.differences.map((x) => x.field)).toEqual(['invoiceDate', 'invoiceNumber']);
    expect(row.reason).toBe('invoiceDate');
    expect(row.itc.matched.igst).toBe(900_00);
    expect(row.itc.atRisk.igst).toBe(0);
    expect(row.decisions).toEqual([d]);
  });

  it('refuses to link rows that are not one books-only and one portal-only row', () => {
    const d = decision('link');
    expect(() => linkRows(rowOf(run.results, 'E'), rowOf(run.results, 'pX'), d, opts)).toThrow(ManualActionError);
    expect(() => linkRows(rowOf(run.results, 'X'), rowOf(run.results, 'X'), d, opts)).toThrow(/missing in books/);
  });

  it('refuses a link across two supplier GSTINs unless confirmed, and a stored link applies again without asking', () => {
    // The same document filed under supplier B in the books (a slip when it was keyed in).
    const bY = book({ rowRef: 'Y', supplierGstin: SUP_B, invoiceNumberRaw: '88/A', invoiceDate: '2024-06-25', igst: 700_00, taxableValue: 4_000_00 });
    const pY = doc({ ref: 'pY', supplierGstin: SUP_A, numberRaw: 'INV-88', date: '2024-05-20', igst: 700_00, taxableValue: 4_000_00 });
    const cross = reconcile([bY], [pY], { autoAcceptProbable: false });
    const [y, py] = [rowOf(cross.results, 'Y'), rowOf(cross.results, 'pY')];
    expect([y.category, py.category]).toEqual(['missing_in_2b', 'missing_in_books']);
    const refusal = (() => {
      try {
        linkRows(y, py, decision('link'), opts);
      } catch (error) {
        return error as ManualActionError;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(ManualActionError);
    expect(refusal!.code).toBe('gstin_mismatch');
    expect(refusal!.message).toContain(SUP_A);
    const linked = linkRows(y, py, decision('link'), opts, true);
    expect(linked).toMatchObject({ category: 'manual_match', supplierGstin: SUP_A });
    expect(linked.differences.find((x) => x.field === 'supplierGstin')).toMatchObject({ books: SUP_B, portal: SUP_A, material: true });
    const again = applyDecisions(cross.results, [{ ...decision('link'), booksKey: booksDocKey(bY), portalKey: portalDocKey(pY) }], opts);
    expect({ stale: again.stale, categories: again.results.map((r) => r.category) }).toEqual({ stale: [], categories: ['manual_match'] });
  });

  it('refuses a link across document types the engine never pairs; a supplier debit note may meet a books invoice', () => {
    // A books invoice and a 2B credit note of the same supplier: as one pair, the note's sign would
    // turn the invoice's ITC at risk negative.
    const bI = book({ rowRef: 'I', supplierGstin: SUP_A, invoiceNumberRaw: 'LW/77', igst: 900_00, taxableValue: 5_000_00 });
    const pC = doc({ ref: 'pC', supplierGstin: SUP_A, section: 'cdnr', docType: 'credit_note', numberRaw: 'LWCN/77', igst: 900_00, taxableValue: 5_000_00 });
    const pD = doc({ ref: 'pD', supplierGstin: SUP_A, section: 'cdnr', docType: 'debit_note', numberRaw: 'DN/5', date: '2024-05-02', igst: 900_00, taxableValue: 5_000_00 });
    const bC = book({ rowRef: 'C', supplierGstin: SUP_A, docType: 'credit_note', invoiceNumberRaw: 'Q/9', igst: 200_00, taxableValue: 1_000_00 });
    const pI = doc({ ref: 'pI', supplierGstin: SUP_A, numberRaw: 'QQ-12', date: '2024-05-03', igst: 200_00, taxableValue: 1_000_00 });
    const mixed = reconcile([bI, bC], [pC, pD, pI], { autoAcceptProbable: false });
    const codeOf = (f: () => unknown): string | null => {
      try {
        f();
      } catch (error) {
        return error instanceof ManualActionError ? error.code : String(error);
      }
      return null;
    };
    const [i, c, pc, pd, pi] = ['I', 'C', 'pC', 'pD', 'pI'].map((r) => rowOf(mixed.results, r));
    expect([i, c, pc, pd, pi].map((r) => r!.category)).toEqual(['missing_in_2b', 'missing_in_2b', 'missing_in_books', 'missing_in_books', 'missing_in_books']);
    expect({
      invoiceToCreditNote: codeOf(() => linkRows(i!, pc!, decision('link'), opts)),
      // Confirming a GSTIN does not make two kinds of document one.
      confirmed: codeOf(() => linkRows(i!, pc!, decision('link'), opts, true)),
      creditNoteToInvoice: codeOf(() => linkRows(c!, pi!, decision('link'), opts)),
      invoiceToDebitNote: codeOf(() => linkRows(i!, pd!, decision('link'), opts)),
    }).toEqual({ invoiceToCreditNote: 'document_type_mismatch', confirmed: 'document_type_mismatch', creditNoteToInvoice: 'document_type_mismatch', invoiceToDebitNote: null });
    // A cross-type link stored before the refusal no longer applies on a re-run, and breaks nothing.
    const old = { ...decision('link'), booksKey: booksDocKey(bI), portalKey: portalDocKey(pC) };
    const out = applyDecisions(mixed.results, [old], opts);
    expect({ stale: out.stale, results: out.results }).toEqual({ stale: [old.id], results: mixed.results });
  });

  it('unlinks a pair into the two rows the engine gives unpaired documents', () => {
    const d = decision('unlink');
    const [b, p] = unlinkRow(rowOf(run.results, 'E'), d, opts);
    expect(b).toMatchObject({ id: 'E|', category: 'missing_in_2b', portal: null, booksRowRefs: ['E'] });
    expect(b.itc.atRisk.igst).toBe(100_00);
    expect(p).toMatchObject({ id: '|pE', category: 'missing_in_books', books: null });
    expect(p.itc.missed.igst).toBe(100_00);
    expect(() => unlinkRow(rowOf(run.results, 'X'), d, opts)).toThrow(/both documents/);
  });

  it('accepts a probable match: its tax moves from "to confirm" to matched', () => {
    const before = rowOf(run.results, 'P');
    expect(before.itc.toConfirm.igst).toBe(300_00);
    const after = acceptRow(before, decision('accept'), opts);
    expect(after).toMatchObject({ category: 'probable_match', accepted: true });
    expect(after.itc.toConfirm.igst).toBe(0);
    expect(after.itc.matched.igst).toBe(300_00);
    expect(() => acceptRow(rowOf(run.results, 'E'), decision('accept'), opts)).toThrow(/Only a probable match/);
  });

  it('marks rows pending or ignored (a reason is required to ignore) and clears the mark', () => {
    const x = rowOf(run.results, 'X');
    const pending = markRow(x, decision('pending'));
    expect(pending.userStatus).toBe('pending');
    expect(pending.itc).toBe(x.itc);
    expect(() => markRow(x, decision('ignore', '  '))).toThrow(/needs a reason/);
    const ignored = markRow(pending, decision('ignore', 'blocked credit, not claimed'));
    expect(ignored.userStatus).toBe('ignored');
    const cleared = markRow(ignored, decision('clear'));
    expect(cleared.userStatus).toBeUndefined();
    expect(cleared.decisions!.map((d) => d.action)).toEqual(['pending', 'ignore', 'clear']);
  });

  it('moves the run summary by exactly the replaced rows', () => {
    const x = rowOf(run.results, 'X');
    const px = rowOf(run.results, 'pX');
    const linked = linkRows(x, px, decision('link'), opts);
    const adjusted = adjustRunSummary(run.summary, [x, px], [linked]);
    const rows = run.results.filter((r) => r !== x && r !== px).concat(linked);
    const recomputed = summariseRun(rows, run.rejected, run.summary.options, run.warnings);
    expect(adjusted).toEqual(recomputed);
    expect(adjusted.books.manual_match.count).toBe(1);
    expect(adjusted.itc.atRisk.total).toBe(run.summary.itc.atRisk.total - 900_00);
  });

  describe('re-applied on a re-run', () => {
    it('re-links, unlinks, accepts and marks by document content, oldest decision first', () => {
      const x = rowOf(run.results, 'X');
      const decisions = [
        { ...decision('link'), booksKey: booksDocKey(bX), portalKey: portalDocKey(pX) },
        stored('unlink', rowOf(run.results, 'E')),
        stored('accept', rowOf(run.results, 'P')),
        stored('pending', x),
      ];
      // A re-run reads the same documents from new files: other row refs, same content.
      const rerun = reconcile([{ ...bX, rowRef: 'X2' }, { ...bP, rowRef: 'P2' }, { ...bE, rowRef: 'E2' }], [pX, pP, pE], { autoAcceptProbable: false });
      const out = applyDecisions(rerun.results, decisions, { ...opts, autoAcceptProbable: false });
      expect(out.stale).toEqual([]);
      expect(out.applied).toEqual(decisions.map((d) => d.id));
      const byId = Object.fromEntries(out.results.map((r) => [r.id, r]));
      expect(Object.keys(byId).sort()).toEqual(['E2|', 'P2|pP', 'X2|pX', '|pE']);
      // The pending mark follows the books document into its linked row.
      expect(byId['X2|pX']).toMatchObject({ category: 'manual_match', userStatus: 'pending' });
      expect(byId['P2|pP']).toMatchObject({ accepted: true });
      // The split-off portal half follows its books half.
      expect(out.results.findIndex((r) => r.id === '|pE')).toBe(out.results.findIndex((r) => r.id === 'E2|') + 1);
      const ids = out.results.flatMap((r) => [r.books?.rowRef, r.portal?.ref]).filter(Boolean).sort();
      expect(ids).toEqual(['E2', 'P2', 'X2', 'pE', 'pP', 'pX']);
    });

    it('drops decisions whose documents changed (amount corrected) and reports them stale', () => {
      const link = { ...decision('link'), booksKey: booksDocKey(bX), portalKey: portalDocKey(pX) };
      const accept = stored('accept', rowOf(run.results, 'P'));
      const corrected = { ...bX, igst: 950_00 };
      const rerun = reconcile([corrected, bP, bE], [pX, pP, pE], { autoAcceptProbable: false });
      const out = applyDecisions(rerun.results, [link, accept], { ...opts, autoAcceptProbable: false });
      expect(out.stale).toEqual([link.id]);
      expect(rowOf(out.results, 'X').category).toBe('missing_in_2b');
      expect(rowOf(out.results, 'P').accepted).toBe(true);
    });

    it('a link to a document the engine now pairs elsewhere breaks that pair first', () => {
      // The books hold a second INV-77 row booked correctly: the engine pairs it with pX, but a
      // user had linked pX to X before.
      const bX2 = book({ rowRef: 'X-correct', supplierGstin: SUP_A, invoiceNumberRaw: 'INV-77', invoiceDate: '2024-05-20', igst: 900_00, taxableValue: 5_000_00 });
      const rerun = reconcile([bX, bX2], [pX]);
      expect(rowOf(rerun.results, 'X-correct').category).toBe('exact_match');
      const link = { ...decision('link'), booksKey: booksDocKey(bX), portalKey: portalDocKey(pX) };
      const out = applyDecisions(rerun.results, [link], opts);
      expect(out.results.map((r) => [r.id, r.category])).toEqual(expect.arrayContaining([
        ['X|pX', 'manual_match'],
        ['X-correct|', 'missing_in_2b'],
      ]));
      expect(out.results).toHaveLength(2);
      expect(summariseRun(out.results, [], opts, []).input).toEqual(rerun.summary.input);
    });

    it('changes nothing without decisions', () => {
      const out = applyDecisions(run.results, [], opts);
      expect(out.results).toEqual(run.results);
    });
  });
});
