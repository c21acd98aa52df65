/**
 * Manual actions (docs/reconciliation.md, "Manual decisions") on result rows: link a books-only row
 * with a portal-only row, unlink a pair, accept a probable match, mark a row pending (next period)
 * or ignored (with a reason), or clear that mark. The same functions serve the live action on a
 * stored run and the re-run that re-applies earlier decisions to fresh engine output
 * (`applyDecisions`), so both give one answer. Documents are identified across runs by their
 * content (`booksDocKey`/`portalDocKey`): a decision whose documents changed (or are gone) no
 * longer applies and is reported as stale.
 */
import { rowItc } from './itc';
import { compatible, DOC_TYPE_CODE } from './match/codes';
import { manualPairRow, matchDocuments, type MatchOptions, type ResultRow, type RowDecision } from './matcher';
import { summariseRun, type RunSummary } from './summary';
import { docTypeLabel } from './labels';
import type { BooksRow, DocType, PortalDoc } from './types';

export type DecisionAction = RowDecision['action'];

/** A decision as stored for its client and period: the row decision plus its documents' keys. */
export interface StoredDecision extends RowDecision {
  booksKey: string | null;
  portalKey: string | null;
}

/** Why an action cannot apply to the rows it names (the API answers 409 with the code; 422 for the two mismatches, docs/api.md). */
export class ManualActionError extends Error {
  constructor(
    readonly code: 'not_linkable' | 'not_a_pair' | 'not_acceptable' | 'reason_required' | 'gstin_mismatch' | 'document_type_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'ManualActionError';
  }
}

/*
 * Content keys: what the supplier's document says (GSTIN, type, number, date, amounts), not
 * where it sat in a file, so a corrected re-upload of the register keeps decisions on untouched
 * documents and drops those on changed ones.
 */
export function booksDocKey(b: BooksRow): string {
  return JSON.stringify(['B', b.supplierGstin.trim().toUpperCase(), b.docType, b.invoiceNumberRaw.trim(), b.invoiceDate,
    b.taxableValue, b.igst, b.cgst, b.sgst, b.cess]);
}

export function portalDocKey(p: PortalDoc): string {
  return JSON.stringify(['P', p.supplierGstin.trim().toUpperCase(), p.section, p.docType, p.numberRaw.trim(), p.date,
    p.taxableValue, p.igst, p.cgst, p.sgst, p.cess]);
}

/** The documents' keys of a row, as a decision on it stores them. */
export function rowKeys(row: ResultRow): { booksKey: string | null; portalKey: string | null } {
  return { booksKey: row.books ? booksDocKey(row.books) : null, portalKey: row.portal ? portalDocKey(row.portal) : null };
}

function withDecision(row: ResultRow, d: RowDecision, ...earlier: ResultRow[]): ResultRow {
  const decisions: RowDecision[] = [];
  for (const r of earlier) if (r.decisions) decisions.push(...r.decisions);
  decisions.push(d);
  return { ...row, decisions };
}

const sameGstin = (a: string, b: string): boolean => a.trim().toUpperCase() === b.trim().toUpperCase();

/**
 * Whether a books document and a 2B document may stand as one pair: the engine's own type rule
 * (docs/reconciliation.md, "Pools and pairing"), so a person links nothing the passes would never
 * pair. An invoice is never a credit note: such a pair has no meaning for the claim (its ITC
 * figures would carry the 2B note's sign against the books invoice's tax), and the usual cause, a
 * credit note booked as an invoice, is corrected in the books, not by a link.
 */
export function linkableTypes(books: BooksRow, portal: PortalDoc): boolean {
  return compatible(DOC_TYPE_CODE[books.docType], DOC_TYPE_CODE[portal.docType]);
}

/** A document type in a sentence ("an invoice", "a credit note", "an ISD invoice"), in the labels' words. */
function typeWords(t: DocType): string {
  const label = docTypeLabel(t);
  const w = label.startsWith('ISD') ? label : label.toLowerCase();
  return `${/^[aeiou]/i.test(w) || w.startsWith('ISD') ? 'an' : 'a'} ${w}`;
}

/**
 * Rows a link can join: a books document the portal lacks, and a portal document the books lack.
 * Two different supplier GSTINs are refused unless the person confirmed them (`confirmDifferentGstin`,
 * docs/api.md): the linked row is filed under the GSTIN GSTR-2B shows, so the books document leaves
 * its supplier's statement and chases, which a slip of the mouse must not do silently. A decision
 * stored after that confirmation is applied again on later runs without asking (applyDecisions).
 */
