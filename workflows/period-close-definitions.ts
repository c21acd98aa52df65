/**
 * The period-close workflow's contract: its id, input, updates, query and the validators' rules.
 * Pure (Temporal definitions only): the workflow, the api and the tests share it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const PERIOD_CLOSE_WORKFLOW = 'periodCloseWorkflow';

/** One workflow per close request; the prefix lets ops find every request of a client's period. */
export function periodCloseWorkflowId(firmId: string, clientId: string, period: string, closeRequestId: string): string {
  return `period-close:${firmId}:${clientId}:${period}:${closeRequestId}`;
}

export type CloseActor = { userId: string; email: string; role: string };

/** How long a request waits before the reminder, the escalation and the automatic expiry (from the request). */
export type CloseTimers = { remindAfterMs: number; escalateAfterMs: number; expireAfterMs: number };

export const DEFAULT_CLOSE_TIMERS: CloseTimers = {
  remindAfterMs: 48 * 3600_000,
  escalateAfterMs: 5 * 24 * 3600_000,
  expireAfterMs: 30 * 24 * 3600_000,
};

export type PeriodCloseInput = {
  firmId: string;
  clientId: string;
  period: string;
  closeRequestId: string;
  requestedBy: CloseActor;
  evidenceHash: string;
  timers: CloseTimers;
};

export type DecisionArgs = {
  actor: CloseActor;
  /** The approver's note, or the reason of a rejection or withdrawal. */
  note?: string | null;
  /** The firm's allowSelfApproval setting, read by the api at the moment of the decision. */
  allowSelfApproval?: boolean;
  /** The http request and address, so the audit row of the decision carries them. */
  requestId?: string;
  ip?: string | null;
};

export type DecisionResult = { outcome: 'approved' | 'rejected' | 'withdrawn' | 'stale'; closeRequestId: string; selfApproved: boolean; evidenceHash: string; currentEvidenceHash?: string | null };

export const approveUpdate = defineUpdate<DecisionResult, [DecisionArgs]>('approve');
export const rejectUpdate = defineUpdate<DecisionResult, [DecisionArgs]>('reject');
export const withdrawUpdate = defineUpdate<DecisionResult, [DecisionArgs]>('withdraw');

export type CloseWorkflowState = 'pending' | 'deciding' | 'approved' | 'rejected' | 'withdrawn' | 'stale' | 'expired' | 'abandoned';

export type PeriodCloseStatus = {
  closeRequestId: string;
  firmId: string;
  clientId: string;
  period: string;
  state: CloseWorkflowState;
  requestedBy: CloseActor;
  /** What the request waits for, in words ops can act on; null once it ended. */
  waitingFor: string | null;
  next: { step: 'reminder' | 'escalation' | 'expiry'; at: string } | null;
  remindedAt: string | null;
  escalatedAt: string | null;
  decision: { outcome: CloseWorkflowState; by: string; at: string; selfApproved: boolean } | null;
};

export const statusQuery = defineQuery<PeriodCloseStatus>('status');

export type PeriodCloseResult = { closeRequestId: string; outcome: CloseWorkflowState };

/** Failure types the validators and handlers answer with; the api maps each to its error code. */
export const REFUSAL = {
  forbidden: 'forbidden',
  selfApproval: 'self_approval_forbidden',
  noteRequired: 'note_required',
  reasonRequired: 'reason_required',
  notPending: 'not_pending',
} as const;
export type RefusalType = (typeof REFUSAL)[keyof typeof REFUSAL];

export type DecisionKind = 'approve' | 'reject' | 'withdraw';

const APPROVERS = ['manager', 'firm_admin'];
const WITHDRAWERS = ['staff', 'manager', 'firm_admin'];

/**
 * Whether this person may approve or reject a request made by `requester` (docs/period-close.md,
 * "Who may do what"): a manager or firm admin other than the requester, unless the firm allows
 * self-approval. The api shows it as `canDecide`; refusalFor below holds every step to it.
 */
export function mayDecide(actor: Pick<CloseActor, 'userId' | 'role'>, requester: Pick<CloseActor, 'userId'>, allowSelfApproval: boolean): boolean {
  return APPROVERS.includes(actor.role) && (actor.userId !== requester.userId || allowSelfApproval);
}

/** Whether this person may withdraw a request made by `requester`: staff only their own (shown as `canWithdraw`). */
export function mayWithdraw(actor: Pick<CloseActor, 'userId' | 'role'>, requester: Pick<CloseActor, 'userId'>): boolean {
  return WITHDRAWERS.includes(actor.role) && (actor.role !== 'staff' || actor.userId === requester.userId);
}

/**
 * The rules of docs/period-close.md ("Who may do what"), checked by the update validators (so a refused step never
 * enters history) before any handler runs. Returns the refusal, or null when the step may proceed.
 * Four-eyes compares real user ids: holding a manager role does not exempt the requester.
 */
export function refusalFor(kind: DecisionKind, state: CloseWorkflowState, requester: CloseActor, args: DecisionArgs): { type: RefusalType; message: string } | null {
  const self = args.actor.userId === requester.userId;
  if (kind === 'withdraw') {
    if (!mayWithdraw(args.actor, requester)) {
      const message = WITHDRAWERS.includes(args.actor.role) ? 'Staff may withdraw only their own close requests.' : 'Only staff, managers and firm admins may withdraw a close request.';
      return { type: REFUSAL.forbidden, message };
    }
  } else {
    if (!APPROVERS.includes(args.actor.role)) return { type: REFUSAL.forbidden, message: 'Only managers and firm admins decide close requests.' };
    if (self && (kind === 'reject' || !args.allowSelfApproval)) {
      return { type: REFUSAL.selfApproval, message: 'The requester may not decide their own close request: another manager or firm admin must.' };
    }
    if (kind === 'reject' && !args.note?.trim()) return { type: REFUSAL.reasonRequired, message: 'A rejection needs a reason.' };
    if (kind === 'approve' && self && !args.note?.trim()) return { type: REFUSAL.noteRequired, message: 'A self-approval needs a note saying why no second person could approve.' };
  }
  if (state !== 'pending') return { type: REFUSAL.notPending, message: `The close request is no longer pending (${state}).` };
  return null;
}
