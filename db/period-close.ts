/**
 * The period-close state changes, each in the caller's tenant transaction, so the change and its
 * audit events (the triggers on `periods` and `close_requests`, named by setAuditAction) commit
 * together. The api calls the request and reopen steps with the signed-in person; the workflow's
 * activities call the decisions with the actor the api passed in, so every audit row names the
 * person who acted. Each step locks the rows it changes and is idempotent under activity retries.
 *
 * Lock order, the same in every step (docs/period-close.md, "Locks"): the period's key (db/period-lock.ts)
 * where taken, then the period row, then the close request's row, then (by the first audited write)
 * the firm's audit lock. A step that starts from a request reads it unlocked to find its period, locks
 * both in that order, and checks the request again under its lock. Rows are locked FOR NO KEY UPDATE:
 * the steps still take turns, but a foreign key check of another transaction is never stopped.
 */
import type { Knex } from 'knex';
import { stateAfterUnapprovedRequest } from '../domain/periods';
import type { NotificationKind } from '../domain/notifications';
import { CloseRequest, type CloseRequestStatus } from './models/close-request';
import { Notification } from './models/notification';
import { Period } from './models/period';
import { User } from './models/user';
import { currentEvidence } from './period-evidence';
import { setAuditAction, withAuditAction, type Actor } from './tenant';
import { cancelFollowUpsOfPeriod } from './follow-ups';
import { lockPeriodKey } from './period-lock';

export const PERIOD_AUDIT_ACTIONS = {
  requested: 'period.close_requested',
  approve: 'period.closed',
  reject: 'period.close_rejected',
  withdraw: 'period.close_withdrawn',
  expire: 'period.close_expired',
  abandoned: 'period.close_abandoned',
  stale: 'period.approval_refused_stale',
  reopened: 'period.reopened',
  reminder: 'period.close_reminder_sent',
  escalation: 'period.close_escalated',
} as const;

/** Creates the period row on first use (state open) and locks it for the rest of the transaction. */
export async function lockPeriod(trx: Knex.Transaction, clientId: string, period: string): Promise<Period> {
  await trx.raw(
    `insert into periods (firm_id, client_id, period) values (app_current_firm(), ?, ?)
     on conflict (firm_id, client_id, period) do nothing`,
    [clientId, period],
  );
  const row = await Period.query().where({ client_id: clientId, period }).forNoKeyUpdate().first();
  if (!row) throw new Error(`period ${period} of client ${clientId} is not visible after its upsert`);
  return row;
}

/**
 * A request and its period, locked in the module's order: the period row first, then the request's
 * row (read again under its lock: a decision may have committed since the unlocked read). `before`
 * runs between the read and the locks (the approval's period key). Undefined: no such request.
 */
async function lockRequestAndPeriod(trx: Knex.Transaction, closeRequestId: string, before?: (seen: CloseRequest) => Promise<void>): Promise<{ request: CloseRequest; period: Period | undefined } | undefined> {
  const seen = await CloseRequest.query().findById(closeRequestId);
  if (!seen) return undefined;
  await before?.(seen);
  const period = await Period.query().findById(seen.periodId).forNoKeyUpdate();
  const request = await CloseRequest.query().findById(closeRequestId).forNoKeyUpdate();
  return request ? { request, period } : undefined;
}

export async function findPeriod(clientId: string, period: string): Promise<Period | undefined> {
  return Period.query().where({ client_id: clientId, period }).first();
}

export async function pendingRequest(clientId: string, period: string): Promise<CloseRequest | undefined> {
  return CloseRequest.query().where({ client_id: clientId, period, status: 'pending' }).first();
}

export type CloseRequestInput = {
  /** The period row, locked by lockPeriod in this transaction. */
  period: Period;
  closeRequestId: string;
  actor: Actor;
  note: string | null;
  evidence: unknown;
  evidenceHash: string;
  workflowId: string;
};

/** A new close request and the period's move to `close_requested`, audited as one step. */
export async function recordCloseRequest(trx: Knex.Transaction, input: CloseRequestInput): Promise<void> {
  const { period, actor } = input;
  await withAuditAction(trx, PERIOD_AUDIT_ACTIONS.requested, async () => {
    await CloseRequest.query().insert({
      id: input.closeRequestId,
      clientId: period.clientId,
      periodId: period.id,
      period: period.period,
      status: 'pending',
      fromState: period.state === 'reopened' ? 'reopened' : 'open',
      requestedBy: actor.userId,
      requestedByEmail: actor.email,
      requestedByRole: actor.role,
      note: input.note,
      evidence: input.evidence,
      evidenceHash: input.evidenceHash,
      workflowId: input.workflowId,
    } as Partial<CloseRequest>);
    await Period.query().findById(period.id).patch({
      state: 'close_requested',
      closeRequestId: input.closeRequestId,
      evidenceHash: input.evidenceHash,
      transitionNote: input.note,
      reasonCode: null,
      changedBy: actor.userId,
      changedAt: new Date(),
    } as Partial<Period>);
  });
}

