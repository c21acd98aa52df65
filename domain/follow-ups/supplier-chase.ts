/**
 * Supplier chases (docs/follow-ups.md, "Supplier chases"): the second kind of mismatch request, a
 * letter to one supplier on the client's behalf, asking it to report in its GSTR-1 the documents the
 * client's GSTR-2B lacks and to amend those it reported with different details. These are the pure
 * parts: which result rows are chased, how each reads to the supplier, the letter itself, and when
 * a later GSTR-2B shows a chased document (the chase's item is then received).
 */
import type { Category, PortalDoc, ResultRow } from '../recon';
import { docTypeLabel, fieldLabel } from '../recon/labels';
import { cleanGstin, cleanKey } from '../recon/normalise';
import { MONEY_FIELDS, rupees } from '../recon/present';
import { formatRupeesText, indianDate, periodName } from '../recon/report-format';
import { escapeHtml, type Contact, type ClientMessageKind, type RenderedEmail } from './messages';
import { ITEM_TEXT_MAX } from './mismatch-items';

/** Missing in GSTR-2B (in the books, the supplier has not reported it) and reported with different details. */
export const SUPPLIER_CHASED_CATEGORIES = ['missing_in_2b', 'mismatch'] as const satisfies readonly Category[];
export type SupplierChasedCategory = (typeof SUPPLIER_CHASED_CATEGORIES)[number];

export function isSupplierChased(row: ResultRow): row is ResultRow & { category: SupplierChasedCategory } {
  return (SUPPLIER_CHASED_CATEGORIES as readonly string[]).includes(row.category) && row.userStatus !== 'ignored' && row.books !== null;
}

const money = (paise: number) => `₹${formatRupeesText(rupees(paise))}`;
const taxOf = (h: { igst: number; cgst: number; sgst: number; cess: number }) => h.igst + h.cgst + h.sgst + h.cess;

function shown(field: string, v: string | number | boolean | null): string {
  if (v === null || v === '') return 'none';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (MONEY_FIELDS.has(field) && typeof v === 'number') return money(v);
  if (field === 'invoiceDate' && typeof v === 'string') return indianDate(v);
  return String(v);
}

/** One document as the supplier knows it (the number it issued, from the client's books) and what to do. */
export function supplierItemDescription(row: ResultRow & { category: SupplierChasedCategory }): string {
  const books = row.books!;
  const what = `Your ${docTypeLabel(books.docType).toLowerCase()} ${books.invoiceNumberRaw || '(no number)'} of ${indianDate(books.invoiceDate)}, taxable ${money(books.taxableValue)}, tax ${money(taxOf(books))}`;
  let ask: string;
  if (row.category === 'missing_in_2b') {
    ask = 'not in our GSTR-2B: please report it in your GSTR-1 (or IFF)';
  } else {
    const material = row.differences.filter((d) => d.material);
    const parts = (material.length > 0 ? material : row.differences).map((d) => `${fieldLabel(d.field)}: you reported ${shown(d.field, d.portal)}, our bill says ${shown(d.field, d.books)}`);
    ask = `reported with different details (${parts.join('; ') || 'details differ'}): please amend it in your GSTR-1`;
  }
  const text = `${what}: ${ask}.`;
  return text.length <= ITEM_TEXT_MAX ? text : `${text.slice(0, ITEM_TEXT_MAX - 1)}…`;
}

export function supplierChaseTitle(supplier: { name: string; gstin: string }, period: string): string {
  const title = `Supplier chase for ${periodName(period)}: ${supplier.name || supplier.gstin} (${supplier.gstin})`;
  return title.length <= 200 ? title : `${title.slice(0, 199)}…`;
}

/** The chased document as the books have it: what a later GSTR-2B must show for the item to be received. */
export type ChasedDocument = {
  supplierGstin: string;
  category: SupplierChasedCategory;
  number: string;
  credit: boolean;
  taxableValue: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
};

export function chasedDocumentOf(row: ResultRow & { category: SupplierChasedCategory }): ChasedDocument {
  const b = row.books!;
  return { supplierGstin: row.supplierGstin, category: row.category, number: b.invoiceNumberRaw, credit: b.docType === 'credit_note', taxableValue: b.taxableValue, igst: b.igst, cgst: b.cgst, sgst: b.sgst, cess: b.cess };
}

