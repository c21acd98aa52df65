/**
 * Purchase-register header mapping (docs/reconciliation.md, "Inputs"): the header row is found by
 * content (Tally puts company name, address and date range above it), and columns are mapped by
 * synonyms, a user's confirmed mapping, and Tally ledger names; and what the voucher-type and
 * document-type columns mean.
 */
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

const SYNONYMS: ReadonlyArray<[RegisterField, readonly string[]]> = [
  ['voucherDate', ['date', 'voucher date', 'vch date', 'posting date', 'entry date']],
  ['supplierName', ['particulars', 'party name', 'supplier name', 'party', 'vendor name', 'vendor', 'name of supplier',
    'supplier', 'trade legal name', 'account', 'party ledger', 'ledger name', 'party account name']],
  ['voucherType', ['voucher type', 'vch type']],
  ['voucherNumber', ['voucher no', 'vch no', 'voucher number', 'entry no', 'voucher no s']],
  ['invoiceNumber', ['voucher ref no', 'voucher ref', 'supplier invoice no', 'supplier invoice number', 'supplier inv no',
    'bill no', 'invoice no', 'invoice number', 'document number', 'document no', 'doc no', 'inv no', 'ref no',
    'reference no', 'vch bill no', 'note number', 'note no', 'supplier bill no']],
  ['invoiceDate', ['voucher ref date', 'supplier invoice date', 'bill date', 'invoice date', 'document date', 'doc date',
    'inv date', 'ref date', 'reference date', 'note date', 'supplier bill date']],
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
  const norm = normaliseHeader(header);
  if (norm === '') return null;
  if (userMap) {
    for (const [k, v] of Object.entries(userMap)) if (normaliseHeader(k) === norm) return v;
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
 * Headers that name the firm's own voucher number although registers without a supplier's number
 * column carry the bill number in them: Busy's `Vch/Bill No` (docs/reconciliation.md, "Inputs").
 */
const VOUCHER_OR_BILL: ReadonlySet<string> = new Set(['vch bill no']);
/** Headers that say the number is the supplier's (Tally's voucher reference is the supplier's invoice number). */
const SUPPLIERS_NUMBER: ReadonlySet<string> = new Set(['supplier bill no', 'supplier invoice no', 'supplier invoice number', 'supplier inv no', 'voucher ref no', 'voucher ref']);

/**
 * When a header has both Busy's `Vch/Bill No` and a column that names the supplier's number
 * (`Supplier Bill No`, `Supplier Invoice No`, `Voucher Ref. No.`), the supplier's is the invoice
 * number (GSTR-2B carries it) and `Vch/Bill No` is the voucher number: both map to the invoice
 * number by synonym, and the first filled column would otherwise win. A plain `Bill No` next to it
 * does not say whose number it is, and a column the user mapped keeps the user's field. In place.
 */
export function settleNumberColumns(mapped: Array<RegisterField | null>, texts: readonly string[], userMap?: Readonly<Record<string, RegisterField>>): void {
  if (!mapped.some((f, i) => f === 'invoiceNumber' && SUPPLIERS_NUMBER.has(normaliseHeader(texts[i]!)))) return;
  mapped.forEach((f, i) => {
    if (f !== 'invoiceNumber') return;
    const norm = normaliseHeader(texts[i]!);
    if (!VOUCHER_OR_BILL.has(norm) || (userMap && Object.keys(userMap).some((k) => normaliseHeader(k) === norm))) return;
    mapped[i] = 'voucherNumber';
  });
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