export function linkRows(booksOnly: ResultRow, portalOnly: ResultRow, d: RowDecision, opts: Partial<MatchOptions>, confirmDifferentGstin = false): ResultRow {
  if (booksOnly.category !== 'missing_in_2b' || !booksOnly.books) {
    throw new ManualActionError('not_linkable', `Only a "missing in GSTR-2B" books row can be linked; this one is ${booksOnly.category}.`);
  }
  if (portalOnly.category !== 'missing_in_books' || !portalOnly.portal) {
    throw new ManualActionError('not_linkable', `Only a "missing in books" portal row can be linked; this one is ${portalOnly.category}.`);
  }
  if (!linkableTypes(booksOnly.books, portalOnly.portal)) {
    throw new ManualActionError('document_type_mismatch', `The books document is ${typeWords(booksOnly.books.docType)} and the GSTR-2B document ${typeWords(portalOnly.portal.docType)}: they cannot be one document. Only documents of the same kind can be linked (a supplier's debit note may be linked to a books invoice); if the books record the document as the wrong kind, correct the purchase register and reconcile again.`);
  }
  if (!confirmDifferentGstin && !sameGstin(booksOnly.books.supplierGstin, portalOnly.portal.supplierGstin)) {
    throw new ManualActionError('gstin_mismatch', `The books row is from supplier ${booksOnly.books.supplierGstin} and the GSTR-2B document from ${portalOnly.portal.supplierGstin}: linking them files both under ${portalOnly.portal.supplierGstin} (the GSTIN in GSTR-2B), and ${booksOnly.books.supplierGstin}'s statement no longer shows the document. Send "confirmDifferentGstin": true to link them anyway.`);
  }
  const row = manualPairRow(booksOnly.books, portalOnly.portal, opts);
  // A linked bill of entry still stands for every register line aggregated into it.
  return withDecision({ ...row, booksRowRefs: booksOnly.booksRowRefs }, d, booksOnly, portalOnly);
}

/** A pair split into its books-only and portal-only rows, each as the engine shows an unpaired document. */
export function unlinkRow(pair: ResultRow, d: RowDecision, opts: Partial<MatchOptions>): [ResultRow, ResultRow] {
  if (!pair.books || !pair.portal) throw new ManualActionError('not_a_pair', `Only a row with both documents can be unlinked; this one is ${pair.category}.`);
  const books = matchDocuments([pair.books], [], opts).results[0]!;
  const portal = matchDocuments([], [{ ...pair.portal, rejected: false }], opts).results[0]!;
  return [withDecision({ ...books, booksRowRefs: pair.booksRowRefs }, d, pair), withDecision(portal, d, pair)];
}

/** A probable match confirmed by a user: its tax counts as matched, no longer "to confirm". */
export function acceptRow(row: ResultRow, d: RowDecision, opts: Partial<MatchOptions> & Pick<MatchOptions, 'amountTolerance'>): ResultRow {
  if (row.category !== 'probable_match') throw new ManualActionError('not_acceptable', `Only a probable match can be accepted; this one is ${row.category}.`);
  const itc = rowItc(row.category, true, row.books, row.portal, opts.amountTolerance);
  return withDecision({ ...row, accepted: true, itc }, d, row);
}

/** Pending (follow up next period), ignored (with a reason) or cleared: figures are unchanged. */
export function markRow(row: ResultRow, d: RowDecision): ResultRow {
  const marked = withDecision(row, d, row);
  if (d.action === 'clear') {
    delete marked.userStatus;
    return marked;
  }
  if (d.action === 'ignore' && !d.note?.trim()) throw new ManualActionError('reason_required', 'Ignoring a row needs a reason.');
  if (d.action !== 'pending' && d.action !== 'ignore') throw new Error(`markRow: ${d.action} is not a mark`);
  marked.userStatus = d.action === 'pending' ? 'pending' : 'ignored';
  return marked;
}

export interface AppliedDecisions {
  results: ResultRow[];
  /** Ids of decisions that shaped the rows (or already held). */
  applied: string[];
  /** Ids of decisions whose documents changed or are gone. */
  stale: string[];
}

/**
 * Re-apply a client-period's decisions, oldest first, to a fresh run's rows. Rows split off by a
 * link or an unlink follow the row they came from; everything else keeps the engine's order.
 * A link of two documents the engine now pairs by itself is left to the engine.
 */
export function applyDecisions(results: readonly ResultRow[], decisions: readonly StoredDecision[], opts: MatchOptions): AppliedDecisions {
  const { slots, applied, stale } = applyDecisionSlots(results, decisions, opts);
  return { results: slots.flat(), applied, stale };
}

/**
 * applyDecisions, with the rows standing where each given row stood (`slots[i]`: none once merged
 * away, two once split), so a caller that passed only the rows the decisions name can put them
 * back among the others (activities/reconciliation-decisions.ts).
 */
