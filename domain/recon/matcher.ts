/**
 * The matcher of §8: one-to-one, greedy, ordered passes P1–P6 inside GSTIN blocks (PAN blocks
 * for P6), deterministic whatever the input order.
 *
 * Determinism: both sides are first sorted by a total order that does not depend on input
 * position (GSTIN, date, then rowRef / ref, which are unique), and every map is iterated in
 * insertion order of that sorted sequence. "Stable row order" in the tie-breaks means that order.
 *
 * Performance: P1–P3 are hash joins on precomputed string keys; a key group with one document on
 * each side (the usual case) is paired without building candidate lists. Greedy pairing over a
 * globally sorted candidate list equals greedy pairing per key group, because candidates of
 * different groups never share a document — so we sort only inside groups. P4/P5 are quadratic
 * only inside one supplier's leftovers and are skipped (with a warning) above `fuzzyBlockCap`.
 */
import type { Category, DifferenceField, Flag, MatchReason, OutOfScopeReason, Pass } from './categories';
import { INFORMATIONAL_FIELDS, NEVER_AUTO_ACCEPTED } from './categories';
import { dayOfIso, fyStartYear, periodOfDate } from './dates';
import { type RowItc, rowItc, headsOf } from './itc';
import {
  billOfEntryKey, canonicalKey, checkGstin, cleanKey, isFuzzyNumberMatch, osaDistance, panOf, signOf,
} from './normalise';
import type { BooksRow, DocType, Heads, Issue, PortalDoc } from './types';

export interface MatchOptions {
  /** Per-field tolerance in paise (§8.5 default ₹1.00 = 100). */
  amountTolerance: number;
  /** Maximum date gap in days for fuzzy/amount pairs and for a same-number pair to stay non-material. */
  dateWindowDays: number;
  /** Allow P2 across adjacent financial years (dates still inside the window). */
  adjacentFyMatching: boolean;
  /** Auto-accept probable matches whose reasons are all "safe" (canonical number, rounding, date). */
  autoAcceptProbable: boolean;
  /** Skip P4/P5 (and P6) for a block with more leftovers than this on either side. */
  fuzzyBlockCap: number;
  /** 2A-derived supplier signals, keyed by GSTIN. */
  supplierSignals?: Readonly<Record<string, SupplierSignal>>;
}

export interface SupplierSignal {
  gstr1Filed?: boolean;
  gstr3bFiled?: boolean;
  /** ISO date the registration was cancelled. */
  cancelledOn?: string;
}

export const DEFAULT_MATCH_OPTIONS: Readonly<MatchOptions> = Object.freeze({
  amountTolerance: 100,
  dateWindowDays: 10,
  adjacentFyMatching: true,
  autoAcceptProbable: true,
  fuzzyBlockCap: 2000,
});

export interface Difference {
  field: DifferenceField;
  books: string | number | boolean | null;
  portal: string | number | boolean | null;
  /** books − portal for money (paise) and dates (days); null otherwise. */
  delta: number | null;
  /** Beyond tolerance / window: makes the pair a mismatch. */
  material: boolean;
}

export interface ResultRow {
  /** Deterministic id: `<rowRef>|<portal ref>`. */
  id: string;
  category: Category;
  /** Main reason: the probable-match reason, the first material field of a mismatch, or the out-of-scope reason. */
  reason: MatchReason | OutOfScopeReason | DifferenceField | 'rejected_in_ims' | null;
  /** All probable-match reasons that applied. */
  reasons: MatchReason[];
  pass: Pass | null;
  /** Probable matches: auto-accepted under §8.5; exact/manual: true; everything else false. */
  accepted: boolean;
  flags: Flag[];
  /** From the portal side; null for books-only rows. */
  itcAvailable: boolean | null;
  supplierGstin: string;
  supplierName: string;
  books: BooksRow | null;
  /** Every source row this result stands for (several when bills of entry were aggregated). */
  booksRowRefs: string[];
  portal: PortalDoc | null;
  differences: Difference[];
  itc: RowItc;
  /** For duplicates: the row it duplicates. For superseded: the amendment's ref. */
  relatedRef?: string;
  /** Amendments whose original is known: amended − original per head (signed). */
  amendmentDelta?: Heads;
  amendmentOfEarlierPeriod?: boolean;
  /** Plain-language hints for the reviewer (e.g. same number, opposite sign). */
  hints: string[];
}

export interface MatchOutput {
  results: ResultRow[];
  /** IMS-rejected portal documents, kept aside (§9.6); not part of `results`. */
  rejected: PortalDoc[];
  warnings: Issue[];
}

