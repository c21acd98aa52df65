/** Periods and close requests as JSON (camelCase; the evidence as captured, with its hash). */
import type { CloseRequest } from '../../db/models/close-request';
import type { PeriodState } from '../../domain/periods';

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
    evidence: { hash: request.evidenceHash, ...request.evidence },
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