/** A closed period reopened (the caller checked that it is closed and locked its row), audited. */
export async function reopenPeriod(trx: Knex.Transaction, period: Period, input: { actor: Actor; reason: string; reasonCode: string }): Promise<void> {
  await withAuditAction(trx, PERIOD_AUDIT_ACTIONS.reopened, async () => {
    await Period.query().findById(period.id).patch({
      state: 'reopened',
      reopenCount: period.reopenCount + 1,
      transitionNote: input.reason,
      reasonCode: input.reasonCode,
      changedBy: input.actor.userId,
      changedAt: new Date(),
    } as Partial<Period>);
  });
}

export type DecisionKind = 'approve' | 'reject' | 'withdraw' | 'expire';

export type DecisionInput = {
  closeRequestId: string;
  kind: DecisionKind;
  actor: Actor;
  /** The approver's note, or the reason of a rejection, withdrawal or expiry. */
  note: string | null;
  selfApproved: boolean;
};

export type DecisionOutcome =
  | { outcome: 'approved' | 'rejected' | 'withdrawn' | 'expired'; status: CloseRequestStatus; evidenceHash: string; cancelledFollowUps?: string[] }
  | { outcome: 'stale'; status: 'stale'; evidenceHash: string; currentEvidenceHash: string | null }
  | { outcome: 'not_pending'; status: CloseRequestStatus }
  | { outcome: 'missing' };

const STATUS_OF: Record<DecisionKind, CloseRequestStatus> = { approve: 'approved', reject: 'rejected', withdraw: 'withdrawn', expire: 'expired' };
const OUTCOME_OF = { approved: 'approved', rejected: 'rejected', withdrawn: 'withdrawn', expired: 'expired' } as const;

/**
 * Ends a pending close request. Approval first compares the evidence snapshot with the period's
 * current data: if it changed, the request becomes `stale` and the period returns to where it was
 * (docs/period-close.md, "The rules of a request"), recorded as `period.approval_refused_stale`. Otherwise the period is closed, and from that
 * commit on the database refuses writes to its imports and runs (migration 005).
 */
export async function applyDecision(trx: Knex.Transaction, input: DecisionInput): Promise<DecisionOutcome> {
  // Serialised with creating a follow-up for this period (db/period-lock.ts): the cancellation below sees every one.
  const locked = await lockRequestAndPeriod(trx, input.closeRequestId, (seen) => lockPeriodKey(trx, seen.clientId, seen.period));
  if (!locked) return { outcome: 'missing' };
  const { request, period } = locked;
  if (request.status !== 'pending') {
    // A retried activity whose first attempt committed finds its own result.
    const own = request.status === STATUS_OF[input.kind] || (input.kind === 'approve' && request.status === 'stale');
    if (own && request.status === 'stale') return { outcome: 'stale', status: 'stale', evidenceHash: request.evidenceHash, currentEvidenceHash: request.staleEvidenceHash };
    if (own) return { outcome: OUTCOME_OF[request.status as keyof typeof OUTCOME_OF], status: request.status, evidenceHash: request.evidenceHash };
    return { outcome: 'not_pending', status: request.status };
  }
  if (!period) throw new Error(`close request ${request.id} has no period row`);
  const now = new Date();
  const decided = { decidedBy: input.actor.userId, decidedByEmail: input.actor.email, decidedByRole: input.actor.role, decidedAt: now, decisionNote: input.note };
  const backTo = request.fromState ?? stateAfterUnapprovedRequest(period.reopenCount);

  if (input.kind === 'approve') {
    const current = await currentEvidence(trx, request.clientId, request.period);
    const currentHash = current.ok ? current.hash : null;
    if (currentHash !== request.evidenceHash) {
      await setAuditAction(trx, PERIOD_AUDIT_ACTIONS.stale);
      await CloseRequest.query().findById(request.id).patch({ ...decided, status: 'stale', staleEvidenceHash: currentHash } as Partial<CloseRequest>);
      await Period.query().findById(period.id).patch({
        state: backTo,
        transitionNote: "approval refused: the period's imports or reconciliation changed since the request",
        changedBy: input.actor.userId,
        changedAt: now,
      } as Partial<Period>);
      await setAuditAction(trx, null);
      return { outcome: 'stale', status: 'stale', evidenceHash: request.evidenceHash, currentEvidenceHash: currentHash };
    }
  }

  const status = STATUS_OF[input.kind];
  await setAuditAction(trx, PERIOD_AUDIT_ACTIONS[input.kind]);
  await CloseRequest.query().findById(request.id).patch({ ...decided, status, selfApproved: input.selfApproved } as Partial<CloseRequest>);
  await Period.query()
    .findById(period.id)
    .patch({
      state: input.kind === 'approve' ? 'closed' : backTo,
      transitionNote: input.note,
      selfApproved: input.kind === 'approve' ? input.selfApproved : period.selfApproved,
      changedBy: input.actor.userId,
      changedAt: now,
      ...(input.kind === 'approve' ? { closedAt: now, closedBy: input.actor.userId } : {}),
    } as Partial<Period>);
  await setAuditAction(trx, null);
  // Closing a period cancels its follow-ups (docs/follow-ups.md); nothing is sent to the client after this commit.
  const cancelledFollowUps = input.kind === 'approve' ? await cancelFollowUpsOfPeriod(trx, request.clientId, request.period) : [];
  return { outcome: OUTCOME_OF[status as keyof typeof OUTCOME_OF], status, evidenceHash: request.evidenceHash, cancelledFollowUps };
}