/** Family of compatible types: documents of different families never meet. */
const FAMILY: Readonly<Record<DocType, string>> = {
  invoice: 'I', debit_note: 'I', credit_note: 'C', isd_invoice: 'S', isd_credit_note: 'T', bill_of_entry: 'B',
};

/** §8.2 compatibility, books type first. A books debit note meets only a portal debit note. */
function compatible(books: DocType, portal: DocType): boolean {
  if (books === portal) return true;
  return books === 'invoice' && portal === 'debit_note';
}

const BOE_BLOCK = '#BOE';

/** Internal, normalised view of one document (one allocation per document, reused by every pass). */
interface ND {
  side: 0 | 1;
  ord: number;
  gstin: string;
  gstinBad: boolean;
  pan: string;
  block: string;
  family: string;
  docType: DocType;
  clean: string;
  canon: string;
  tail: string;
  prefix: string;
  fy: number;
  day: number;
  tx: number;
  ig: number;
  cg: number;
  sg: number;
  cs: number;
  tax: number;
  pos: string;
  rcm: boolean;
  portCode: string;
  /** 0 free, 1 paired, 2 excluded (duplicate, out of scope, superseded, merged). */
  state: number;
  partner: ND | null;
  pass: Pass | null;
  /** Portal amendments: original number's keys. */
  oClean: string;
  oCanon: string;
  oFy: number;
  oDay: number;
  hasOrig: boolean;
  flags: Set<Flag> | null;
  hints: string[] | null;
  relatedRef: string | undefined;
  outReason: OutOfScopeReason | null;
  category: Category | null;
  rowRefs: string[] | null;
  amendmentDelta: Heads | undefined;
  amendmentOfEarlierPeriod: boolean;
  books: BooksRow | null;
  portal: PortalDoc | null;
}

function addFlag(d: ND, f: Flag): void {
  if (!d.flags) d.flags = new Set();
  d.flags.add(f);
}
function addHint(d: ND, h: string): void {
  if (!d.hints) d.hints = [];
  if (!d.hints.includes(h)) d.hints.push(h);
}

