/**
 * ITC at risk as every view shows it (docs/reconciliation.md, "Credit notes not in 2B"). The
 * engine stores each row's at-risk heads signed by document type, so a purchase return (credit
 * note) the books hold and 2B does not carries a negative figure: the books already reversed that
 * credit, 2B still shows it, and the buyer's claim is not at risk from it. Views therefore count a
 * row's at-risk heads only when positive; the stored figures stay the engine's (its sums are the
 * golden output), and the negative part is shown on its own as "credit notes not in 2B".
 *
 * A credit-note pair's at-risk heads may differ in sign (a 2B note's excess is positive, a books
 * note's excess negative: docs/reconciliation.md, "Credit notes in 2B, not in the books"), so the
 * rule is per head, never per row. The SQL sums in db/reconciliation-set-aside.ts apply it per head
 * with `greatest(…, 0)`.
 */
import type { DocType, Heads } from './types';

/** The document types whose ITC effect subtracts (signOf, normalise.ts): only their rows can carry a negative at-risk. */
export const CREDIT_NOTE_TYPES: readonly DocType[] = ['credit_note', 'isd_credit_note'];
/** SQL: a stored result row aliased `r` whose books side is a credit note (the types above are constants, never input). */
export const CREDIT_NOTE_ROWS_SQL = `(r.row->'books'->>'docType') in (${CREDIT_NOTE_TYPES.map((t) => `'${t}'`).join(', ')})`;

/** A row's ITC at risk as shown: its positive heads (a credit note's reversal is no risk). */
export function shownRisk(h: Readonly<Heads>): Heads {
  return { igst: Math.max(h.igst, 0), cgst: Math.max(h.cgst, 0), sgst: Math.max(h.sgst, 0), cess: Math.max(h.cess, 0) };
}

/** What a row's stored at-risk adds to "credit notes not in 2B" (positive paise per head). */
export function creditNoteReversal(h: Readonly<Heads>): Heads {
  return { igst: Math.max(-h.igst, 0), cgst: Math.max(-h.cgst, 0), sgst: Math.max(-h.sgst, 0), cess: Math.max(-h.cess, 0) };
}

/** SQL: the shown at-risk of head `h` of a stored result row aliased `r`. */
export const shownRiskSql = (h: string): string => `greatest((r.row->'itc'->'atRisk'->>'${h}')::bigint, 0)`;
/** SQL: the credit-note reversal (positive) of head `h` of a stored result row aliased `r`. */
export const creditNoteSql = (h: string): string => `greatest(-(r.row->'itc'->'atRisk'->>'${h}')::bigint, 0)`;
