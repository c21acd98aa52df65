/**
 * Purchase-register header mapping (docs/reconciliation.md, "Inputs"): the header row is found by
 * content (Tally puts company name, address and date range above it), and columns are mapped by
 * synonyms, a user's confirmed mapping, and Tally ledger names; and what the voucher-type and
 * document-type columns mean.
 */
import { TEXT_LIMITS } from './text-limits';
import type { DocType } from './types';

export type RegisterField =
  | 'voucherDate' | 'supplierName' | 'voucherType' | 'voucherNumber' | 'invoiceNumber' | 'invoiceDate'
  | 'gstin' | 'pan' | 'taxableValue' | 'invoiceValue' | 'igst' | 'cgst' | 'sgst' | 'cess'
  | 'placeOfSupply' | 'reverseCharge' | 'docType' | 'itcEligible' | 'portCode' | 'billOfEntryNumber'
  | 'busyTaxType' | 'purchaseLedger' | 'ignore';

export interface ColumnMapping {
  column: number;
  header: string;
  field: RegisterField;
}

export function normaliseHeader(text: string): string {
  return text.toLowerCase().replace(/&/g, ' and ').replace(/₹|\(rs\.?\)|\(inr\)/g, ' ').replace(/[^a-z0-9%]+/g, ' ').trim();
}

/**
 * The longest cell a header search reads as a heading: the longest header text a register keeps
 * (docs/security-limits.md, "Cells and texts"), far above any heading a register or the portal
 * writes. The search looks at every cell of a file's first rows, which may hold cells of megabytes.
 */
export const HEADING_MAX = TEXT_LIMITS.name;

/**
 * A cell's text as the header tables know it (normaliseHeader), or '' (no heading) for a cell longer
 * than HEADING_MAX, which is never normalised: lower-casing and rewriting a cell of megabytes per
 * row searched cost far more than the search, for a cell that cannot be a heading.
 */
export function headingKey(text: string): string {
  return text.length > HEADING_MAX ? '' : normaliseHeader(text);
}

/**
 * Headers that say the number is the supplier's: Tally's voucher reference is the supplier's invoice
 * number, and a party is the supplier in a purchase register (docs/reconciliation.md, "Inputs").
 * Synonyms of the invoice number that outrank the generic ones (supplierColumnsFirst).
 */
const SUPPLIERS_NUMBER_HEADERS = ['voucher ref no', 'voucher ref', 'supplier invoice no', 'supplier invoice number', 'supplier inv no',
  'supplier bill no', 'supplier bill number', 'party bill no', 'party invoice no', 'party inv no'];
/** The dates of those numbers. */
const SUPPLIERS_DATE_HEADERS = ['voucher ref date', 'supplier invoice date', 'supplier bill date', 'supplier inv date', 'party bill date',
  'party invoice date'];

const SYNONYMS: ReadonlyArray<[RegisterField, readonly string[]]> = [
  ['voucherDate', ['date', 'voucher date', 'vch date', 'posting date', 'entry date']],
  ['supplierName', ['particulars', 'party name', 'supplier name', 'party', 'vendor name', 'vendor', 'name of supplier',
    'supplier', 'trade legal name', 'account', 'party ledger', 'ledger name', 'party account name']],
  ['voucherType', ['voucher type', 'vch type']],
  ['voucherNumber', ['voucher no', 'vch no', 'voucher number', 'entry no', 'voucher no s']],
  ['invoiceNumber', [...SUPPLIERS_NUMBER_HEADERS, 'bill no', 'invoice no', 'invoice number', 'document number', 'document no',
    'doc no', 'inv no', 'ref no', 'reference no', 'vch bill no', 'note number', 'note no']],
  // Busy's `Vch/Bill Date` is the date of its `Vch/Bill No`, read as the invoice's like that number.
  ['invoiceDate', [...SUPPLIERS_DATE_HEADERS, 'bill date', 'invoice date', 'document date', 'doc date', 'inv date', 'ref date',
    'reference date', 'note date', 'vch bill date']],
  ['gstin', ['gstin uin', 'gstin', 'gstin of supplier', 'party gstin', 'gst no', 'supplier gstin', 'gstin no', 'gst number',
    'gstin uin of supplier', 'gst in', 'party gstin uin', 'vendor gstin']],
  ['pan', ['pan no', 'pan', 'pan number', 'it pan']],
  ['taxableValue', ['value', 'taxable value', 'assessable value', 'taxable amount', 'taxable amt', 'taxable']],
  ['invoiceValue', ['gross total', 'invoice value', 'invoice amount', 'bill amount', 'total amount', 'total value', 'amount']],
  ['igst', ['integrated tax', 'igst amt', 'igst', 'igst amount', 'integrated tax amount']],
  ['cgst', ['central tax', 'cgst', 'cgst amt', 'cgst amount', 'central tax amount']],
  ['sgst', ['state ut tax', 'sgst', 'sgst amt', 'sgst amount', 'utgst', 'sgst utgst', 'state tax', 'state ut tax amount']],
  ['cess', ['cess', 'cess amt', 'cess amount']],
  ['placeOfSupply', ['place of supply', 'pos', 'place of supply pos']],
  ['reverseCharge', ['reverse charge', 'rcm', 'reverse charge applicable', 'supply attract reverse charge', 'is rcm']],
  ['docType', ['document type', 'doc type', 'note type']],
  ['itcEligible', ['itc eligible', 'eligible for itc', 'itc eligibility', 'eligibility for itc', 'itc availability']],
  ['portCode', ['port code']],
  ['billOfEntryNumber', ['bill of entry no', 'bill of entry number', 'boe no', 'boe number']],
  ['busyTaxType', ['type', 'tax type']],
  ['ignore', ['narration', 'quantity', 'rate', 'consignee party', 'address', 'sr no', 's no', 'sl no', 'unit', 'round off',
    'hsn', 'hsn sac', 'hsn code']],
];
const SYNONYM_MAP: ReadonlyMap<string, RegisterField> = new Map(
  SYNONYMS.flatMap(([field, names]) => names.map((n) => [n, field] as [string, RegisterField])),
);