/** Amounts agree within a rupee (the portal rounds), as the engine's rounding tolerance does. */
const TOLERANCE_PAISE = 100;

/**
 * Whether a GSTR-2B document shows the chased one: the same supplier and number (ignoring case and
 * spaces) and the same kind (a credit note is not an invoice). A document that was missing needs
 * nothing more; one that was reported with different details is shown only when the 2B now carries
 * the books' taxable value and tax heads (the supplier amended it), otherwise the same wrong
 * document would close the chase.
 */
export function showsChasedDocument(doc: PortalDoc, chased: ChasedDocument): boolean {
  if (cleanGstin(doc.supplierGstin) !== cleanGstin(chased.supplierGstin)) return false;
  if (cleanKey(doc.numberRaw) !== cleanKey(chased.number) || cleanKey(chased.number) === '') return false;
  if ((doc.docType === 'credit_note') !== chased.credit) return false;
  if (chased.category === 'missing_in_2b') return true;
  return (['taxableValue', 'igst', 'cgst', 'sgst', 'cess'] as const).every((f) => Math.abs(doc[f] - chased[f]) <= TOLERANCE_PAISE);
}

/** The item's received reason when a 2B shows it. */
export const shownInReason = (period: string) => `shown in GSTR-2B ${period}`;

const OPENING: Record<ClientMessageKind, string> = {
  initial: 'some of your documents to us are not in our GSTR-2B as they should be',
  interval: 'a reminder: some of your documents to us are still not in our GSTR-2B as they should be',
  anchored: 'our return is due soon and some of your documents are still not in our GSTR-2B as they should be',
  overdue: 'our return date has passed and some of your documents are still not in our GSTR-2B as they should be',
  nudge: 'a quick reminder about your documents missing from our GSTR-2B',
};

/**
 * The letter to the supplier. It is written for the client (whose books these are) by the firm,
 * asks the supplier to file or amend in GSTR-1, and has no link: a supplier cannot sign in to, or
 * upload into, the client's checklist. Replies go to the client.
 */
export function renderSupplierChase(input: {
  firmName: string;
  client: { name: string; gstin: string; email: string };
  supplier: { name: string; gstin: string };
  contact: Contact;
  kind: ClientMessageKind;
  items: string[];
  attachments: string[];
}): RenderedEmail {
  const { client, supplier } = input;
  const n = input.items.length;
  const subject = `${client.name} (GSTIN ${client.gstin}): ${n} document${n === 1 ? '' : 's'} to report or amend in your GSTR-1${input.kind === 'overdue' ? ' (overdue)' : ''}`;
  const intro = `${input.firmName} writes on behalf of ${client.name} (GSTIN ${client.gstin}), whose accounts we keep: ${OPENING[input.kind]}.`;
  const why = `The documents below are in ${client.name}'s purchase books, but their GSTR-2B does not show them, or shows them with different details, so ${client.name} cannot claim the input tax credit.`;
  const ask = 'Please report the missing ones in your GSTR-1 (or IFF) and amend the others in your GSTR-1 (amendment tables), so they appear correctly in the next GSTR-2B. We will stop writing as soon as they do.';
  const attached = input.attachments.length ? `Attached: ${input.attachments.join(', ')}, the statement of your documents in ${client.name}'s books.` : '';
  const reply = `Replies reach ${client.name} <${client.email}>. Questions about this statement: ${input.contact.name} <${input.contact.email}>.`;
  const text = [`Dear ${supplier.name || supplier.gstin} (GSTIN ${supplier.gstin}),`, '', intro, '', why, '', ...input.items.map((i) => `  - ${i}`), '', ask, ...(attached ? ['', attached] : []), '', reply].join('\n');
  const html = [
    `<p>Dear ${escapeHtml(supplier.name || supplier.gstin)} (GSTIN ${escapeHtml(supplier.gstin)}),</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p>${escapeHtml(why)}</p>`,
    `<ul>${input.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`,
    `<p>${escapeHtml(ask)}</p>`,
    attached ? `<p>${escapeHtml(attached)}</p>` : '',
    `<p>${escapeHtml(reply)}</p>`,
  ].join('\n');
  return { subject, text, html };
}
