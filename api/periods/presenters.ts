/**
 * Periods and close requests as JSON (camelCase; the evidence as captured, with its hash), for the
 * person reading them. The firm's people see who asked, who decided, the notes and what they may do
 * next (`canDecide`, `canWithdraw`: the workflow's own rules, workflows/period-close-definitions.ts).
 * A portal (client) user sees the states, the dates and the evidence of their own period, never the
 * firm's people, internal notes or workflow ids (as GET /api/periods, api/periods/firm-list.ts).
 */
import type { CloseRequest } from '../../db/models/close-request';
import type { Period } from '../../db/models/period';
import { closeWindow, periodName, type PeriodState } from '../../domain/periods';
import type { FilingFrequency } from '../../domain/calendar/rules';
import { presentSummary } from '../../domain/recon/present';
import { mayDecide, mayWithdraw } from '../../workflows/period-close-definitions';

/** Who reads: their id and role, and the firm's self-approval setting (for `canDecide`). */
export type Viewer = { userId: string; role: string; allowSelfApproval: boolean };

export type PeriodView = {
  period: string;
  /** The period as people name it: a quarterly filer's quarter by its quarter (domain/periods.ts `periodName`). */
  periodLabel: string;
  state: PeriodState;
  reopenCount: number;
  closeRequestId: string | null;
  evidenceHash: string | null;
  closedAt: Date | null;
  changedAt: Date | null;
  /**
   * The first day (IST) a close can be asked: the day after the period ends (domain/periods.ts
   * `closeWindow`); for a quarterly filer's month inside a quarter, its quarter's.
   */
  closableFrom: string | null;
  /** Whether a close can be asked on the server's IST date (the browser's clock may be wrong): never for a month inside a quarter. */
  closable: boolean;
  /** The quarter-end period a quarterly filer's month inside a quarter is closed with, else null. */
  closesWith: string | null;
  /** The firm's own view only. */
  note?: string | null;
  reasonCode?: string | null;
  selfApproved?: boolean;
  changedBy?: string | null;
  closedBy?: string | null;
};

const isPortal = (viewer: Pick<Viewer, 'role'>) => viewer.role === 'client';

/** `today`: the api's date in India (AppDeps.today), which decides `closable`, with the client's filing frequency for the period. */
export function presentPeriod(row: Period | undefined, period: string, viewer: Pick<Viewer, 'role'>, today: string, filingFrequency: FilingFrequency): PeriodView {
  const shared = {
    period,
    periodLabel: periodName(period, filingFrequency),
    state: row?.state ?? 'open',
    reopenCount: row?.reopenCount ?? 0,
    closeRequestId: row?.state === 'close_requested' ? row.closeRequestId : null,
    evidenceHash: row?.evidenceHash ?? null,
    changedAt: row?.changedAt ?? null,
    closedAt: row?.closedAt ?? null,
    ...closeWindow(period, today, filingFrequency),
  };
  if (isPortal(viewer)) return shared;
  return {
    ...shared,
    note: row?.transitionNote ?? null,
    reasonCode: row?.reasonCode ?? null,
    selfApproved: row?.selfApproved ?? false,
    changedBy: row?.changedBy ?? null,
    closedBy: row?.closedBy ?? null,
  };
}

/**
 * The evidence as captured (its hash covers the stored form, summary in paise), shown like every
 * other answer of the API: the run's summary in rupees, through the one converter.
 */
function presentEvidence(request: CloseRequest) {
  const { run, ...rest } = request.evidence;
  return { hash: request.evidenceHash, ...rest, run: { id: run.id, summary: presentSummary(run.summary as Record<string, unknown> | null) } };
}

/** What the viewer may do with a request now: only a pending one can be decided or withdrawn. */
export function requestRights(request: Pick<CloseRequest, 'status' | 'requestedBy'>, viewer: Viewer): { canDecide: boolean; canWithdraw: boolean } {
  const pending = request.status === 'pending';
  const requester = { userId: request.requestedBy };
  return { canDecide: pending && mayDecide(viewer, requester, viewer.allowSelfApproval), canWithdraw: pending && mayWithdraw(viewer, requester) };
}

export function presentCloseRequest(request: CloseRequest, viewer: Viewer, extra: { clientName?: string } = {}) {
  const shared = {
    id: request.id,
    clientId: request.clientId,
    ...(extra.clientName === undefined ? {} : { clientName: extra.clientName }),
    period: request.period,
    status: request.status,
    requestedAt: request.createdAt,
    evidence: presentEvidence(request),
  };
  if (isPortal(viewer)) return { ...shared, decision: request.decidedAt ? { at: request.decidedAt } : null };
  return {
    ...shared,
    requestedBy: { id: request.requestedBy, email: request.requestedByEmail, role: request.requestedByRole },
    note: request.note,
    workflowId: request.workflowId,
    decision: request.decidedAt
      ? {
          by: { id: request.decidedBy, email: request.decidedByEmail, role: request.decidedByRole },
          at: request.decidedAt,
          note: request.decisionNote,
          selfApproved: request.selfApproved,
          ...(request.status === 'stale' ? { currentEvidenceHash: request.staleEvidenceHash } : {}),
        }
      : null,
    remindedAt: request.remindedAt,
    escalatedAt: request.escalatedAt,
    ...requestRights(request, viewer),
  };
}