function makeND(side: 0 | 1, docType: DocType, gstinRaw: string, numberRaw: string, iso: string, amounts: {
  taxableValue: number; igst: number; cgst: number; sgst: number; cess: number;
}, pos: string | undefined, rcm: boolean, boe: string | undefined, portCode: string | undefined): ND {
  const g = checkGstin(gstinRaw);
  const fy = iso ? fyStartYear(iso) : 0;
  const isBoe = docType === 'bill_of_entry';
  let clean: string;
  let ck: { canonical: string; tail: string; prefix: string };
  if (isBoe) {
    clean = billOfEntryKey(boe || numberRaw);
    ck = { canonical: clean, tail: clean, prefix: '' };
  } else {
    clean = cleanKey(numberRaw);
    ck = clean === '' ? { canonical: '', tail: '', prefix: '' } : canonicalKey(clean, iso ? fy : null);
  }
  const tax = amounts.igst + amounts.cgst + amounts.sgst + amounts.cess;
  return {
    side, ord: 0, gstin: g.gstin, gstinBad: g.gstin !== '' && g.problem !== null, pan: panOf(g.gstin),
    block: isBoe ? BOE_BLOCK : g.gstin, family: FAMILY[docType], docType,
    clean, canon: ck.canonical, tail: ck.tail, prefix: ck.prefix,
    fy, day: iso ? dayOfIso(iso) : 0,
    tx: amounts.taxableValue, ig: amounts.igst, cg: amounts.cgst, sg: amounts.sgst, cs: amounts.cess, tax,
    pos: pos ?? '', rcm, portCode: (portCode ?? '').trim().toUpperCase(),
    state: 0, partner: null, pass: null,
    oClean: '', oCanon: '', oFy: 0, oDay: 0, hasOrig: false,
    flags: null, hints: null, relatedRef: undefined, outReason: null, category: null, rowRefs: null,
    amendmentDelta: undefined, amendmentOfEarlierPeriod: false, books: null, portal: null,
  };
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withinTol(b: ND, p: ND, tol: number): boolean {
  return Math.abs(b.tx - p.tx) <= tol && Math.abs(b.ig - p.ig) <= tol && Math.abs(b.cg - p.cg) <= tol
    && Math.abs(b.sg - p.sg) <= tol && Math.abs(b.cs - p.cs) <= tol;
}

function posRcmEqual(b: ND, p: ND): boolean {
  return (b.pos === '' || p.pos === '' || b.pos === p.pos) && b.rcm === p.rcm;
}

interface Cand {
  b: ND;
  p: ND;
  taxDiff: number;
  gap: number;
  dist: number;
}

function cmpCand(x: Cand, y: Cand): number {
  return x.taxDiff - y.taxDiff || x.gap - y.gap || x.dist - y.dist || x.b.ord - y.b.ord || x.p.ord - y.p.ord;
}

function pair(b: ND, p: ND, pass: Pass): void {
  b.state = 1;
  p.state = 1;
  b.partner = p;
  p.partner = b;
  b.pass = pass;
  p.pass = pass;
}

function greedy(cands: Cand[], pass: Pass): void {
  cands.sort(cmpCand);
  for (const c of cands) if (c.b.state === 0 && c.p.state === 0) pair(c.b, c.p, pass);
}

export function matchDocuments(
  booksIn: readonly BooksRow[],
  portalIn: readonly PortalDoc[],
  opts: Partial<MatchOptions> = {},
): MatchOutput {
  const o: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...opts };
  const tol = o.amountTolerance;
  const win = o.dateWindowDays;
  const warnings: Issue[] = [];

  // ---- normalise ----------------------------------------------------------------------------
  const books: ND[] = booksIn.map((r) => {
    const d = makeND(0, r.docType, r.supplierGstin, r.invoiceNumberRaw, r.invoiceDate, r, r.placeOfSupply,
      r.reverseCharge, r.billOfEntryNumber, r.portCode);
    d.books = r;
    return d;
  });
  const rejected: PortalDoc[] = [];
  const portal: ND[] = [];
  for (const doc of portalIn) {
    if (doc.rejected) {
      rejected.push(doc);
      continue;
    }
    const d = makeND(1, doc.docType, doc.supplierGstin, doc.numberRaw, doc.date, doc, doc.placeOfSupply,
      doc.reverseCharge, doc.billOfEntryNumber, doc.portCode);
    d.portal = doc;
    if (doc.original) {
      d.hasOrig = true;
      const odt = doc.original.date || doc.date;
      d.oFy = fyStartYear(odt);
      d.oDay = dayOfIso(odt);
      d.oClean = doc.docType === 'bill_of_entry' ? billOfEntryKey(doc.original.number) : cleanKey(doc.original.number);
      d.oCanon = doc.docType === 'bill_of_entry' ? d.oClean : canonicalKey(d.oClean, d.oFy).canonical;
    }
    portal.push(d);
  }
  const bookSort = (x: ND, y: ND): number =>
    cmpStr(x.block, y.block) || x.day - y.day || cmpStr(x.books!.rowRef, y.books!.rowRef);
  const portalSort = (x: ND, y: ND): number =>
    cmpStr(x.block, y.block) || x.day - y.day || cmpStr(x.portal!.ref, y.portal!.ref);
  books.sort(bookSort);
  portal.sort(portalSort);
  books.forEach((d, i) => { d.ord = i; });
  portal.forEach((d, i) => { d.ord = i; });
  rejected.sort((x, y) => cmpStr(x.ref, y.ref));

  // ---- invalid GSTINs: warn, keep (§7.1, §2.7) -------------------------------------------------
  const badSeen = new Set<string>();
  for (const d of [...books, ...portal]) {
    if (!d.gstinBad) continue;
    addFlag(d, 'invalid_gstin');
    const key = `${d.side}${d.gstin}`;
    if (badSeen.has(key)) continue;
    badSeen.add(key);
    warnings.push({
      code: 'invalid_gstin',
      message: `${d.side === 0 ? 'Books' : 'Portal'} supplier GSTIN ${d.gstin} fails validation (${checkGstin(d.gstin).problem}); rows kept`,
      field: 'supplierGstin',
      rowRef: d.side === 0 ? d.books!.rowRef : d.portal!.ref,
    });
  }

  // ---- books flags, out of scope (§9.7) ----------------------------------------------------------
  for (const d of books) {
    const r = d.books!;
    if (r.derivedAmounts) addFlag(d, 'derived_amounts');
    if (r.dateFallback) addFlag(d, 'books_date_fallback');
    if (r.itcEligible === false) addFlag(d, 'itc_not_eligible');
    if (r.importOfServices) d.outReason = 'import_of_services';
    else if (d.gstin === '' && d.docType !== 'bill_of_entry') d.outReason = 'no_supplier_gstin';
    else if (d.tax === 0) d.outReason = 'zero_tax';
    if (d.outReason) {
      d.state = 2;
      d.category = 'out_of_scope';
    }
  }

  // ---- bills of entry: aggregate books rows per BOE number (§9.4) ---------------------------------
  {
    const byBoe = new Map<string, ND>();
    for (const d of books) {
      if (d.state !== 0 || d.docType !== 'bill_of_entry' || d.clean === '') continue;
      const head = byBoe.get(d.clean);
      if (!head) {
        byBoe.set(d.clean, d);
        continue;
      }
      if (!head.rowRefs) head.rowRefs = [head.books!.rowRef];
      head.rowRefs.push(d.books!.rowRef);
      head.tx += d.tx; head.ig += d.ig; head.cg += d.cg; head.sg += d.sg; head.cs += d.cs; head.tax += d.tax;
      d.state = 3; // merged into head: no result row of its own
    }
    for (const head of byBoe.values()) {
      if (head.rowRefs) {
        // The result row shows the aggregate; keep the first row's descriptive fields.
        head.books = { ...head.books!, taxableValue: head.tx, igst: head.ig, cgst: head.cg, sgst: head.sg, cess: head.cs };
      }
    }
  }

  // ---- duplicates in books (§7.5) ----------------------------------------------------------------
  {
    const groups = new Map<string, ND[]>();
    const canonGroups = new Map<string, ND[]>();
    for (const d of books) {
      if (d.state !== 0 || d.clean === '') continue;
      const k = `${d.block}\u0001${d.docType}\u0001${d.clean}\u0001${d.fy}`;
      const g = groups.get(k);
      if (g) g.push(d);
      else groups.set(k, [d]);
      const kc = `${d.block}\u0001${d.docType}\u0001${d.canon}\u0001${d.fy}`;
      const gc = canonGroups.get(kc);
      if (gc) gc.push(d);
      else canonGroups.set(kc, [d]);
    }
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      for (let j = 1; j < g.length; j += 1) {
        const later = g[j]!;
        const first = g.slice(0, j).find((e) => e.state === 0 && withinTol(e, later, tol));
        if (first) {
          later.state = 2;
          later.category = 'duplicate_in_books';
          later.relatedRef = first.books!.rowRef;
        } else {
          for (const e of g.slice(0, j)) if (e.state === 0) addFlag(e, 'same_number_different_amounts');
          addFlag(later, 'same_number_different_amounts');
        }
      }
      const dupCount = g.filter((e) => e.category === 'duplicate_in_books').length;
      if (dupCount > 0) {
        warnings.push({
          code: 'duplicate_in_books',
          message: `${dupCount} duplicate books row(s) for ${g[0]!.gstin} number ${g[0]!.books!.invoiceNumberRaw}`,
          rowRef: g[0]!.books!.rowRef,
          count: dupCount,
        });
      }
    }
    for (const g of canonGroups.values()) {
      if (g.length < 2) continue;
      const live = g.filter((e) => e.state === 0);
      const cleans = new Set(live.map((e) => e.clean));
      if (cleans.size > 1) for (const e of live) addFlag(e, 'possible_duplicate');
    }
  }

  // ---- amendments supersede originals (§9.2) ----------------------------------------------------
  {
    const byKey = new Map<string, ND[]>();
    for (const d of portal) {
      const k = `${d.block}\u0001${d.family}\u0001${d.clean}\u0001${d.day}`;
      const g = byKey.get(k);
      if (g) g.push(d);
      else byKey.set(k, [d]);
    }
    const amendments = portal.filter((d) => d.hasOrig)
      .sort((x, y) => cmpStr(x.portal!.period, y.portal!.period) || x.ord - y.ord);
    for (const a of amendments) {
      addFlag(a, 'amended');
      const ap = a.portal!;
      const ofam = ap.original?.docType ? FAMILY[ap.original.docType] : a.family;
      const cands = byKey.get(`${a.block}\u0001${ofam}\u0001${a.oClean}\u0001${a.oDay}`);
      const orig = cands?.find((c) => c !== a && c.state === 0 && c.portal!.period <= ap.period);
      if (!orig) continue;
      orig.state = 2;
      orig.category = 'superseded';
      orig.relatedRef = ap.ref;
      a.relatedRef = orig.portal!.ref;
      const sa = signOf(a.docType);
      const so = signOf(orig.docType);
      a.amendmentDelta = {
        igst: sa * a.ig - so * orig.ig, cgst: sa * a.cg - so * orig.cg, sgst: sa * a.sg - so * orig.sg, cess: sa * a.cs - so * orig.cs,
      };
      a.amendmentOfEarlierPeriod = orig.portal!.period < ap.period;
    }
  }

  // ---- P1–P3: keyed passes ------------------------------------------------------------------------
  const keyedPass = (
    pass: Pass,
    bKey: (d: ND) => string | null,
    pKey: (d: ND) => string | null,
    allow: (b: ND, p: ND) => boolean,
  ): void => {
    const pMap = new Map<string, ND[]>();
    for (const p of portal) {
      if (p.state !== 0) continue;
      const k = pKey(p);
      if (k === null) continue;
      const g = pMap.get(k);
      if (g) g.push(p);
      else pMap.set(k, [p]);
    }
    if (pMap.size === 0) return;
    const bMap = new Map<string, ND[]>();
    for (const b of books) {
      if (b.state !== 0) continue;
      const k = bKey(b);
      if (k === null || !pMap.has(k)) continue;
      const g = bMap.get(k);
      if (g) g.push(b);
      else bMap.set(k, [b]);
    }
    for (const [k, bs] of bMap) {
      const ps = pMap.get(k)!;
      if (bs.length === 1 && ps.length === 1) {
        const b = bs[0]!;
        const p = ps[0]!;
        if (p.state === 0 && allow(b, p)) pair(b, p, pass);
        continue;
      }
      const cands: Cand[] = [];
      for (const b of bs) {
        for (const p of ps) {
          if (p.state !== 0 || !allow(b, p)) continue;
          cands.push({ b, p, taxDiff: Math.abs(b.tax - p.tax), gap: Math.abs(b.day - p.day), dist: 0 });
        }
      }
      greedy(cands, pass);
    }
  };
  const sep = '\u0001';
  // P1: equal clean key, same FY.
  keyedPass('P1',
    (b) => (b.clean === '' ? null : b.block + sep + b.family + sep + b.clean + sep + b.fy),
    (p) => (p.clean === '' ? null : p.block + sep + p.family + sep + p.clean + sep + p.fy),
    (b, p) => compatible(b.docType, p.docType));
  // P2: equal canonical key, same FY, or adjacent FY with dates inside the window.
  const fyOk = (bFy: number, pFy: number, gap: number): boolean =>
    bFy === pFy || (o.adjacentFyMatching && Math.abs(bFy - pFy) === 1 && gap <= win);
  keyedPass('P2',
    (b) => (b.canon === '' ? null : b.block + sep + b.family + sep + b.canon),
    (p) => (p.canon === '' ? null : p.block + sep + p.family + sep + p.canon),
    (b, p) => compatible(b.docType, p.docType) && fyOk(b.fy, p.fy, Math.abs(b.day - p.day)));
  // P3: books still carry the number the amendment replaced.
  keyedPass('P3',
    (b) => (b.canon === '' ? null : b.block + sep + b.family + sep + b.canon),
    (p) => (p.hasOrig && p.oCanon !== '' ? p.block + sep + p.family + sep + p.oCanon : null),
    (b, p) => compatible(b.docType, p.docType) && fyOk(b.fy, p.oFy, Math.abs(b.day - p.oDay)));

  // ---- P4/P5: fuzzy number, amount only, per GSTIN block --------------------------------------------
  const blocks = new Map<string, { b: ND[]; p: ND[] }>();
  for (const p of portal) {
    if (p.state !== 0) continue;
    const g = blocks.get(p.block);
    if (g) g.p.push(p);
    else blocks.set(p.block, { b: [], p: [p] });
  }
  for (const b of books) {
    if (b.state !== 0) continue;
    blocks.get(b.block)?.b.push(b);
  }
  const dist = (b: ND, p: ND): number => osaDistance(b.canon, p.canon);
  for (const [block, g] of blocks) {
    if (g.b.length === 0) continue;
    if (g.b.length > o.fuzzyBlockCap || g.p.length > o.fuzzyBlockCap) {
      warnings.push({
        code: 'fuzzy_passes_skipped',
        message: `P4/P5 skipped for ${block}: ${g.b.length} books and ${g.p.length} portal leftovers exceed the cap of ${o.fuzzyBlockCap}`,
        field: 'supplierGstin',
      });
      continue;
    }
    // P4: fuzzy number.
    const c4: Cand[] = [];
    for (const b of g.b) {
      if (b.clean === '') continue;
      const bk = { canonical: b.canon, tail: b.tail, prefix: b.prefix };
      for (const p of g.p) {
        if (p.clean === '' || !compatible(b.docType, p.docType)) continue;
        const gap = Math.abs(b.day - p.day);
        if (gap > win || !withinTol(b, p, tol) || !posRcmEqual(b, p)) continue;
        if (!isFuzzyNumberMatch(bk, { canonical: p.canon, tail: p.tail, prefix: p.prefix })) continue;
        c4.push({ b, p, taxDiff: Math.abs(b.tax - p.tax), gap, dist: dist(b, p) });
      }
    }
    if (c4.length > 0) greedy(dropAmbiguous(c4), 'P4');
    // P5: amount only, unique on both sides.
    const c5: Cand[] = [];
    const bCount = new Map<ND, number>();
    const pCount = new Map<ND, number>();
    for (const b of g.b) {
      if (b.state !== 0) continue;
      for (const p of g.p) {
        if (p.state !== 0 || !compatible(b.docType, p.docType)) continue;
        const gap = Math.abs(b.day - p.day);
        if (gap > win || !withinTol(b, p, tol) || !posRcmEqual(b, p)) continue;
        c5.push({ b, p, taxDiff: Math.abs(b.tax - p.tax), gap, dist: 0 });
        bCount.set(b, (bCount.get(b) ?? 0) + 1);
        pCount.set(p, (pCount.get(p) ?? 0) + 1);
      }
    }
    for (const c of c5) if (bCount.get(c.b) === 1 && pCount.get(c.p) === 1) pair(c.b, c.p, 'P5');
  }

  // ---- P6: same PAN, different GSTIN (§8.6) -------------------------------------------------------
  {
    const pans = new Map<string, { b: ND[]; p: ND[] }>();
    for (const p of portal) {
      if (p.state !== 0 || p.pan === '' || p.block === BOE_BLOCK) continue;
      const g = pans.get(p.pan);
      if (g) g.p.push(p);
      else pans.set(p.pan, { b: [], p: [p] });
    }
    for (const b of books) {
      if (b.state !== 0 || b.pan === '' || b.block === BOE_BLOCK || b.clean === '') continue;
      pans.get(b.pan)?.b.push(b);
    }
    for (const [pan, g] of pans) {
      if (g.b.length === 0) continue;
      if (g.b.length > o.fuzzyBlockCap || g.p.length > o.fuzzyBlockCap) {
        warnings.push({ code: 'pan_pass_skipped', message: `P6 skipped for PAN ${pan}: too many leftovers` });
        continue;
      }
      const c6: Cand[] = [];
      for (const b of g.b) {
        const bk = { canonical: b.canon, tail: b.tail, prefix: b.prefix };
        for (const p of g.p) {
          if (p.gstin === b.gstin || p.clean === '' || !compatible(b.docType, p.docType)) continue;
          const gap = Math.abs(b.day - p.day);
          if (!(b.fy === p.fy || gap <= win)) continue;
          if (Math.abs(b.tx - p.tx) > tol || Math.abs(b.tax - p.tax) > tol) continue;
          if (b.canon !== p.canon && !isFuzzyNumberMatch(bk, { canonical: p.canon, tail: p.tail, prefix: p.prefix })) continue;
          c6.push({ b, p, taxDiff: Math.abs(b.tax - p.tax), gap, dist: dist(b, p) });
        }
      }
      if (c6.length > 0) greedy(c6, 'P6');
    }
  }

  // ---- hints and IMS-rejected look-ups on leftovers ----------------------------------------------
  {
    const opposite: Readonly<Record<string, string>> = { I: 'C', C: 'I', S: 'T', T: 'S' };
    const leftPortal = new Map<string, ND[]>();
    for (const p of portal) {
      if (p.state !== 0 || p.canon === '') continue;
      const k = p.block + sep + p.family + sep + p.canon;
      const g = leftPortal.get(k);
      if (g) g.push(p);
      else leftPortal.set(k, [p]);
    }
    const rejectedByKey = new Map<string, PortalDoc>();
    for (const r of rejected) {
      const g = checkGstin(r.supplierGstin).gstin;
      const ck = canonicalKey(cleanKey(r.numberRaw), fyStartYear(r.date)).canonical;
      rejectedByKey.set((r.docType === 'bill_of_entry' ? BOE_BLOCK : g) + sep + FAMILY[r.docType] + sep + ck, r);
    }
    for (const b of books) {
      if (b.state !== 0 || b.canon === '') continue;
      const opp = opposite[b.family];
      if (opp) {
        for (const p of leftPortal.get(b.block + sep + opp + sep + b.canon) ?? []) {
          addHint(b, 'same number, opposite sign');
          addHint(p, 'same number, opposite sign');
          addFlag(b, 'same_number_opposite_sign');
          addFlag(p, 'same_number_opposite_sign');
        }
      }
      const rej = rejectedByKey.get(b.block + sep + b.family + sep + b.canon);
      if (rej) {
        addFlag(b, 'rejected_in_ims');
        b.relatedRef = rej.ref;
        addHint(b, 'document was rejected in IMS: reverse the credit or restore the document');
      }
    }
  }

  // ---- supplier signals from 2A -----------------------------------------------------------------
  if (o.supplierSignals) {
    for (const d of [...books, ...portal]) {
      const s = o.supplierSignals[d.gstin];
      if (!s) continue;
      if (s.gstr3bFiled === false) addFlag(d, 'supplier_not_filed_3b');
      if (s.gstr1Filed === false) addFlag(d, 'supplier_not_filed_gstr1');
      if (s.cancelledOn) addFlag(d, 'supplier_cancelled');
    }
  }

  // ---- build result rows --------------------------------------------------------------------------
  const results: ResultRow[] = [];
  for (const b of books) {
    if (b.state === 3) continue;
    if (b.state === 1) {
      results.push(pairRow(b, b.partner!, o));
    } else {
      const category: Category = b.category ?? 'missing_in_2b';
      results.push(singleRow(b, category, b.outReason ?? (b.flags?.has('rejected_in_ims') ? 'rejected_in_ims' : null), tol));
    }
  }
  for (const p of portal) {
    if (p.state === 1) continue;
    results.push(singleRow(p, p.category ?? 'missing_in_books', null, tol));
  }
  // §12.2: sorted by supplier then date; refs break ties so the order is total.
  results.sort((x, y) => cmpStr(x.supplierGstin, y.supplierGstin)
    || cmpStr(x.books?.invoiceDate ?? x.portal!.date, y.books?.invoiceDate ?? y.portal!.date)
    || cmpStr(x.id, y.id));
  return { results, rejected, warnings };
}

