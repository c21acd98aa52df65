/**
 * The row builder: result rows as objects, built from the run's columns when asked for (a batch at
 * a time by a writer, or all at once), with the differences, reasons, category and acceptance the
 * verdict decided, flags as shared sorted lists, and the row's ITC effect (docs/reconciliation.md,
 * "ITC figures").
 */
import type { Flag, MatchReason } from '../categories';
import { newRowItcScratch, rowItc, type RowItcScratch } from '../itc';
import type { TableLease } from '../table-pool';
import { DOC_TYPE_BY_CODE, F_ORIGINAL_NUMBER, F_PERIOD_SHIFT, FLAG_BY_BIT, MONEY_STRIDE, P3, P6, PASS_BY_CODE } from './codes';
import { amountAt, dayOf, type Docs, portText, posText } from './docs';
import type { Difference, MatchedRows, MatchOptions, ResultRow } from './options';
import { singleCategory, singleReason } from './row-plan';
import {
  D_DATE, D_DOC_TYPE, D_GSTIN, D_NUMBER, D_PORT, D_POS, D_RCM, D_TAX_HEADS, DIFF_FIELDS, differences, firstMaterial, interState,
  isMaterial, pairReasons, verdict, verdictAccepted, verdictCategory,
} from './verdict';

/** `periodOfDate(iso) === period` without slicing a string per row. */
function inPeriod(iso: string, period: string): boolean {
  return period.length === Math.min(iso.length, 7) && iso.startsWith(period);
}

/** Shared empty arrays: most rows have no flags, hints or differences (result rows are read-only). */
const NO_FLAGS: readonly Flag[] = Object.freeze([]);
const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_REASONS: readonly MatchReason[] = Object.freeze([]);
const NO_DIFFS: readonly Difference[] = Object.freeze([]);

/** Builds the result rows from the run's documents. */
export class Rows {
  /** Sorted flag list per distinct mask, shared between rows (rows are read-only). */
  private readonly flagLists: (readonly Flag[] | undefined)[] = new Array<readonly Flag[] | undefined>(1 << FLAG_BY_BIT.length).fill(undefined);
  /** Scratch of rowItc (one per builder: nothing shared between runs). */
  private readonly itcScratch: RowItcScratch = newRowItcScratch();

  constructor(private readonly s: Docs, private readonly o: MatchOptions, private readonly gstinById: readonly string[]) {}

  private flagsOf(mask: number): readonly Flag[] {
    if (mask === 0) return NO_FLAGS;
    let list = this.flagLists[mask];
    if (!list) {
      const l: Flag[] = [];
      for (let k = 0; k < FLAG_BY_BIT.length; k += 1) if ((mask & (1 << k)) !== 0) l.push(FLAG_BY_BIT[k]!);
      list = Object.freeze(l);
      this.flagLists[mask] = list;
    }
    return list;
  }

