/** The API's JSON shapes as the app reads them (the HTTP contract; see docs/web-app.md). */
import type { ReviewBlock } from '../../../domain/notices/review';
export type Role = 'firm_admin' | 'manager' | 'reviewer' | 'staff' | 'client';

export type Page<T> = { items: T[]; nextCursor: string | null };

export type User = { id: string; email: string; name: string; role: Role; firmId: string; clientId: string | null; totpEnabled?: boolean };
/** Places outside the app this person may use (the API decides per role; null: no link). */
export type AppLinks = { adminConsole: string | null; temporalUi: string | null };
export type Me = { user: User; session: { id: string; deviceName: string | null; createdAt: string; expiresAt: string }; links: AppLinks };
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

export type PeriodState = 'open' | 'close_requested' | 'closed' | 'reopened';
export type PeriodView = {
  period: string;
  /** The period as people name it: a quarterly filer's quarter by its quarter ("Q3 FY 2026-27 (Oct–Dec 2026)"), a month by itself. */
  periodLabel: string;
  state: PeriodState;
  reopenCount: number;
  closeRequestId: string | null;
  /** The firm's own view only. */
  note?: string | null;
  changedAt: string | null;
  closedAt: string | null;
  /** The first day (IST) the period's close can be asked: the day after it ends (its quarter's, for a month closed with its quarter); null before GST. */
  closableFrom: string | null;
  /** Whether a close can be asked on the server's date in India (the app never decides it on the browser's clock). */
  closable: boolean;
  /** The quarter-end period a quarterly filer's month inside a quarter is closed with (never closable on its own), else null. */
  closesWith: string | null;
};

/**
 * A close request. A portal (client) user's answer leaves out the firm's people and notes
 * (`requestedBy`, `note`, `decision.by`, `decision.note`, `canDecide`, `canWithdraw`).
 */
export type CloseRequest = {
  id: string;
  clientId: string;
  clientName?: string;
  period: string;
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'stale' | 'expired' | 'abandoned';
  requestedBy?: { id: string; email: string; role: string };
  requestedAt: string;
  note?: string | null;
  evidence: Record<string, unknown> & { hash: string };
  decision: null | { by?: { id: string; email: string; role: string }; at: string; note?: string | null; selfApproved?: boolean };
  /** What the signed-in person may do with it now (the server's rules): false once it is no longer pending. */
  canDecide?: boolean;
  canWithdraw?: boolean;
};

/** One line of the firm-wide periods list (GET /api/periods). */
export type FirmPeriod = {
  clientId: string;
  clientName: string;
  clientGstin: string;
  period: string;
  /** As `PeriodView.periodLabel`. */
  periodLabel: string;
  state: PeriodState;
  reopenCount: number;
  changedAt: string | null;
  closedAt: string | null;
  /** The first day (IST) the period's close can be asked: the day after it ends (its quarter's, for a month closed with its quarter); null before GST. */
  closableFrom: string | null;
  /** Whether a close can be asked on the server's date in India (the app never decides it on the browser's clock). */
  closable: boolean;
  /** The quarter-end period a quarterly filer's month inside a quarter is closed with (never closable on its own), else null. */
  closesWith: string | null;
  /** The request waiting for a decision; `requestedBy` only for the firm's own people. */
  closeRequest: { id: string; requestedAt: string; requestedBy?: { id: string; email: string } } | null;
  latestRun: { runId: string; status: Run['status']; completedAt: string | null } | null;
};

/** A warning on one of the period's latest imports (a file dated outside the period), shown before a run or a close. */
export type ImportWarning = Issue & { importId: string; kind: ImportKind };

export type PeriodDetail = PeriodView & { clientId: string; closeRequests: CloseRequest[]; warnings?: ImportWarning[] };

export type Notification = { id: string; kind: string; payload: Record<string, unknown>; createdAt: string; readAt: string | null };

export type FirmSettings = { name: string; allowSelfApproval: boolean; requireTotpForAdmins: boolean; reconciliationDefaults: { amountTolerance?: number; dateWindowDays?: number } };