/** §8.4: drop every document that has two or more equally good candidates (sort keys 1–3). */
function dropAmbiguous(cands: Cand[]): Cand[] {
  const ambiguous = new Set<ND>();
  const best = new Map<ND, { c: Cand; ties: number }>();
  for (const c of cands) {
    for (const d of [c.b, c.p]) {
      const cur = best.get(d);
      if (!cur) {
        best.set(d, { c, ties: 1 });
        continue;
      }
      const cmp = c.taxDiff - cur.c.taxDiff || c.gap - cur.c.gap || c.dist - cur.c.dist;
      if (cmp < 0) best.set(d, { c, ties: 1 });
      else if (cmp === 0) cur.ties += 1;
    }
  }
  for (const [d, v] of best) if (v.ties > 1) ambiguous.add(d);
  return cands.filter((c) => !ambiguous.has(c.b) && !ambiguous.has(c.p));
}

const MONEY: ReadonlyArray<[DifferenceField, 'tx' | 'ig' | 'cg' | 'sg' | 'cs']> = [
  ['taxableValue', 'tx'], ['igst', 'ig'], ['cgst', 'cg'], ['sgst', 'sg'], ['cess', 'cs'],
];

function mergedFlags(b: ND | null, p: ND | null): Flag[] {
  const s = new Set<Flag>();
  b?.flags?.forEach((f) => s.add(f));
  p?.flags?.forEach((f) => s.add(f));
  return [...s].sort();
}