  /**
   * The result row of a pair, as the verdict (docs/reconciliation.md, "Classifying a pair" and
   * "Defaults") decided it.
   */
  pairRow(b: number, p: number): ResultRow {
    const s = this.s;
    const v = verdict(s, this.o, b, p);
    const br = s.books[b]!;
    const pr = s.portal[p - s.nb]!;
    const diffs = this.differencesOf(v, b, p);
    const pass = s.pass[b]!;
    const category = verdictCategory(v);
    const accepted = verdictAccepted(v);
    let reason: ResultRow['reason'];
    let reasons: readonly MatchReason[] = NO_REASONS;
    if (category === 'manual_match') {
      // docs/reconciliation.md, "Manual decisions": a user's link keeps its differences; its
      // category says who paired it.
      reason = firstMaterial(v);
    } else if (category === 'mismatch') {
      // P6 pairs are mismatches because of the GSTIN itself (docs/reconciliation.md, "The passes"),
      // whatever else differs.
      reason = pass === P6 ? 'supplierGstin' : firstMaterial(v);
      if (pass === P6) reasons = ['pan_level'];
    } else {
      const list = pairReasons(v, pass);
      if (list !== null) reasons = list;
      reason = category === 'exact_match' || list === null ? null : list[0]!;
    }
    const bType = s.type[b]!;
    const pType = s.type[p]!;
    let bFlags = s.flags[b]!;
    if (pass === P3) bFlags |= F_ORIGINAL_NUMBER;
    if (!inPeriod(br.voucherDate || br.invoiceDate, pr.period)) bFlags |= F_PERIOD_SHIFT;
    let hints: readonly string[] = NO_STRINGS;
    const bSparse = s.sparse[b] === 1;
    const pSparse = s.sparse[p] === 1;
    const bh = bSparse ? s.hints.get(b) : undefined;
    const ph = pSparse ? s.hints.get(p) : undefined;
    if (bh || ph || bType !== pType) {
      const h: string[] = [];
      if (bh) for (const t of bh) h.push(t);
      if (ph) for (const t of ph) h.push(t);
      if (bType !== pType) h.push(`books ${DOC_TYPE_BY_CODE[bType]!} paired with portal ${DOC_TYPE_BY_CODE[pType]!}`);
      hints = h;
    }
    const bGstin = this.gstinById[s.gstinId[b]!]!;
    const pGstin = this.gstinById[s.gstinId[p]!]!;
    const row: ResultRow = {
      id: `${br.rowRef}|${pr.ref}`,
      category,
      reason,
      reasons,
      pass: PASS_BY_CODE[pass]!,
      accepted,
      flags: this.flagsOf(bFlags | s.flags[p]!),
      itcAvailable: pr.itcAvailable,
      supplierGstin: pGstin || bGstin,
      supplierName: pr.supplierName || br.supplierName || '',
      books: br,
      booksRowRefs: (bSparse ? s.rowRefs.get(b) : undefined) ?? [br.rowRef],
      portal: pr,
      differences: diffs === null ? NO_DIFFS : diffs,
      itc: rowItc(category, accepted, br, pr, this.o.amountTolerance, this.itcScratch),
      hints,
    };
    return pSparse ? withSparseFields(s, row, p) : row;
  }

  /** The differences the verdict found, with the two sides' values (allocated only when there are any). */
  private differencesOf(v: number, b: number, p: number): Difference[] | null {
    const found = differences(v);
    if (found === 0) return null;
    const s = this.s;
    const x = b * MONEY_STRIDE;
    const y = p * MONEY_STRIDE;
    const diffs: Difference[] = [];
    // Money fields: field k is money slot k; delta = books − portal.
    for (let k = 0; k < 5; k += 1) {
      if ((found & (1 << k)) === 0) continue;
      const books = amountAt(s, x + k);
      const portal = amountAt(s, y + k);
      diffs.push({ field: DIFF_FIELDS[k]!, books, portal, delta: books - portal, material: isMaterial(v, k) });
    }
    if ((found & D_TAX_HEADS) !== 0) {
      diffs.push({ field: 'taxHeads', books: interState(s, x) ? 'IGST' : 'CGST+SGST', portal: interState(s, y) ? 'IGST' : 'CGST+SGST', delta: null, material: true });
    }
    const br = s.books[b]!;
    const pr = s.portal[p - s.nb]!;
    if ((found & D_DATE) !== 0) {
      diffs.push({ field: 'invoiceDate', books: br.invoiceDate, portal: pr.date, delta: dayOf(s, b) - dayOf(s, p), material: isMaterial(v, 6) });
    }
    if ((found & D_POS) !== 0) diffs.push({ field: 'placeOfSupply', books: posText(s, b), portal: posText(s, p), delta: null, material: true });
    if ((found & D_RCM) !== 0) diffs.push({ field: 'reverseCharge', books: s.rcm[b] === 1, portal: s.rcm[p] === 1, delta: null, material: true });
    if ((found & D_PORT) !== 0) diffs.push({ field: 'portCode', books: portText(s, b), portal: portText(s, p), delta: null, material: true });
    if ((found & D_GSTIN) !== 0) {
      diffs.push({ field: 'supplierGstin', books: this.gstinById[s.gstinId[b]!]!, portal: this.gstinById[s.gstinId[p]!]!, delta: null, material: true });
    }
    if ((found & D_NUMBER) !== 0) diffs.push({ field: 'invoiceNumber', books: br.invoiceNumberRaw, portal: pr.numberRaw, delta: null, material: false });
    if ((found & D_DOC_TYPE) !== 0) {
      diffs.push({ field: 'docType', books: DOC_TYPE_BY_CODE[s.type[b]!]!, portal: DOC_TYPE_BY_CODE[s.type[p]!]!, delta: null, material: false });
    }
    return diffs;
  }