/**
 * Map one header cell: user map, then synonyms, then Tally ledger classification
 * (docs/reconciliation.md, "Inputs"): a ledger column is a tax head when its words name one
 * (CGST/Central, SGST/UTGST/State, IGST/Integrated, Cess) — word-based so "Purchase - Interstate"
 * is not SGST — and a purchase ledger (part of taxable value) when it names a purchase.
 */
export function mapHeader(header: string, userMap?: Readonly<Record<string, RegisterField>>): RegisterField | null {
  const norm = headingKey(header);
  if (norm === '') return null;
  if (userMap) {
    for (const [k, v] of Object.entries(userMap)) if (headingKey(k) === norm) return v;
  }
  const syn = SYNONYM_MAP.get(norm);
  if (syn) return syn;
  const words = new Set(norm.split(' '));
  if (words.has('round')) return 'ignore';
  const tax: RegisterField | null = words.has('cess') ? 'cess'
    : words.has('igst') || words.has('integrated') ? 'igst'
      : words.has('cgst') || words.has('central') ? 'cgst'
        : words.has('sgst') || words.has('utgst') || words.has('state') ? 'sgst' : null;
  const purchase = words.has('purchase') || words.has('purchases') || words.has('purch');
  if (tax && (!purchase || words.has('input'))) return tax;
  if (purchase) return 'purchaseLedger';
  return null;
}

/**
 * Headers that name the firm's own voucher number (and its date) although registers without a
 * supplier's number column carry the bill number in them: Busy's `Vch/Bill No` and `Vch/Bill Date`
 * (docs/reconciliation.md, "Inputs"); each with the field it is beside the supplier's number.
 */
const VOUCHER_OR_BILL: ReadonlyMap<string, 'voucherNumber' | 'voucherDate'> = new Map([['vch bill no', 'voucherNumber'], ['vch bill date', 'voucherDate']]);
const SUPPLIERS_NUMBER: ReadonlySet<string> = new Set(SUPPLIERS_NUMBER_HEADERS);
const SUPPLIERS_DATE: ReadonlySet<string> = new Set(SUPPLIERS_DATE_HEADERS);
/**
 * Headers that name a bill or invoice number without saying whose. Beside Busy's `Vch/Bill No` such
 * a column may be the supplier's bill number or the firm's own bill-by-bill reference, so the reader
 * does not choose between them by name (docs/reconciliation.md, "Inputs"): it warns instead.
 */
const PLAIN_NUMBER: ReadonlySet<string> = new Set(['bill no', 'invoice no', 'invoice number']);

/**
 * When a header has both Busy's `Vch/Bill No` and a column that names the supplier's number
 * (`Supplier Bill No`, `Supplier Invoice No`, `Voucher Ref. No.`), the supplier's is the invoice
 * number (GSTR-2B carries it) and `Vch/Bill No` is the voucher number (`Vch/Bill Date` the voucher
 * date, so a row without the supplier's date says its date is the voucher's): both map to the invoice
 * number by synonym, and the first filled column would otherwise win. A plain `Bill No` next to it
 * does not say whose number it is, and a column the user mapped keeps the user's field. In place.
 */
export function settleNumberColumns(mapped: Array<RegisterField | null>, texts: readonly string[], userMap?: Readonly<Record<string, RegisterField>>): void {
  if (!mapped.some((f, i) => f === 'invoiceNumber' && SUPPLIERS_NUMBER.has(headingKey(texts[i]!)))) return;
  mapped.forEach((f, i) => {
    if (f !== 'invoiceNumber' && f !== 'invoiceDate') return;
    const norm = headingKey(texts[i]!);
    const own = VOUCHER_OR_BILL.get(norm);
    if (own === undefined || userMapped(norm, userMap)) return;
    mapped[i] = own;
  });
}