/** Classify a pair (§8.3) and build its result row. */
function pairRow(b: ND, p: ND, o: MatchOptions): ResultRow {
  const tol = o.amountTolerance;
  const diffs: Difference[] = [];
  for (const [field, k] of MONEY) {
    const delta = b[k] - p[k];
    // "Equal" for money means within one paisa (§8.3).
    if (Math.abs(delta) > 1) diffs.push({ field, books: b[k], portal: p[k], delta, material: Math.abs(delta) > tol });
  }
  const bInter = b.ig > 0 && b.cg + b.sg === 0;
  const bIntra = b.cg + b.sg > 0 && b.ig === 0;
  const pInter = p.ig > 0 && p.cg + p.sg === 0;
  const pIntra = p.cg + p.sg > 0 && p.ig === 0;
  if ((bInter && pIntra) || (bIntra && pInter)) {
    diffs.push({ field: 'taxHeads', books: bInter ? 'IGST' : 'CGST+SGST', portal: pInter ? 'IGST' : 'CGST+SGST', delta: null, material: true });
  }
  if (b.day !== p.day) {
    const gap = Math.abs(b.day - p.day);
    diffs.push({ field: 'invoiceDate', books: b.books!.invoiceDate, portal: p.portal!.date, delta: b.day - p.day, material: gap > o.dateWindowDays });
  }
  if (b.pos !== '' && p.pos !== '' && b.pos !== p.pos) {
    diffs.push({ field: 'placeOfSupply', books: b.pos, portal: p.pos, delta: null, material: true });
  }
  if (b.rcm !== p.rcm) diffs.push({ field: 'reverseCharge', books: b.rcm, portal: p.rcm, delta: null, material: true });
  if (b.docType === 'bill_of_entry' && b.portCode !== '' && p.portCode !== '' && b.portCode !== p.portCode) {
    diffs.push({ field: 'portCode', books: b.portCode, portal: p.portCode, delta: null, material: true });
  }
  if (b.gstin !== p.gstin && b.docType !== 'bill_of_entry') {
    diffs.push({ field: 'supplierGstin', books: b.gstin, portal: p.gstin, delta: null, material: true });
  }
  if (b.clean !== p.clean) {
    diffs.push({ field: 'invoiceNumber', books: b.books!.invoiceNumberRaw, portal: p.portal!.numberRaw, delta: null, material: false });
  }
  if (b.docType !== p.docType) diffs.push({ field: 'docType', books: b.docType, portal: p.docType, delta: null, material: false });

  const pass = b.pass!;
  const material = diffs.find((d) => d.material && !INFORMATIONAL_FIELDS.has(d.field));
  const reasons: MatchReason[] = [];
  if (pass === 'P3') reasons.push('amended_original');
  if (pass === 'P4') reasons.push('fuzzy_number');
  if (pass === 'P5') reasons.push('amount_only');
  if (pass === 'P6') reasons.push('pan_level');
  if (b.clean !== p.clean && (pass === 'P2' || pass === 'P6')) reasons.push('canonical_number');
  if (diffs.some((d) => d.delta !== null && d.field !== 'invoiceDate')) reasons.push('rounding');
  if (b.day !== p.day) reasons.push('date_within_window');
  if (pass === 'P2' && reasons.length === 0) reasons.push('canonical_number');

  let category: Category;
  let reason: ResultRow['reason'];
  let accepted = false;
  if (material || pass === 'P6') {
    category = 'mismatch';
    // P6 pairs are mismatches because of the GSTIN itself (§8.6), whatever else differs.
    reason = pass === 'P6' ? 'supplierGstin' : material!.field;
  } else if (pass === 'P1' && reasons.length === 0) {
    category = 'exact_match';
    reason = null;
    accepted = true;
  } else {
    category = 'probable_match';
    reason = reasons[0] ?? null;
    accepted = o.autoAcceptProbable && !reasons.some((r) => NEVER_AUTO_ACCEPTED.has(r));
  }
  if (pass === 'P3') addFlag(b, 'matched_on_original_number');
  const br = b.books!;
  const pr = p.portal!;
  if (periodOfDate(br.voucherDate || br.invoiceDate) !== pr.period) addFlag(b, 'period_shift');
  const hints = [...(b.hints ?? []), ...(p.hints ?? [])];
  if (b.docType !== p.docType) hints.push(`books ${b.docType} paired with portal ${p.docType}`);
  const row: ResultRow = {
    id: `${br.rowRef}|${pr.ref}`,
    category,
    reason,
    reasons: category === 'mismatch' ? reasons.filter((r) => r === 'pan_level') : reasons,
    pass,
    accepted,
    flags: mergedFlags(b, p),
    itcAvailable: pr.itcAvailable,
    supplierGstin: pr.supplierGstin || br.supplierGstin,
    supplierName: pr.supplierName || br.supplierName || '',
    books: br,
    booksRowRefs: b.rowRefs ?? [br.rowRef],
    portal: pr,
    differences: diffs,
    itc: rowItc(category, accepted, br, pr, tol),
    hints,
  };
  if (p.relatedRef) row.relatedRef = p.relatedRef;
  if (p.amendmentDelta) {
    row.amendmentDelta = p.amendmentDelta;
    row.amendmentOfEarlierPeriod = p.amendmentOfEarlierPeriod;
  }
  return row;
}

function singleRow(d: ND, category: Category, reason: ResultRow['reason'], tol: number): ResultRow {
  const br = d.books;
  const pr = d.portal;
  const row: ResultRow = {
    id: br ? `${br.rowRef}|` : `|${pr!.ref}`,
    category,
    reason,
    reasons: [],
    pass: null,
    accepted: false,
    flags: mergedFlags(d, null),
    itcAvailable: pr ? pr.itcAvailable : null,
    supplierGstin: br ? (d.gstin || br.supplierGstin) : pr!.supplierGstin,
    supplierName: (br ? br.supplierName : pr!.supplierName) ?? '',
    books: br,
    booksRowRefs: br ? (d.rowRefs ?? [br.rowRef]) : [],
    portal: pr,
    differences: [],
    itc: rowItc(category, false, br, pr, tol),
    hints: d.hints ? [...d.hints] : [],
  };
  if (d.relatedRef) row.relatedRef = d.relatedRef;
  if (d.amendmentDelta) {
    row.amendmentDelta = d.amendmentDelta;
    row.amendmentOfEarlierPeriod = d.amendmentOfEarlierPeriod;
  }
  return row;
}

/** Heads of a canonical document (re-exported for report builders). */
export { headsOf };