/**
 * Ends a pending request whose workflow is no longer running (terminated by ops, or a restore
 * brought back a row whose workflow had already ended): nothing decides it any more, so the
 * database says so. The request becomes `abandoned` with the reason, and the period returns to
 * where it was, audited as `period.close_abandoned` under the caller's actor. The caller has seen
 * the workflow ended; a request no longer pending by the time its row is locked (a decision
 * committed meanwhile) is left as it is. Returns the request's status afterwards.
 */
export async function abandonCloseRequest(trx: Knex.Transaction, closeRequestId: string, reason: string): Promise<CloseRequestStatus | 'missing'> {
  // Period row, then request: the order of a new close request (which holds the period when it finds
  // an orphan to abandon), so the two never wait on each other.
  const locked = await lockRequestAndPeriod(trx, closeRequestId);
  if (!locked) return 'missing';
  const { request, period } = locked;
  if (request.status !== 'pending') return request.status;
  const now = new Date();
  await withAuditAction(trx, PERIOD_AUDIT_ACTIONS.abandoned, async () => {
    // Nobody decided it: the system's name stands where a decider would (as for an expiry).
    await CloseRequest.query().findById(request.id).patch({
      status: 'abandoned',
      decidedBy: null,
      decidedByEmail: 'system:period-close',
      decidedByRole: 'system',
      decidedAt: now,
      decisionNote: reason,
    } as Partial<CloseRequest>);
    if (period?.state === 'close_requested' && period.closeRequestId === request.id) {
      await Period.query().findById(period.id).patch({
        state: request.fromState ?? stateAfterUnapprovedRequest(period.reopenCount),
        transitionNote: reason,
        changedBy: null,
        changedAt: now,
      } as Partial<Period>);
    }
  });
  return 'abandoned';
}

export type NudgeKind = 'reminder' | 'escalation';

/**
 * Tells the people who can decide that a request is waiting: managers (reminder) or firm admins
 * (escalation), never the requester (who cannot approve it). One notification per person, request
 * and kind, however often the activity is retried. Returns the request's status so the workflow can
 * stop waiting for a request that is no longer pending.
 */
export async function nudgeApprovers(trx: Knex.Transaction, closeRequestId: string, kind: NudgeKind): Promise<{ status: CloseRequestStatus | 'missing'; notified: string[] }> {
  const request = await CloseRequest.query().findById(closeRequestId).forNoKeyUpdate();
  if (!request) return { status: 'missing', notified: [] };
  if (request.status !== 'pending') return { status: request.status, notified: [] };
  const role = kind === 'reminder' ? 'manager' : 'firm_admin';
  const recipients = await User.query().where({ role, active: true }).whereNot('id', request.requestedBy).orderBy('id');
  const notified: string[] = [];
  const notificationKind = `period_close.${kind}` satisfies NotificationKind;
  for (const user of recipients) {
    const already = await Notification.query()
      .where({ user_id: user.id, kind: notificationKind })
      .whereRaw(`payload->>'closeRequestId' = ?`, [request.id])
      .first();
    if (already) continue;
    await Notification.query().insert({
      userId: user.id,
      kind: notificationKind,
      payload: { closeRequestId: request.id, clientId: request.clientId, period: request.period, requestedBy: request.requestedByEmail, requestedAt: request.createdAt.toISOString() },
    } as Partial<Notification>);
    notified.push(user.id);
  }
  const column = kind === 'reminder' ? 'remindedAt' : 'escalatedAt';
  if (!request[column]) {
    await setAuditAction(trx, PERIOD_AUDIT_ACTIONS[kind]);
    await CloseRequest.query().findById(request.id).patch({ [column]: new Date() } as Partial<CloseRequest>);
    await setAuditAction(trx, null);
  }
  return { status: 'pending', notified };
}
