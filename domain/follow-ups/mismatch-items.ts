/**
 * What a mismatch follow-up asks the client (docs/follow-ups.md, "Mismatch follow-ups"): one
 * checklist item per document of the named suppliers that the client must act on, in the client's
 * terms ("your books", "the supplier's GSTR-1"). A document is one item so the client can answer
 * each on its own (upload the bill, or say why it is not theirs) and the chase stops exactly when
 * the last one is dealt with.
 */
import type { Category, ResultRow } from '../recon';
import { docTypeLabel, fieldLabel } from '../recon/labels';
import { MONEY_FIELDS, rupees } from '../recon/present';
import { formatRupeesText, indianDate, periodName } from '../recon/report-format';

/** The categories a client is chased for: bills the supplier reported that the books lack, and bills that differ. */
export const CHASED_CATEGORIES = ['missing_in_books', 'mismatch'] as const satisfies readonly Category[];
export type ChasedCategory = (typeof CHASED_CATEGORIES)[number];

/** Rows worth chasing: a chased category, and not set aside by a reviewer (ignored with a reason). */
export function isChased(row: ResultRow): row is ResultRow & { category: ChasedCategory } {
  return (CHASED_CATEGORIES as readonly string[]).includes(row.category) && row.userStatus !== 'ignored';
}

/** The checklist takes at most this much text per item. */
export const ITEM_TEXT_MAX = 500;

const money = (paise: number) => `₹${formatRupeesText(rupees(paise))}`;
const tax = (h: { igst: number; cgst: number; sgst: number; cess: number }) => h.igst + h.cgst + h.sgst + h.cess;

function shown(field: string, v: string | number | boolean | null): string {
  if (v === null || v === '') return 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (MONEY_FIELDS.has(field) && typeof v === 'number') return money(v);
  if (field === 'invoiceDate' && typeof v === 'string') return indianDate(v);
  if (field === 'docType' && typeof v === 'string') return docTypeLabel(v);
  return String(v);
}

/** One document, described for the client: who, which bill, how much, and what is wrong. */
export function mismatchItemDescription(row: ResultRow & { category: ChasedCategory }): string {
  // The supplier's side names the document as the supplier issued it; the books' side when 2B has none.
  const doc = row.portal
    ? { number: row.portal.numberRaw, date: row.portal.date, type: row.portal.docType, taxable: row.portal.taxableValue, tax: tax(row.portal) }
    : { number: row.books?.invoiceNumberRaw ?? '', date: row.books?.invoiceDate ?? '', type: row.books?.docType ?? 'invoice', taxable: row.books?.taxableValue ?? 0, tax: row.books ? tax(row.books) : 0 };
  const who = `${row.supplierName || 'Supplier'} (${row.supplierGstin})`;
  const what = `${docTypeLabel(doc.type).toLowerCase()} ${doc.number} of ${indianDate(doc.date)}, taxable ${money(doc.taxable)}, tax ${money(doc.tax)}`;
  let ask: string;
  if (row.category === 'missing_in_books') {
    ask = "in the supplier's GSTR-1 but not in your purchase books: please send us a copy of the bill, or tell us why it is not yours";
  } else {
    const material = row.differences.filter((d) => d.material);
    const parts = (material.length > 0 ? material : row.differences).map((d) => `${fieldLabel(d.field)}: supplier ${shown(d.field, d.portal)}, your books ${shown(d.field, d.books)}`);
    ask = `the supplier reported different details (${parts.join('; ') || 'details differ'}): please check your bill and send us a copy, or ask the supplier to amend`;
  }
  const text = `${who}: ${what}. ${ask[0]!.toUpperCase()}${ask.slice(1)}.`;
  return text.length <= ITEM_TEXT_MAX ? text : `${text.slice(0, ITEM_TEXT_MAX - 1)}…`;
}

/** The follow-up's default title: the suppliers (by name) and the period. */
export function mismatchTitle(suppliers: Array<{ name: string; gstin: string }>, period: string): string {
  const names = suppliers.map((s) => s.name || s.gstin);
  const who = names.length <= 2 ? names.join(' and ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
  const title = `Purchase bills to check for ${periodName(period)}: ${who}`;
  return title.length <= 200 ? title : `${title.slice(0, 199)}…`;
}

/** The note beside a section whose message carries supplier statements. */
export function statementNote(files: string[]): string {
  return files.length === 1
    ? `Attached: ${files[0]}, the supplier's statement of these documents (you may forward it to the supplier).`
    : `Attached: ${files.join(', ')}, one statement per supplier (you may forward each to its supplier).`;
}
