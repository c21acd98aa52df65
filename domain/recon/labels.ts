/**
 * The words a CA reads in place of our codes, in one place: the workbook, the CSV and the supplier
 * statement take every label from here, so no export shows `exact_match`, `canonical_number` or
 * `taxableValue`. The codes themselves (categories.ts) stay in the API and the tables.
 */
import type { Category, DifferenceField, Flag, MatchReason, OutOfScopeReason } from './categories';
import type { ItcFigures } from './itc';
import type { ResultRow, RowDecision } from './match/options';
import type { RegisterField } from './register-header';
import type { DocType, PortalSection } from './types';

export const CATEGORY_LABELS: Readonly<Record<Category, string>> = {
  exact_match: 'Matched',
  probable_match: 'Probable match',
  mismatch: 'Mismatch',
  manual_match: 'Matched manually',
  missing_in_2b: 'Missing in 2B',
  missing_in_books: 'Missing in books',
  duplicate_in_books: 'Duplicate in books',
  out_of_scope: 'Not expected in 2B',
  superseded: 'Replaced by amendment',
};

/** What a row's `reason` says, whichever kind of reason it is. */
const REASON_LABELS: Readonly<Record<MatchReason | OutOfScopeReason | 'rejected_in_ims', string>> = {
  canonical_number: 'Invoice number written differently',
  rounding: 'Amounts differ within tolerance',
  date_within_window: 'Invoice date differs within the allowed days',
  amended_original: 'Matched to the original of an amendment',
  fuzzy_number: 'Invoice number nearly the same',
  amount_only: 'Same supplier and amounts, number differs',
  pan_level: 'Same PAN, different GSTIN',
  no_supplier_gstin: 'Supplier has no GSTIN',
  zero_tax: 'No tax charged',
  import_of_services: 'Import of services',
  rejected_in_ims: 'Rejected in IMS',
};

export const FIELD_LABELS: Readonly<Record<DifferenceField, string>> = {
  taxableValue: 'Taxable value',
  igst: 'IGST',
  cgst: 'CGST',
  sgst: 'SGST',
  cess: 'Cess',
  taxHeads: 'Tax type (IGST vs CGST+SGST)',
  invoiceNumber: 'Invoice number',
  invoiceDate: 'Invoice date',
  placeOfSupply: 'Place of supply',
  reverseCharge: 'Reverse charge',
  supplierGstin: 'Supplier GSTIN',
  docType: 'Document type',
  portCode: 'Port code',
};

export const FLAG_LABELS: Readonly<Record<Flag, string>> = {
  rejected_in_ims: 'Rejected in IMS',
  amended: 'Amended by supplier',
  matched_on_original_number: 'Matched on original number',
  period_shift: 'Reported in another period',
  invalid_gstin: 'GSTIN check digit invalid',
  supplier_not_filed_3b: 'Supplier has not filed GSTR-3B',
  supplier_not_filed_gstr1: 'Supplier has not filed GSTR-1',
  supplier_cancelled: 'Supplier registration cancelled',
  derived_amounts: 'Tax worked back from totals',
  books_date_fallback: 'Voucher date used as invoice date',
  itc_not_eligible: 'ITC not eligible in books',
  possible_duplicate: 'Possible duplicate',
  same_number_different_amounts: 'Same number, different amounts',
  same_number_opposite_sign: 'Same number, opposite sign',
};

export const DOC_TYPE_LABELS: Readonly<Record<DocType, string>> = {
  invoice: 'Invoice',
  credit_note: 'Credit note',
  debit_note: 'Debit note',
  bill_of_entry: 'Bill of entry',
  isd_invoice: 'ISD invoice',
  isd_credit_note: 'ISD credit note',
};

export const SECTION_LABELS: Readonly<Record<PortalSection, string>> = {
  b2b: 'B2B',
  b2ba: 'B2B amended',
  cdnr: 'Credit/debit notes',
  cdnra: 'Credit/debit notes amended',
  isd: 'ISD',
  isda: 'ISD amended',
  impg: 'Imports',
  impgsez: 'Imports from SEZ',
  ecom: 'E-commerce',
  ecoma: 'E-commerce amended',
};