/**
 * The columns mapped to the invoice number (or its date), in the order a row's value is looked for:
 * the columns whose header says the value is the supplier's before the others, each group in column
 * order. A generic `Bill No`, `Invoice No` or `Document No` beside `Supplier Bill No` may be the
 * firm's own reference (docs/reconciliation.md, "Inputs"), so it is read only where the supplier's
 * column is blank, whichever comes first in the file. Columns the user mapped to the field come
 * before any the reader mapped: the user's word settles whose number a column holds.
 */
export function supplierColumnsFirst(field: 'invoiceNumber' | 'invoiceDate', columns: readonly number[], texts: readonly string[], userMap?: Readonly<Record<string, RegisterField>>): readonly number[] {
  if (columns.length < 2) return columns;
  const named = field === 'invoiceNumber' ? SUPPLIERS_NUMBER : SUPPLIERS_DATE;
  const rank = (i: number): number => {
    const norm = headingKey(texts[i]!);
    return (userMapped(norm, userMap) ? 0 : 2) + (named.has(norm) ? 0 : 1);
  };
  // Array.prototype.sort is stable: equal ranks keep column order.
  return [...columns].sort((a, b) => rank(a) - rank(b));
}

const userMapped = (norm: string, userMap: Readonly<Record<string, RegisterField>> | undefined): boolean =>
  userMap !== undefined && Object.keys(userMap).some((k) => headingKey(k) === norm);

/**
 * Busy's `Vch/Bill No` and a plain bill or invoice number (`Bill No`, `Invoice No`) both read as the
 * invoice number, neither mapped by the user: which column the reader takes as the invoice number
 * (the first filled one, in column order; `taken`) and the other (`other`), header texts as in the
 * file, for the warning `ambiguous_invoice_number_column`; else null. Call after settleNumberColumns.
 */
export function ambiguousNumberColumns(mapped: ReadonlyArray<RegisterField | null>, texts: readonly string[], userMap?: Readonly<Record<string, RegisterField>>): { taken: string; other: string } | null {
  let busy = -1;
  let plain = -1;
  mapped.forEach((f, i) => {
    if (f !== 'invoiceNumber') return;
    const norm = headingKey(texts[i]!);
    if (userMapped(norm, userMap)) return;
    if (busy < 0 && VOUCHER_OR_BILL.get(norm) === 'voucherNumber') busy = i;
    else if (plain < 0 && PLAIN_NUMBER.has(norm)) plain = i;
  });
  if (busy < 0 || plain < 0) return null;
  const [first, second] = busy < plain ? [busy, plain] : [plain, busy];
  return { taken: texts[first]!, other: texts[second]! };
}

const NUMBER_FIELDS: ReadonlySet<RegisterField> = new Set(['invoiceNumber', 'voucherNumber']);
const AMOUNT_FIELDS: ReadonlySet<RegisterField> = new Set(['taxableValue', 'igst', 'cgst', 'sgst', 'cess', 'purchaseLedger', 'invoiceValue']);

/** A row is the header when it maps at least four fields, one a number and one an amount. */
export function looksLikeHeader(mapped: Array<RegisterField | null>): boolean {
  const fields = mapped.filter((f): f is RegisterField => f !== null && f !== 'ignore');
  const distinct = new Set(fields);
  const hasNumber = fields.some((f) => NUMBER_FIELDS.has(f));
  const hasAmount = fields.some((f) => AMOUNT_FIELDS.has(f));
  return distinct.size >= 4 && hasNumber && hasAmount;
}

/** Tally voucher types are the client's view: a Debit Note voucher is the supplier's credit note. */
export function docTypeFromVoucherType(v: string): DocType | 'skip' | null {
  const s = v.toLowerCase();
  if (s === '') return null;
  if (s.includes('debit note') || s.includes('purchase return')) return 'credit_note';
  if (s.includes('credit note')) return 'debit_note';
  if (s.includes('purchase') || s.includes('journal') || s.includes('import')) return 'invoice';
  if (s.includes('sales') || s.includes('receipt') || s.includes('payment') || s.includes('contra')) return 'skip';
  return null;
}

/** A document-type column describes the supplier's document. */
export function docTypeFromColumn(v: string): DocType | null {
  const s = v.toLowerCase().replace(/[^a-z]/g, '');
  if (s === '') return null;
  if (['invoice', 'inv', 'taxinvoice', 'purchase', 'bill', 'i', 'r', 'regular'].includes(s)) return 'invoice';
  if (['creditnote', 'cn', 'c', 'cdn'].includes(s)) return 'credit_note';
  if (['debitnote', 'dn', 'd'].includes(s)) return 'debit_note';
  if (['billofentry', 'boe', 'import', 'impg'].includes(s)) return 'bill_of_entry';
  if (['isdinvoice', 'isdi'].includes(s)) return 'isd_invoice';
  if (['isdcreditnote', 'isdc'].includes(s)) return 'isd_credit_note';
  return null;
}
