/**
 * Canonical shapes shared by the readers, the matcher and the report builders.
 * Money is always integer paise (never floating rupees); dates are ISO `YYYY-MM-DD` strings;
 * periods are `YYYY-MM`.
 */

/**
 * Document types (docs/reconciliation.md, "Inputs"); the sign of the ITC effect follows from the
 * type (docs/reconciliation.md, "Normalisation").
 */
export type DocType =
  | 'invoice'
  | 'credit_note'
  | 'debit_note'
  | 'bill_of_entry'
  | 'isd_invoice'
  | 'isd_credit_note';

export const DOC_TYPES: readonly DocType[] = [
  'invoice', 'credit_note', 'debit_note', 'bill_of_entry', 'isd_invoice', 'isd_credit_note',
];

/** GSTR-2B `docdata` sections we understand (docs/reconciliation.md, "Inputs"). */
export type PortalSection =
  | 'b2b' | 'b2ba' | 'cdnr' | 'cdnra' | 'isd' | 'isda' | 'impg' | 'impgsez' | 'ecom' | 'ecoma';

/** The four tax heads, in paise. */
export interface Heads {
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
}

/**
 * One canonical purchase-register document (docs/reconciliation.md, "Inputs"), after aggregation of
 * split rows.
 */
export interface BooksRow {
  /** file + sheet + line(s), unique within a run: used for traceability and as the final sort key. */
  rowRef: string;
  /**
   * As typed; normalised by the engine (docs/reconciliation.md, "Normalisation"). Blank for
   * unregistered suppliers and imports.
   */
  supplierGstin: string;
  supplierName?: string;
  docType: DocType;
  /** Supplier's number exactly as typed (may be blank). */
  invoiceNumberRaw: string;
  /** ISO date of the supplier's document (voucher date when the reference date was missing). */
  invoiceDate: string;
  voucherNumber?: string;
  voucherDate?: string;
  /** Magnitudes in paise (positive even for credit notes). */
  taxableValue: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
  /** Informational only: never compared (docs/reconciliation.md, "Inputs"). */
  invoiceValue?: number;
  /** Two-digit state code. */
  placeOfSupply?: string;
  reverseCharge: boolean;
  /** False for blocked credits (s.17(5)); default true. */
  itcEligible?: boolean;
  portCode?: string;
  billOfEntryNumber?: string;
  /** RCM on import of services: never in 2B (docs/reconciliation.md, "Special documents"). */
  importOfServices?: boolean;
  /** Tax heads were back-computed from a rate (Busy layout; docs/reconciliation.md, "Inputs"). */
  derivedAmounts?: boolean;
  /** The voucher date stood in for a missing supplier invoice date. */
  dateFallback?: boolean;
  /** Source lines merged into this document (split item-wise rows). */
  sourceLines?: string[];
}

/** One canonical portal document from GSTR-2B (or 2A). */
export interface PortalDoc {
  /** Unique reference: period, section, supplier index, document index. */
  ref: string;
  section: PortalSection;
  /** 2B return period (`YYYY-MM`) that carried this document. */
  period: string;
  supplierGstin: string;
  supplierName: string;
  /** Supplier's return period `YYYY-MM`, when given. */
  supplierPeriod?: string;
  /** ISO date the supplier filed, when given. */
  supplierFilingDate?: string;
  docType: DocType;
  numberRaw: string;
  date: string;
  /** `typ` of invoices / `suptyp` of notes (R, SEZWP, SEZWOP, DE, CBW) when given. */
  supplyType?: string;
  invoiceValue: number;
  taxableValue: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
  placeOfSupply?: string;
  reverseCharge: boolean;
  /** `itcavl` (`T` counts as not available) or ISD `itcelg`. */
  itcAvailable: boolean;
  itcUnavailableReason?: string;
  /** `diffprcnt`; 1 when absent. */
  diffPercent: number;
  irn?: string;
  irnDate?: string;
  /** Amendments (b2ba, cdnra, isda, amended bills of entry): the document they replace. */
  original?: { number: string; date: string; docType?: DocType };
  portCode?: string;
  billOfEntryNumber?: string;
  /** From `docRejdata`: rejected by the recipient in IMS, never credit. */
  rejected?: boolean;
}

/** A problem found while reading or reconciling. `fatal` problems make a reader result unusable. */
export interface Issue {
  code: string;
  message: string;
  fatal?: boolean;
  section?: string;
  index?: number;
  docIndex?: number;
  field?: string;
  rowRef?: string;
  line?: number;
  column?: string;
  /** How many occurrences this issue stands for (for counted warnings). */
  count?: number;
}