/** The ITC figures a client statement shows, in reading order (docs/reconciliation.md, "ITC figures"). */
export const ITC_FIGURE_LABELS: ReadonlyArray<readonly [keyof ItcFigures, string]> = [
  ['as2b', 'ITC as per 2B'],
  ['books', 'ITC as per books'],
  ['matched', 'ITC matched'],
  ['toConfirm', 'ITC to confirm (probable matches)'],
  ['atRisk', 'ITC at risk'],
  ['missed', 'ITC missed (in 2B, not in books)'],
  ['notAvailable', 'ITC not available as per 2B'],
  ['rejected', 'Rejected in IMS'],
  ['netDifference', 'Net difference (books − 2B)'],
];

/** The ITC at risk a reviewer's marks set aside (db/reconciliation-set-aside.ts), shown after "ITC at risk". */
export const ITC_SET_ASIDE_LABEL = 'ITC at risk set aside (ignored by reviewer)';

/** Under a status in the workbook's documents by status: those of its documents a reviewer set aside (counted in the status's line). */
export const SET_ASIDE_DOCUMENTS_LABEL = 'of which ignored by reviewer';

/** Credit notes the books hold that 2B does not show yet (domain/recon/risk-shown.ts): no risk, shown after "ITC at risk". */
export const CREDIT_NOTES_NOT_IN_2B_LABEL = 'Credit notes in the books not yet in 2B (not at risk)';

const labelOf = (table: Readonly<Record<string, string>>, code: string | null | undefined): string => (code ? (table[code] ?? code) : '');

export const categoryLabel = (code: string | null | undefined): string => labelOf(CATEGORY_LABELS, code);
export const reasonLabel = (code: string | null | undefined): string => labelOf({ ...REASON_LABELS, ...FIELD_LABELS }, code);
export const fieldLabel = (code: string | null | undefined): string => labelOf(FIELD_LABELS, code);
export const docTypeLabel = (code: string | null | undefined): string => labelOf(DOC_TYPE_LABELS, code);
export const sectionLabel = (code: string | null | undefined): string => labelOf(SECTION_LABELS, code);
export const flagLabels = (codes: readonly string[]): string => codes.map((c) => labelOf(FLAG_LABELS, c)).join('; ');

/** The reviewer's mark on a row (docs/reconciliation.md, "Manual actions"). */
const USER_STATUS_LABELS: Readonly<Record<NonNullable<ResultRow['userStatus']>, string>> = {
  pending: 'Pending review',
  ignored: 'Ignored by reviewer',
};
export const userStatusLabel = (code: string | null | undefined): string => labelOf(USER_STATUS_LABELS, code);

/** A manual decision on a row, as its history says it (docs/reconciliation.md, "Manual actions"). */
const DECISION_LABELS: Readonly<Record<RowDecision['action'], string>> = {
  link: 'Linked',
  unlink: 'Unlinked',
  accept: 'Accepted',
  pending: 'Marked pending',
  ignore: 'Ignored',
  clear: 'Decision cleared',
};
export const decisionLabel = (code: string | null | undefined): string => labelOf(DECISION_LABELS, code);

/**
 * A document's field in words: the differences' words and those of the register's other fields,
 * for the row panel's side-by-side table and a reader's problem (an issue's `field`) where the file
 * gave no column heading to show.
 */
const DOCUMENT_FIELD_LABELS: Readonly<Partial<Record<RegisterField | DifferenceField, string>>> = {
  ...FIELD_LABELS,
  invoiceValue: 'Invoice value',
  voucherNumber: 'Voucher number',
  voucherDate: 'Voucher date',
  gstin: 'Supplier GSTIN',
  supplierName: 'Supplier name',
};
export const documentFieldLabel = (code: string | null | undefined): string => labelOf(DOCUMENT_FIELD_LABELS as Readonly<Record<string, string>>, code);

/**
 * The portal's field names (GSTR-2B and GSTR-2A JSON keys, which the portal's Excel is read into)
 * in the words of the portal's own Excel headings and of the workbook, for a problem found in a 2B
 * or 2A file (docs/reconciliation.md, "Inputs"): a practitioner knows "Taxable value", not `txval`.
 * The API keeps the key in an issue's `field`; these words are what a person reads. Also the
 * document's fields a too-long text is reported on (portal-json.ts, longTextIssue).
 */
