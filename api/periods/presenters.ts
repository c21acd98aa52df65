/** Periods and close requests as JSON (camelCase; the evidence as captured, with its hash). */
import type { CloseRequest } from '../../db/models/close-request';
import type { PeriodState } from '../../domain/periods';
import { presentSummary } from '../../domain/recon/present';

export type PeriodView = {
  period: string;
  state: PeriodState;
  reopenCount: number;
  closeRequestId: string | null;
  evidenceHash: string | null;
  note: string | null;
  reasonCode: string | null;
  selfApproved: boolean;
  changedBy: string | null;
  changedAt: Date | null;
  closedAt: Date | null;
  closedBy: string | null;
};

/**
 * The evidence as captured (its hash covers the stored form, summary in paise), shown like every
 * other answer of the API: the run's summary in rupees, through the one converter.
 */
function presentEvidence(request: CloseRequest) {
  const { run, ...rest } = request.evidence;
  return { hash: request.evidenceHash, ...rest, run: { id: run.id, summary: presentSummary(run.summary as Record<string, unknown> | null) } };
}

export function presentCloseRequest(request: CloseRequest, extra: { clientName?: string } = {}) {
  return {
    id: request.id,
    clientId: request.clientId,
    ...(extra.clientName === undefined ? {} : { clientName: extra.clientName }),
    period: request.period,
    status: request.status,
    requestedBy: { id: request.requestedBy, email: request.requestedByEmail, role: request.requestedByRole },
    requestedAt: request.createdAt,
    note: request.note,
    evidence: presentEvidence(request),
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
  };
}
