/** Imports, reconciliation runs, their results and supplier lines, as the API answers them (docs/reconciliation.md). */
import type { Category } from '../../../../domain/recon/categories';

// The category codes are the API's: one list, the domain's.
export { CATEGORIES, type Category } from '../../../../domain/recon/categories';

export type Issue = { code: string; message: string; fatal?: boolean; section?: string; index?: number; docIndex?: number; field?: string; rowRef?: string; line?: number; column?: string; count?: number };

export type ImportKind = 'gstr2b' | 'gstr2a' | 'purchase_register';
export type ImportRecord = {
  id: string;
  clientId: string;
  kind: ImportKind;
  period: string;
  status: 'awaiting_upload' | 'validated' | 'rejected' | 'expired' | 'discarded' | 'superseded';
  filename: string | null;
  rows: number | null;
  warnings: Issue[] | null;
  errors: Issue[] | null;
  sizeBytes: number | null;
  duplicateOf: string | null;
  uploadedAt: string | null;
  createdAt: string;
};


/** The rows a category filter lists: those counted and those a reviewer set aside. */
export const rowsOf = (summary: { counts: Partial<Record<Category, number>>; countsSetAside?: Partial<Record<Category, number>> }, c: Category): number =>
  (summary.counts[c] ?? 0) + (summary.countsSetAside?.[c] ?? 0);

export type RunSummary = {
  /** Result rows per category, less those a reviewer ignored (by the supplier list's rule). */
  counts: Partial<Record<Category, number>>;
  /** Per category, the rows a reviewer ignored, left out of counts (they stay in the results list). */
  countsSetAside?: Partial<Record<Category, number>>;
  /** Less the documents a reviewer ignored, by the supplier list's rule (every view of a completed run). */
  itcAtRisk: number;
  /** The ITC at risk of those ignored documents, left out of itcAtRisk. */
  itcSetAside?: number;
  /** Tax of credit notes in the books that 2B does not show yet: never ITC at risk, shown on its own (docs/reconciliation.md). */
  creditNotesNotIn2b?: number;
  itcAvailable: number;
  itcMissed: number;
  itcMatched: number;
  itc: Record<string, { total: number }>;
  input: { booksRows: number; portalDocuments: number };
  results: number;
  suppliers: number;
  warningCount: number;
  durationMs: number;
};

export type Run = {
  runId: string;
  workflowId: string;
  clientId: string;
  period: string;
  /** The period as the periods list names it (a quarterly filer's by its quarter): GET /api/reconciliations and /:runId. */
  periodLabel?: string;
  registerImportId: string;
  gstr2bImportId: string;
  options: { amountTolerance: number; dateWindowDays: number };
  status: 'queued' | 'running' | 'completed' | 'failed';
  progress: { done: number; total: number };
  summary: RunSummary | null;
  failureReason: string | null;
  createdAt: string;
  completedAt: string | null;
};

export type Side = {
  invoiceNumber: string;
  invoiceDate: string;
  docType: string;
  taxableValue: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
  invoiceValue: number | null;
  placeOfSupply: string | null;
  reverseCharge: boolean;
};

export type Difference = { books: unknown; portal: unknown; delta: number | null; material: boolean };

export type ResultRow = {
  id: string;
  category: Category;
  reason: string;
  reasons: string[];
  flags: string[];
  accepted: boolean;
  supplierGstin: string;
  supplierName: string | null;
  books: (Side & { rowRef: string }) | null;
  portal: (Side & { ref: string; itcAvailable: boolean }) | null;
  differences: Record<string, Difference>;
  itc: { atRisk: number; missed: number; matched: number; toConfirm: number };
  userStatus: 'pending' | 'ignored' | null;
  decisions: Array<{ action: string; note?: string | null; by?: string | null; at?: string | null }>;
};

export type SupplierLine = {
  supplierGstin: string;
  supplierName: string | null;
  /** Documents per category on each side (missing in books counts on the 2B side). */
  booksCounts?: Partial<Record<Category, number>>;
  portalCounts?: Partial<Record<Category, number>>;
  booksTaxable: number;
  booksTax: number;
  portalTaxable: number;
  portalTax: number;
  taxDifference: number;
  /** Less the documents a reviewer ignored, unless a live follow-up still lists them (as the supplier's statement counts). */
  itcAtRisk: number;
  /** The ITC at risk of those ignored documents, left out of itcAtRisk. */
  itcSetAside?: number;
  /** Tax of the supplier's credit notes in the books that 2B does not show yet: never counted in itcAtRisk. */
  creditNotesNotIn2b?: number;
  /** Documents a client chase would list: missing in the books or reported differently, and not ignored by a reviewer. */
  chaseableCount: number;
  itcMissed: number;
  itcMatched: number;
  shareMatched: number;
  lastFilingDate: string | null;
};

/** A warning on one of the period's latest imports (a file dated outside the period), shown before a run or a close. */
export type ImportWarning = Issue & { importId: string; kind: ImportKind };
