/** Periods, their close requests, the firm's approvals and the compliance calendar, as the API answers them. */
import type { Page } from './page';
import type { ImportWarning, Run } from './recon';

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


export type PeriodDetail = PeriodView & { clientId: string; closeRequests: CloseRequest[]; warnings?: ImportWarning[] };

/** `canDecide` is false for what the caller asked for or drafted: it waits for someone else. */
export type ApprovalItem =
  | (CloseRequest & { kind: 'period_close'; summary: string; canDecide: boolean; requestedBy: { id: string; email: string; role: string }; note: string | null })
  | { kind: 'notice_reply'; id: string; clientId: string; clientName: string; requestedBy: { id: string; email: string; role: string }; requestedAt: string; summary: string; canDecide: boolean };

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
