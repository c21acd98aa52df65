/** The API's JSON shapes as the app reads them (the HTTP contract; see docs/web-app.md). */
export type Role = 'firm_admin' | 'manager' | 'reviewer' | 'staff' | 'client';

export type Page<T> = { items: T[]; nextCursor: string | null };

export type User = { id: string; email: string; name: string; role: Role; firmId: string; clientId: string | null; totpEnabled?: boolean };
export type Me = { user: User; session: { id: string; deviceName: string | null; createdAt: string; expiresAt: string } };
export type DeviceSession = { id: string; deviceName: string | null; ip: string | null; userAgent?: string | null; createdAt: string; lastSeenAt: string; current?: boolean };

export type FirmUser = User & { active: boolean; lastLoginAt: string | null; createdAt: string };

export type Client = {
  id: string;
  name: string;
  gstin: string;
  email: string;
  filingFrequency: 'monthly' | 'quarterly';
  stateCode: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
};

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

export const CATEGORIES = [
  'exact_match',
  'probable_match',
  'mismatch',
  'manual_match',
  'missing_in_2b',
  'missing_in_books',
  'duplicate_in_books',
  'out_of_scope',
  'superseded',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type RunSummary = {
  counts: Partial<Record<Category, number>>;
  itcAtRisk: number;
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
  decisions: Array<{ action: string; note?: string | null }>;
};

export type SupplierLine = {
  supplierGstin: string;
  supplierName: string | null;
  booksTaxable: number;
  booksTax: number;
  portalTaxable: number;
  portalTax: number;
  taxDifference: number;
  itcAtRisk: number;
  itcMissed: number;
  itcMatched: number;
  shareMatched: number;
  lastFilingDate: string | null;
};

export type PeriodState = 'open' | 'close_requested' | 'closed' | 'reopened';
export type PeriodView = {
  period: string;
  state: PeriodState;
  reopenCount: number;
  closeRequestId: string | null;
  note: string | null;
  changedAt: string | null;
  closedAt: string | null;
};

export type CloseRequest = {
  id: string;
  clientId: string;
  clientName?: string;
  period: string;
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'stale' | 'expired';
  requestedBy: { id: string; email: string; role: string };
  requestedAt: string;
  note: string | null;
  evidence: Record<string, unknown> & { hash: string };
  decision: null | { by: { id: string; email: string; role: string }; at: string; note: string | null; selfApproved: boolean };
};

export type PeriodDetail = PeriodView & { clientId: string; closeRequests: CloseRequest[] };

export type Notification = { id: string; kind: string; payload: Record<string, unknown>; createdAt: string; readAt: string | null };

export type FirmSettings = { name: string; allowSelfApproval: boolean; requireTotpForAdmins: boolean; reconciliationDefaults: { amountTolerance?: number; dateWindowDays?: number } };

export type DeadlineStatus = 'upcoming' | 'due_soon' | 'overdue' | 'filed';
export type CalendarEntry = {
  clientId: string;
  clientName: string;
  returnType: string;
  period: string;
  dueDate: string;
  extendedDueDate: string | null;
  targetDate: string;
  effectiveDueDate: string;
  status: DeadlineStatus;
  filing: null | { filedOn: string; arn: string };
};
