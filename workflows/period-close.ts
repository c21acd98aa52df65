/**
 * One close request of a client's period (docs/period-close.md, "The workflow"), from the request until a
 * decision or expiry. Human steps are updates whose validators apply the rules of docs/period-close.md ("Who may do what"), so a refused
 * step is answered with an error and leaves nothing in history. The decisions themselves (and the
 * lock) are written by activities, in one database transaction each with their audit rows, carrying
 * the real actor; the database stays the source of truth and the only guard of the lock.
 *
 * While pending it reminds the firm's managers, then escalates to firm admins, then expires the
 * request (never approves on timeout). All three durations come from the input, so tests use seconds.
 */
import { ApplicationFailure, condition, getExternalWorkflowHandle, patched, proxyActivities, setHandler, allHandlersFinished } from '@temporalio/workflow';
import { periodClosedSignal } from './follow-up-definitions';
import type { Activities } from '../activities';
import {
  approveUpdate,
  refusalFor,
  rejectUpdate,
  REFUSAL,
  statusQuery,
  withdrawUpdate,
  type CloseWorkflowState,
  type DecisionArgs,
  type DecisionKind,
  type DecisionResult,
  type PeriodCloseInput,
  type PeriodCloseResult,
  type PeriodCloseStatus,
} from './period-close-definitions';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

type Step = { step: 'reminder' | 'escalation' | 'expiry'; at: number };

export async function periodCloseWorkflow(input: PeriodCloseInput): Promise<PeriodCloseResult> {
  const startedAt = Date.now();
  let state: CloseWorkflowState = 'pending';
  let next: Step | null = null;
  let remindedAt: string | null = null;
  let escalatedAt: string | null = null;
  let decision: PeriodCloseStatus['decision'] = null;

  // Read through a function: update handlers change `state` between awaits, which the compiler's
  // narrowing of a local variable cannot see.
  const current = (): CloseWorkflowState => state;
  const ended = () => current() !== 'pending' && current() !== 'deciding';

  const decide = (kind: DecisionKind) => async (args: DecisionArgs): Promise<DecisionResult> => {
    // Set before the first await: a second update's validator now sees the request as taken.
    state = 'deciding';
    const selfApproved = kind === 'approve' && args.actor.userId === input.requestedBy.userId;
    try {
      const result = await activities.periodCloseDecide({
        firmId: input.firmId,
        closeRequestId: input.closeRequestId,
        kind,
        actor: args.actor,
        note: args.note?.trim() || null,
        selfApproved,
        requestId: args.requestId,
        ip: args.ip ?? null,
      });
      if (result.outcome === 'missing' || result.outcome === 'not_pending' || result.outcome === 'expired') {
        // Ended some other way meanwhile (only the workflow's own expiry can do that): report it.
        state = result.outcome === 'missing' ? 'abandoned' : result.status;
        throw ApplicationFailure.create({ type: REFUSAL.notPending, message: 'The close request is no longer pending.', nonRetryable: true });
      }
      state = result.outcome;
      // The approval cancelled the period's follow-ups in the database; wake their workflows so they end now.
      if (result.outcome === 'approved' && result.cancelledFollowUps?.length && patched('signal-cancelled-follow-ups')) {
        for (const workflowId of result.cancelledFollowUps) {
          await getExternalWorkflowHandle(workflowId)
            .signal(periodClosedSignal, { period: input.period })
            .catch(() => undefined); // already ended: nothing to tell
        }
      }
      decision = { outcome: state, by: args.actor.email, at: new Date().toISOString(), selfApproved: result.outcome === 'approved' && selfApproved };
      return {
        outcome: result.outcome,
        closeRequestId: input.closeRequestId,
        selfApproved: decision.selfApproved,
        evidenceHash: result.evidenceHash,
        currentEvidenceHash: result.outcome === 'stale' ? result.currentEvidenceHash : undefined,
      };
    } catch (error) {
      // The activity gave up (the database was unreachable for its whole retry budget): still pending.
      if (state === 'deciding') state = 'pending';
      throw error;
    }
  };

  for (const kind of ['approve', 'reject', 'withdraw'] as const) {
    const definition = { approve: approveUpdate, reject: rejectUpdate, withdraw: withdrawUpdate }[kind];
    setHandler(definition, decide(kind), {
      validator: (args: DecisionArgs) => {
        const refusal = refusalFor(kind, state, input.requestedBy, args);
        if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
      },
    });
  }

  setHandler(statusQuery, (): PeriodCloseStatus => ({
    closeRequestId: input.closeRequestId,
    firmId: input.firmId,
    clientId: input.clientId,
    period: input.period,
    state,
    requestedBy: input.requestedBy,
    waitingFor: ended() ? null : `approval or rejection by a manager or firm admin other than ${input.requestedBy.email}`,
    next: next && !ended() ? { step: next.step, at: new Date(next.at).toISOString() } : null,
    remindedAt,
    escalatedAt,
    decision,
  }));

  const steps: Step[] = [
    { step: 'reminder' as const, at: startedAt + input.timers.remindAfterMs },
    { step: 'escalation' as const, at: startedAt + input.timers.escalateAfterMs },
    { step: 'expiry' as const, at: startedAt + input.timers.expireAfterMs },
  ].sort((a, b) => a.at - b.at);

  for (const step of steps) {
    next = step;
    // Wait for the step's time unless a decision ends the request first. A decision in progress
    // ('deciding') may still fail and return to pending, so wait for its end before going on.
    for (;;) {
      const remaining = step.at - Date.now();
      if (remaining > 0) await condition(() => state !== 'pending', remaining);
      if (current() === 'deciding') await condition(() => state !== 'deciding');
      if (ended() || Date.now() >= step.at) break;
    }
    if (ended()) break;

    if (step.step === 'expiry') {
      state = 'deciding';
      const result = await activities.periodCloseDecide({
        firmId: input.firmId,
        closeRequestId: input.closeRequestId,
        kind: 'expire',
        actor: null,
        note: 'no decision in time: request a new close (the data may have changed)',
        selfApproved: false,
      });
      state = result.outcome === 'missing' ? 'abandoned' : result.outcome === 'not_pending' ? result.status : result.outcome;
      if (state === 'expired') decision = { outcome: 'expired', by: 'system', at: new Date().toISOString(), selfApproved: false };
      break;
    }
    const nudged = await activities.periodCloseNudge({ firmId: input.firmId, closeRequestId: input.closeRequestId, kind: step.step === 'reminder' ? 'reminder' : 'escalation' });
    if (step.step === 'reminder') remindedAt = new Date().toISOString();
    else escalatedAt = new Date().toISOString();
    // The database says the request ended some other way (or was never committed): stop waiting.
    if (nudged.status !== 'pending' && current() === 'pending') {
      state = nudged.status === 'missing' ? 'abandoned' : nudged.status;
      break;
    }
  }
  next = null;
  // Let a running update handler return its result to the caller before the workflow completes.
  await condition(allHandlersFinished);
  return { closeRequestId: input.closeRequestId, outcome: state };
}