const PORTAL_FIELD_LABELS: Readonly<Record<string, string>> = {
  gstin: 'Your GSTIN (recipient)', rtnprd: 'Return period', fp: 'Return period', data: 'Return data', docdata: 'Documents',
  ctin: 'Supplier GSTIN', trdnm: 'Supplier name', supprd: "Supplier's return period", supfildt: "Supplier's filing date",
  inum: 'Invoice number', ntnum: 'Note number', nt_num: 'Note number', docnum: 'Document number',
  dt: 'Date', idt: 'Invoice date', nt_dt: 'Note date', docdt: 'Document date',
  typ: 'Note type', ntty: 'Note type', doctyp: 'ISD document type',
  val: 'Invoice value', txval: 'Taxable value', igst: 'IGST', iamt: 'IGST', cgst: 'CGST', camt: 'CGST', sgst: 'SGST', samt: 'SGST', cess: 'Cess', csamt: 'Cess',
  pos: 'Place of supply', rev: 'Reverse charge', rchrg: 'Reverse charge', itcavl: 'ITC availability', rsn: 'Reason ITC is not available',
  oinum: 'Original invoice number', oidt: 'Original invoice date', ontnum: 'Original note number', ontdt: 'Original note date',
  odocnum: 'Original document number', odocdt: 'Original document date',
  boenum: 'Bill of entry number', benum: 'Bill of entry number', boedt: 'Bill of entry date', bedt: 'Bill of entry date', portcode: 'Port code', portcd: 'Port code',
  inv: 'Invoices', nt: 'Notes', doclist: 'ISD documents', boe: 'Bills of entry', items: 'Item lines', itms: 'Item lines',
  numberRaw: 'Document number', supplierName: 'Supplier name', supplierGstin: 'Supplier GSTIN', original: 'Original number',
  billOfEntryNumber: 'Bill of entry number', irn: 'IRN', supplyType: 'Supply type', itcUnavailableReason: 'Reason ITC is not available',
  portCode: 'Port code', supplierPeriod: "Supplier's return period", supplierFilingDate: "Supplier's filing date",
};
/** A GSTR-2B or GSTR-2A field in words (the key itself when it is not one we know). */
export const portalFieldLabel = (code: string | null | undefined): string => labelOf(PORTAL_FIELD_LABELS, code);

/**
 * The field a file's problem is about, in words: the column as the file names it when the reader
 * knows it, else a portal file's field (2B, 2A) or a register's.
 */
export function issueFieldLabel(i: { column?: string | undefined; field?: string | undefined }, file: 'portal' | 'register'): string {
  if (i.column) return i.column;
  return file === 'portal' ? portalFieldLabel(i.field) : documentFieldLabel(i.field);
}

/**
 * A row's review in words (the exports' Review column): an accepted probable match says so, as the
 * screen's "accepted" badge and the summary (its tax counted as matched) do, then the reviewer's mark.
 */
export function reviewLabel(row: Pick<ResultRow, 'category' | 'accepted' | 'userStatus' | 'decisions'>): string {
  const accepted = row.category === 'probable_match' && row.accepted
    ? (row.decisions ?? []).some((d) => d.action === 'accept') ? 'Accepted by reviewer' : 'Accepted automatically'
    : '';
  return [accepted, userStatusLabel(row.userStatus)].filter(Boolean).join('; ');
}

/**
 * Where a portal document is in its file, as a person counts: the section as the portal names it,
 * then its supplier entry and document counted from 1 (an issue's `index` and `docIndex` count
 * from 0, docs/api.md). The upload's refusal message and the web's problem table both say it so.
 */
export function portalPlace(i: { section?: string | undefined; index?: number | undefined; docIndex?: number | undefined }): string | undefined {
  const parts = [i.section !== undefined ? `section ${i.section}` : null, i.index !== undefined ? `supplier entry ${i.index + 1}` : null, i.docIndex !== undefined ? `document ${i.docIndex + 1}` : null];
  return parts.filter(Boolean).join(', ') || undefined;
}