export function applyDecisionSlots(results: readonly ResultRow[], decisions: readonly StoredDecision[], opts: MatchOptions):
  { slots: ResultRow[][]; applied: string[]; stale: string[] } {
  // slots[i]: the rows standing where the engine's row i stood (empty once merged away).
  const slots: ResultRow[][] = results.map((r) => [r]);
  const byBooks = new Map<string, number>();
  const byPortal = new Map<string, number>();
  const index = (row: ResultRow, slot: number): void => {
    // Identical documents share a key: the first in result order carries the decision.
    if (row.books) {
      const k = booksDocKey(row.books);
      if (!byBooks.has(k)) byBooks.set(k, slot);
    }
    if (row.portal) {
      const k = portalDocKey(row.portal);
      if (!byPortal.has(k)) byPortal.set(k, slot);
    }
  };
  results.forEach((r, i) => index(r, i));
  const find = (slot: number | undefined, has: (r: ResultRow) => boolean): ResultRow | undefined =>
    slot === undefined ? undefined : slots[slot]!.find(has);
  const booksRow = (key: string | null) => (key === null ? undefined : find(byBooks.get(key), (r) => r.books !== null && booksDocKey(r.books) === key));
  const portalRow = (key: string | null) => (key === null ? undefined : find(byPortal.get(key), (r) => r.portal !== null && portalDocKey(r.portal) === key));
  const replace = (old: ResultRow, slot: number, rows: ResultRow[]): void => {
    const list = slots[slot]!;
    const at = list.indexOf(old);
    if (at < 0) throw new Error('applyDecisions: a row left its slot');
    list.splice(at, 1, ...rows);
    for (const r of rows) {
      if (r.books) byBooks.set(booksDocKey(r.books), slot);
      if (r.portal) byPortal.set(portalDocKey(r.portal), slot);
    }
  };

  const applied: string[] = [];
  const stale: string[] = [];
  for (const d of decisions) {
    const rb = booksRow(d.booksKey);
    const rp = portalRow(d.portalKey);
    const slotB = d.booksKey === null ? undefined : byBooks.get(d.booksKey);
    const slotP = d.portalKey === null ? undefined : byPortal.get(d.portalKey);
    if ((d.booksKey !== null && !rb) || (d.portalKey !== null && !rp)) {
      stale.push(d.id);
      continue;
    }
    const samePair = rb !== undefined && rb === rp;
    switch (d.action) {
      case 'link': {
        if (samePair) break; // paired again, by the engine or by an earlier link
        // A link across document types (refused since, docs/reconciliation.md "Manual actions") no
        // longer applies, and breaks none of the pairs the engine made with its documents.
        if (!linkableTypes(rb!.books!, rp!.portal!)) {
          stale.push(d.id);
          continue;
        }
        let b = rb!;
        let p = rp!;
        if (b.portal) {
          const [bo, po] = unlinkRow(b, d, opts);
          replace(b, slotB!, [bo, po]);
          b = bo;
        }
        if (p.books) {
          const [bo, po] = unlinkRow(p, d, opts);
          replace(p, slotP!, [bo, po]);
          p = po;
        }
        if (b.category !== 'missing_in_2b' || p.category !== 'missing_in_books') {
          stale.push(d.id);
          continue;
        }
        // Confirmed when it was made (a link across GSTINs is refused otherwise): applied as it stands.
        const linked = linkRows(b, p, d, opts, true);
        // The portal-only row leaves its slot; the linked row (holding both documents) takes the books row's.
        replace(p, byPortal.get(d.portalKey!)!, []);
        replace(b, byBooks.get(d.booksKey!)!, [linked]);
        break;
      }
      case 'unlink':
        if (samePair) replace(rb, slotB!, unlinkRow(rb, d, opts));
        break;
      case 'accept':
        if (!samePair || rb.category !== 'probable_match') {
          stale.push(d.id);
          continue;
        }
        if (!rb.accepted) replace(rb, slotB!, [acceptRow(rb, d, opts)]);
        break;
      default: {
        // A mark follows the books document when there is one, else the portal document.
        const row = rb ?? rp!;
        replace(row, rb ? slotB! : slotP!, [markRow(row, d)]);
      }
    }
    applied.push(d.id);
  }
  return { slots, applied, stale };
}

/**
 * The run summary after some rows were replaced: every figure in it is a sum over rows, so it
 * moves by the added rows' figures minus the removed rows'. Options and warning counts stay.
 */
export function adjustRunSummary(summary: RunSummary, removed: readonly ResultRow[], added: readonly ResultRow[]): RunSummary {
  const plus = summariseRun(added, [], summary.options, []);
  const minus = summariseRun(removed, [], summary.options, []);
  const out = structuredClone(summary);
  addDelta(out as unknown as Numeric, plus as unknown as Numeric, minus as unknown as Numeric, ['options', 'warningCount']);
  return out;
}

type Numeric = { [k: string]: number | Numeric };

function addDelta(into: Numeric, plus: Numeric, minus: Numeric, skip: readonly string[] = []): void {
  for (const k of Object.keys(plus)) {
    if (skip.includes(k)) continue;
    const p = plus[k]!;
    const m = minus[k]!;
    if (typeof p === 'number') into[k] = (into[k] as number) + p - (m as number);
    else addDelta(into[k] as Numeric, p, m as Numeric);
  }
}