export type DeadlineStatus = 'upcoming' | 'due_soon' | 'overdue' | 'filed';
export type CalendarEntry = {
  clientId: string;
  clientName: string;
  returnType: string;
  /** The key (`YYYY-MM`, the period's last month): what a filing names. */
  period: string;
  /** The period as a CA reads it: "Nov 2025", "Q3 FY 2025-26 (Oct–Dec 2025)", "FY 2025-26" (docs/calendar.md). */
  periodLabel: string;
  dueDate: string;
  extendedDueDate: string | null;
  targetDate: string;
  effectiveDueDate: string;
  status: DeadlineStatus;
  filing: null | { filedOn: string; arn: string };
  /** The first day the return can be filed: the day after its period ends (docs/calendar.md). */
  filingOpensOn: string;
};

/** GET /api/calendar: the items and the window, with today's date in India (docs/calendar.md). */
export type CalendarPage = Page<CalendarEntry> & { from: string; to: string; today: string };

/** `canDecide` is false for what the caller asked for or drafted: it waits for someone else. */
export type ApprovalItem =
  | (CloseRequest & { kind: 'period_close'; summary: string; canDecide: boolean; requestedBy: { id: string; email: string; role: string }; note: string | null })
  | { kind: 'notice_reply'; id: string; clientId: string; clientName: string; requestedBy: { id: string; email: string; role: string }; requestedAt: string; summary: string; canDecide: boolean };

export type FollowUpStatus = 'open' | 'snoozed' | 'completed' | 'cancelled' | 'exhausted';
/** `mergedInto`: the client's message (of another of its requests) a `merged` step went out in, as `sent` lists it. */
export type PlannedMessage = { at: string; kind: 'initial' | 'interval' | 'anchored' | 'overdue'; status: 'planned' | 'sent' | 'merged' | 'skipped' | 'cancelled'; mergedInto?: { at: string; subject: string | null; messageId: string | null } };
export type PlannedEscalation = { at: string; audience: 'owner' | 'manager' | 'firm_admin'; reason: string; status: 'planned' | 'sent' | 'skipped' | 'cancelled' };
export type FollowUpSummary = {
  id: string;
  clientId: string;
  title: string;
  status: FollowUpStatus;
  dueDate: string;
  deadline: null | { returnType: string; period: string };
  /** The deadline's period as a CA reads it (docs/follow-ups.md, "Periods"); null without a deadline, or when its return no longer applies to the client. */
  periodLabel: string | null;
  ownerId: string;
  nextMessageAt: string | null;
  snoozedUntil: string | null;
  workflowId: string;
  /** Made from this reconciliation (a mismatch follow-up: its items name supplier documents). */
  reconciliationRunId?: string | null;
  createdAt: string;
};
export type FollowUp = FollowUpSummary & {
  items: Array<{
    id: string;
    description: string;
    period: string | null;
    /** The item's period as people read it: the deadline's label for the deadline's own period, else its month. */
    periodLabel: string | null;
    status: 'outstanding' | 'received' | 'not_applicable';
    reason: string | null;
    files: Array<{ id: string; filename: string; size: number; sha256: string | null; receivedAt: string | null }>;
  }>;
  schedule: PlannedMessage[];
  escalations: PlannedEscalation[];
  sent: Array<{ at: string; channel: string; to: string; status: 'sent' | 'failed'; messageId: string | null; subject: string | null; itemsListed: string[]; error: string | null }>;
};