  /** The result row of a document without a partner. */
  singleRow(d: number): ResultRow {
    const s = this.s;
    const category = singleCategory(s, d);
    const reason = singleReason(s, d);
    const isBooks = d < s.nb;
    const br = isBooks ? s.books[d]! : null;
    const pr = isBooks ? null : s.portal[d - s.nb]!;
    const sparse = s.sparse[d] === 1;
    const h = sparse ? s.hints.get(d) : undefined;
    const row: ResultRow = {
      id: br ? `${br.rowRef}|` : `|${pr!.ref}`,
      category,
      reason,
      reasons: NO_REASONS,
      pass: null,
      accepted: false,
      flags: this.flagsOf(s.flags[d]!),
      itcAvailable: pr ? pr.itcAvailable : null,
      supplierGstin: this.gstinById[s.gstinId[d]!]!,
      supplierName: (br ? br.supplierName : pr!.supplierName) ?? '',
      books: br,
      booksRowRefs: br ? ((sparse ? s.rowRefs.get(d) : undefined) ?? [br.rowRef]) : [],
      portal: pr,
      differences: NO_DIFFS,
      itc: rowItc(category, false, br, pr, this.o.amountTolerance, this.itcScratch),
      hints: h ? h.slice() : NO_STRINGS,
    };
    return sparse ? withSparseFields(s, row, d) : row;
  }
}

/** A row with document d's rare fields (the duplicated or amending ref, the amendment's delta). */
function withSparseFields(s: Docs, row: ResultRow, d: number): ResultRow {
  const rel = s.relatedRef.get(d);
  if (rel) row.relatedRef = rel;
  const delta = s.amendmentDelta.get(d);
  if (delta) {
    row.amendmentDelta = delta;
    row.amendmentOfEarlierPeriod = s.amendmentOfEarlierPeriod.get(d)!;
  }
  return row;
}

/** The decided rows in result order; `between` builds them (for a writer that streams batches, or a reader that wants them all). */
export class PlannedRows implements MatchedRows {
  readonly count: number;

  private released = false;

  constructor(private readonly rows: Rows, private readonly perm: Int32Array, private readonly rowB: Int32Array, private readonly rowP: Int32Array,
    private readonly tables: TableLease) {
    this.count = perm.length;
  }

  release(): void {
    this.released = true;
    this.tables.release();
  }

  between(from: number, to: number): ResultRow[] {
    if (this.released) throw new Error('the rows of this match were released');
    const lo = Math.max(0, from);
    const hi = Math.min(this.count, to);
    const out = new Array<ResultRow>(Math.max(0, hi - lo));
    for (let i = lo; i < hi; i += 1) {
      const r = this.perm[i]!;
      const b = this.rowB[r]!;
      const p = this.rowP[r]!;
      out[i - lo] = b >= 0 && p >= 0 ? this.rows.pairRow(b, p) : this.rows.singleRow(b >= 0 ? b : p);
    }
    return out;
  }
}