export type NoticeState = 'received' | 'assigned' | 'drafting' | 'in_review' | 'approved' | 'filed' | 'closed';
export type NoticeForm = {
  form: string;
  provision: string;
  title: string;
  answer: string;
  windowDays: number | null;
  windowUnit: 'calendar' | 'working';
  owner: string;
  blocksReturn: boolean;
  registrationAtStake: boolean;
  clocks: string[];
};
export type NoticeStep = { key: string; at: string; audience: string; reason: string; forDate: string | null; status: 'planned' | 'sent' };
export type Hearing = { id: string; at: string; place: string | null; adjournments: number; lastReason: string | null; overrideUsed: boolean };
export type Notice = {
  id: string;
  workflowId: string;
  clientId: string;
  gstin: string;
  form: string;
  formTitle: string;
  reference: string;
  caseId: string | null;
  din: string | null;
  periods: string[];
  financialYears: string[];
  /** Not in every view of a notice (a client's users see less). */
  sections?: string[];
  issuedOn?: string | null;
  issuingOffice?: string | null;
  servedOn: string;
  state: NoticeState;
  statutoryDueDate: string | null;
  extendedDueDate: string | null;
  effectiveDueDate: string | null;
  dueAt: string | null;
  targetDate: string | null;
  targetDateSource: string | null;
  dueDateSource: 'notice' | 'computed' | 'manual' | null;
  amounts: { tax: number | null; interest: number | null; penalty: number | null; total: number | null };
  description: string | null;
  assigneeId: string | null;
  draftedBy: string | null;
  approvedBy: string | null;
  flags: string[];
  reminders: NoticeStep[];
  escalations: NoticeStep[];
  clocks: Array<{ kind: 'penalty_saving' | 'appeal_due' | 'condonation_end' | 'limitation_end'; date: string; note: string; section?: string; financialYears?: string[] }>;
  /** A client's own users get the reply as filed: its `text` when it was drafted in Taalmel (null otherwise), without the firm's evidence ids. */
  reply: null | { arn: string; filedOn: string; filedOutside?: boolean; evidenceIds?: string[]; text?: string | null };
  outcome: null | { outcome: string; orderForm: string | null; orderDate: string | null };
  hearings: Hearing[];
  createdAt: string;
  closedAt: string | null;
};
export const NOTICE_DOCUMENT_KINDS = ['notice', 'working_paper', 'reply', 'order', 'evidence'] as const;
export type NoticeDocumentKind = (typeof NOTICE_DOCUMENT_KINDS)[number];
export type NoticeDocument = { id: string; kind: NoticeDocumentKind; filename: string; status: string; contentType: string | null; size: number | null; sha256: string | null; uploadedBy: string; receivedAt: string | null; createdAt: string };
/** Another notice of the same case; `acceptsReply`: open with no reply of its own (a reply may be re-linked to it). */
export type CaseNotice = { id: string; form: string; reference: string; state: NoticeState; servedOn: string; acceptsReply: boolean };
export type NoticeDetail = Notice & {
  documents: NoticeDocument[];
  caseNotices: CaseNotice[];
  drafts: Array<{ id: string; version: number; text: string; draftedBy: string; createdAt: string }>;
  reviews: Array<{ id: string; decision: string; comment: string | null; reviewerId: string; draftVersion: number; createdAt: string }>;
  /** `byName`: the person's name from the firm's users (null for Taalmel's own entries and people no longer on record). */
  history: Array<{ action: string; by: string; byName: string | null; role: string; at: string }>;
  /** Whether the signed-in person may approve the reply or request changes now (the API's four-eyes rule), and why not. */
  canReview: boolean;
  canReviewReason: ReviewBlock | null;
};

export type ClientExport = {
  exportId: string;
  clientId: string;
  status: 'queued' | 'running' | 'ready' | 'failed' | 'expired';
  sizeBytes: number | null;
  sha256: string | null;
  counts: Record<string, number> | null;
  expiresAt: string;
  downloadUrl: string | null;
  downloadedAt: string | null;
  failureReason: string | null;
  createdAt: string;
  readyAt: string | null;
};
export type Erasure = {
  erasureId: string;
  clientId: string;
  status: 'running' | 'completed' | 'failed';
  reason: string;
  requestedAt: string;
  completedAt: string | null;
  failureReason: string | null;
  certificate: Record<string, unknown> | null;
  certificateJws: string | null;
};

export type SmtpSettings = { host: string | null; port: number | null; secure: boolean | null; user: string | null; from: string | null; passwordSet: boolean };
/** POST /api/settings/smtp/test. */
export type SmtpTestResult = { ok: true; messageId?: string };
export type GspSettings = { provider: string | null; username: string | null; clientId: string | null; passwordSet: boolean };
export type Holidays = { saturdaysWorking: boolean; targetBufferDays: number; warningDays: number; dates: Array<{ date: string; name: string; stateCode: string | null }>; nationalHolidays: Array<{ date: string; name: string }> };

/** GET/PUT /api/settings/retention: months after the annual return's due date per class; null keeps. */
export type RetentionClassSetting = { retainMonths: number | null; minimumMonths: number | null; rule: { reference: string; version: string } | null };
export type RetentionSettings = { sourceFiles: RetentionClassSetting; reconciliationResults: RetentionClassSetting; countedFrom: string; updatedAt: string | null; updatedBy: string | null };
export type RetentionPlanItem = {
  clientId: string;
  clientName: string | null;
  period: string;
  financialYear: string;
  dataClass: 'sourceFiles' | 'reconciliationResults';
  annualReturnDueDate: string;
  retainMonths: number | null;
  keepUntil: string | null;
  purgeOn: string | null;
  status: 'kept' | 'not_closed' | 'scheduled' | 'due' | 'purged';
  purgedAt: string | null;
  rows: Record<string, number> | null;
};
