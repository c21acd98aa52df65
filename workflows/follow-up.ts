/**
 * One client follow-up (docs/follow-ups.md): sleeps until the next step of its plan, sends or
 * escalates through activities, records what happened, and plans again. The plan is the pure
 * `planFollowUp` of domain/follow-ups, so what the API shows is what this does. Every change (an
 * answer, a snooze, a new due date, new items, a nudge) bumps a version that wakes the wait, and
 * the plan is recomputed: a slot computed from a replaced date is never sent, because everything
 * behind `processedUntil` that was not handled is skipped.
 *
 * It ends when every item is in (or not applicable), when staff complete or cancel it, or when the
 * period it concerns is closed. The database is written by the API (human steps) and by activities
 * (sends, escalations, the plan shown in lists); the workflow only orchestrates.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { planFollowUp, positionOf, type FollowUpPlan, type HandledMessage } from '../domain/follow-ups';
import {
  cancelUpdate,
  changeDueDateUpdate,
  completeUpdate,
  FOLLOW_UP_REFUSAL,
  MERGE_TARGET_SENDING,
  followUpWorkflowId,
  itemsAnsweredSignal,
  itemsChangedUpdate,
  listedInMessageSignal,
  nudgeRefusal,
  nudgeUpdate,
  periodClosedSignal,
  resumeUpdate,
  workingDaysChangedSignal,
  snoozeUpdate,
  statusQuery,
  type FollowUpHistory,
  type FollowUpInput,
  type FollowUpState,
  type NudgeResult,
  type PlanView,
} from './follow-up-definitions';

function mergeTargetStayedSending(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === MERGE_TARGET_SENDING;
}

export async function followUpWorkflow(input: FollowUpInput): Promise<{ state: FollowUpState }> {
  const sendTimeoutMs = input.sendTimeoutMs ?? 60_000;
  const activities = proxyActivities<Activities>({
    startToCloseTimeout: sendTimeoutMs,
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: input.sendAttempts ?? 20 },
  });
  const { followUpSendSlot: sendSlot, followUpEscalate: escalate, followUpRecordPlan: recordPlan, followUpAcknowledge: acknowledge, followUpMergeOutcome: mergeOutcome, followUpMergeEarly: mergeEarly } = activities;

  const h: FollowUpHistory = input.history ?? {
    dueDate: input.dueDate,
    messages: [],
    escalations: [],
    snoozes: [],
    processedUntil: input.createdAt,
    lastAnsweredAt: null,
    outstanding: input.outstanding,
    nudges: 0,
    acks: [],
  };
  let ended: 'completed' | 'cancelled' | null = h.outstanding === 0 ? 'completed' : null;
  let version = 0;
  const bump = () => {
    version += 1;
  };
  const isEnded = () => ended !== null;

  const plan = (): FollowUpPlan =>
    planFollowUp({
      policy: input.policy,
      clock: input.clock,
      createdAt: input.createdAt,
      dueDate: h.dueDate,
      feedsDeadline: input.feedsDeadline,
      workingDays: h.workingDays ?? input.workingDays,
      messages: h.messages,
      escalations: h.escalations,
      snoozes: h.snoozes,
      processedUntil: h.processedUntil,
      lastAnsweredAt: h.lastAnsweredAt,
      state: ended ?? 'open',
      firstMessageAfterDay: h.firstMessageAfterDay ?? input.firstMessageAfterDay ?? null,
    });
  const activeSnoozeEnd = (): number | null => {
    const now = Date.now();
    const active = h.snoozes.filter((s) => now >= s.from && now < s.until);
    return active.length ? Math.max(...active.map((s) => s.until)) : null;
  };
  const stateOf = (p: FollowUpPlan): FollowUpState => ended ?? (activeSnoozeEnd() !== null ? 'snoozed' : p.exhausted ? 'exhausted' : 'open');
  const view = (): PlanView => {
    const p = plan();
    return { state: stateOf(p), plan: p, snoozedUntil: activeSnoozeEnd() };
  };
  /** Everything not yet handled before now is past: skipped, never sent late. */
  const replanFromNow = () => {
    h.processedUntil = Math.max(h.processedUntil, Date.now());
    bump();
  };

  setHandler(statusQuery, () => {
    const v = view();
    const next = v.plan.messages.find((m) => m.status === 'planned');
    return { ...v, outstanding: h.outstanding, dueDate: h.dueDate, sentCount: h.messages.filter((m) => m.status === 'sent').length, nextReminderAt: next?.at ?? null };
  });

  const refuseWhenEnded = (..._args: unknown[]) => {
    if (isEnded()) throw ApplicationFailure.create({ type: FOLLOW_UP_REFUSAL.ended, message: 'This follow-up has ended.', nonRetryable: true });
  };
  setHandler(
    snoozeUpdate,
    ({ until }) => {
      h.snoozes.push({ from: Date.now(), until });
      replanFromNow();
      return view();
    },
    { validator: refuseWhenEnded },
  );
  setHandler(
    resumeUpdate,
    () => {
      const now = Date.now();
      for (const s of h.snoozes) if (s.until > now) s.until = Math.max(s.from, now);
      bump();
      return view();
    },
    { validator: refuseWhenEnded },
  );
  setHandler(
    changeDueDateUpdate,
    ({ dueDate }) => {
      h.dueDate = dueDate;
      replanFromNow();
      return view();
    },
    { validator: refuseWhenEnded },
  );
  setHandler(
    itemsChangedUpdate,
    ({ outstanding }) => {
      h.outstanding = outstanding;
      if (outstanding === 0) ended = 'completed';
      bump();
      return view();
    },
    { validator: refuseWhenEnded },
  );
  for (const [definition, outcome] of [
    [completeUpdate, 'completed'],
    [cancelUpdate, 'cancelled'],
  ] as const) {
    setHandler(
      definition,
      () => {
        ended = outcome;
        bump();
        return view();
      },
      { validator: refuseWhenEnded },
    );
  }
  setHandler(itemsAnsweredSignal, ({ outstanding, answeredAt, ack }) => {
    if (ack && !h.acks.some((a) => a.key === ack.key)) h.acks.push(ack);
    h.outstanding = outstanding;
    h.lastAnsweredAt = Math.max(h.lastAnsweredAt ?? 0, answeredAt);
    if (outstanding === 0 && !ended) ended = 'completed';
    bump();
  });
  // New holidays move skip-day reminders; what now lies before this moment is past (skipped, never sent late).
  setHandler(workingDaysChangedSignal, ({ workingDays }) => {
    if (ended) return;
    h.workingDays = workingDays;
    replanFromNow();
  });
  // Another request's message listed this one's items and was sent: its slot of that day is read in
  // the loop (below). Runs that received this signal before they knew it (a rolling deploy) ignore it
  // on replay: the patch is asked only when it arrives.
  setHandler(listedInMessageSignal, ({ at }) => {
    if (ended || !patched('follow-up-learns-it-was-listed')) return;
    (h.listedIn ??= []).push(at);
    bump();
  });
  setHandler(periodClosedSignal, () => {
    if (!ended) ended = 'cancelled';
    bump();
  });

  // A message is dated by when its outbox row was written, as the one-message-a-day rule dates it,
  // not by when it was planned: written late (a busy or restarted worker), it belongs to the later
  // day, and the plan, the nudge's refusals and the sender then agree on which day had a message.
  // Runs started before this keep dating it by its planned instant on replay.
  const datedWhenWritten = patched('follow-up-message-dated-when-written');
  let sending = false;
  const send = async (key: string, kind: HandledMessage['kind'], at: number): Promise<NudgeResult> => {
    sending = true;
    try {
      let result: Awaited<ReturnType<typeof sendSlot>>;
      try {
        result = await sendSlot({ firmId: input.firmId, followUpId: input.followUpId, key, kind, scheduledAt: at, sendTimeoutMs });
      } catch (error) {
        // The message this slot merges into stayed `sending` through every retry: the slot fails
        // with nothing written (shown skipped) and the follow-up goes on. Runs that failed here
        // before keep failing on replay: the patch is asked only at this point, so runs that never
        // get here record no marker.
        if (!mergeTargetStayedSending(error) || !patched('follow-up-stuck-merge-fails-only-the-slot')) throw error;
        h.messages.push({ key, at, kind, status: 'failed' });
        return { status: 'failed', at };
      }
      if (result.status === 'deferred') {
        // The client's message of that day went out first, without this request: the first message
        // stays unsent and the plan moves it to the next day (never two messages a day).
        h.firstMessageAfterDay = Math.max(h.firstMessageAfterDay ?? input.firstMessageAfterDay ?? result.day, result.day);
        return { status: 'skipped', at };
      }
      const dated = datedWhenWritten && result.writtenAt !== undefined ? result.writtenAt : at;
      h.messages.push({ key, at: dated, kind, status: result.status, ...(result.mergedInto ? { mergedInto: result.mergedInto } : {}) });
      // The message listed other requests of the client: each is told, so its slot of that day shows
      // merged at once and never goes. Runs from before this replay without telling them: the patch
      // is asked only when a sent message listed others.
      if (result.status === 'sent' && result.alsoListed?.length && patched('follow-up-tells-the-requests-it-listed')) {
        await Promise.all(
          result.alsoListed.map((id) =>
            getExternalWorkflowHandle(followUpWorkflowId(input.firmId, id))
              .signal(listedInMessageSignal, { at: dated })
              // That request has ended (or never ran): nothing of it is left to show merged.
              .catch(() => undefined),
          ),
        );
      }
      // A nudge merged into a message still going out: its fate is read in the loop (below).
      if (result.awaitsMessage) (h.mergesAwaited ??= []).push(key);
      if (result.ended && !ended) ended = result.ended;
      return { status: result.status, at: dated };
    } finally {
      sending = false;
    }
  };
  setHandler(
    nudgeUpdate,
    async () => {
      // Wait for a scheduled send in progress, then check again (it may have used today's message).
      await condition(() => !sending);
      const refusal = nudgeRefusal({ state: stateOf(plan()), policy: input.policy, clock: input.clock, now: Date.now(), messages: h.messages, plan: plan() });
      if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true, ...(refusal.details ? { details: [refusal.details] } : {}) });
      h.nudges += 1;
      const result = await send(`nudge:${h.nudges}`, 'nudge', Date.now());
      h.processedUntil = Math.max(h.processedUntil, result.at);
      bump();
      return result;
    },
    {
      validator: (_args: { actor: unknown }) => {
        const refusal = nudgeRefusal({ state: stateOf(plan()), policy: input.policy, clock: input.clock, now: Date.now(), messages: h.messages, plan: plan() });
        if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true, ...(refusal.details ? { details: [refusal.details] } : {}) });
      },
    },
  );

  const historyIsLong = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (input.historyLimit !== undefined && info.historyLength >= input.historyLimit);
  };

  // Runs started before the hand-over moved to the top of the loop keep their old order on replay
  // (they continued as new right after a step, and could drop a cancel that arrived during it).
  const handOverAtTop = patched('follow-up-hand-over-at-top');

  let recorded = -1;
  for (;;) {
    // Listed in another request's sent message: this request's planned slot of that message's day
    // is recorded merged into it (the outbox row under the slot says so), and is never sent.
    const listedAt = h.listedIn?.shift();
    if (listedAt !== undefined) {
      await condition(() => !sending);
      const day = positionOf(input.clock, listedAt).day;
      const slot = isEnded() ? undefined : plan().messages.find((m) => m.status === 'planned' && m.kind !== 'nudge' && positionOf(input.clock, m.at).day === day);
      if (slot && slot.kind !== 'nudge') {
        // A nudge waits for it (as for a send), then finds the day's message recorded. Its retries run
        // out (the database away): the slot's own send merges it at its time, as before.
        sending = true;
        const result = await mergeEarly({ firmId: input.firmId, followUpId: input.followUpId, key: slot.key, kind: slot.kind, scheduledAt: slot.at })
          .catch((error: unknown) => {
            if (error instanceof ActivityFailure) return { status: 'none' as const };
            throw error;
          })
          .finally(() => {
            sending = false;
          });
        if (result.status !== 'none' && !h.messages.some((m) => m.key === slot.key)) {
          h.messages.push({ key: slot.key, at: result.at, kind: slot.kind, status: result.status, ...(result.mergedInto ? { mergedInto: result.mergedInto } : {}) });
          bump();
        }
      }
      continue;
    }
    if (recorded !== version) {
      recorded = version;
      const v = view();
      await recordPlan({ firmId: input.firmId, followUpId: input.followUpId, state: v.state, plan: v.plan, snoozedUntil: v.snoozedUntil, dueDate: h.dueDate });
      continue; // a change may have arrived during the activity
    }
    const ack = h.acks[0];
    if (ack) {
      await acknowledge({ firmId: input.firmId, followUpId: input.followUpId, ackKey: ack.key, itemIds: ack.itemIds });
      h.acks.shift();
      continue;
    }
    // A nudge merged into a message that was still going out is shown as that message turns out:
    // failed with it (shown skipped, so it is neither the day's message nor counted against the
    // cap, and another nudge that day is sent) or merged once it is sent. Runs that merged a nudge
    // before this replay without reading its fate: the patch is asked only here.
    const awaited = h.mergesAwaited?.shift();
    if (awaited !== undefined) {
      if (patched('follow-up-nudge-merge-follows-its-message')) {
        const outcome = await mergeOutcome({ firmId: input.firmId, followUpId: input.followUpId, key: awaited, sendTimeoutMs }).catch((error: unknown) => {
          // Its fate still unknown after every retry: shown as the nudge was answered.
          if (error instanceof ActivityFailure) return null;
          throw error;
        });
        const handled = h.messages.find((m) => m.key === awaited);
        if (outcome && handled && handled.status !== outcome.status) {
          handled.status = outcome.status;
          bump();
        }
      }
      continue;
    }
    if (isEnded()) {
      // A step still running when the request ended (a nudge in flight when the cancel came) ends
      // after the plan was recorded: its outcome is recorded too, so the plan lists show is the
      // final one. Runs that ended before this with a step still running replay as they ended: the
      // patch is asked only when a step changed the plan after the last record.
      await condition(allHandlersFinished);
      if ((recorded !== version || h.acks.length > 0 || (h.mergesAwaited?.length ?? 0) > 0) && patched('follow-up-plan-recorded-after-its-last-step')) continue;
      break;
    }
    // Continue as new only here, with the plan recorded, no acknowledgement pending and the request
    // still open: an update or signal handled while waiting for the handlers (a cancel, an answer)
    // goes round the loop again, so the new run never starts without it.
    if (handOverAtTop && historyIsLong()) {
      await condition(allHandlersFinished);
      if (recorded !== version || h.acks.length > 0 || isEnded()) continue;
      await continueAsNew<typeof followUpWorkflow>({ ...input, history: h });
    }
    const p = plan();
    const seen = version;
    const stepAt = p.next ? (p.next.type === 'message' ? p.next.message.at : p.next.escalation.at) : null;
    const snoozeEnd = activeSnoozeEnd();
    const wakeAt = Math.min(stepAt ?? Infinity, snoozeEnd ?? Infinity);
    if (wakeAt === Infinity) {
      await condition(() => isEnded() || version !== seen || h.acks.length > 0);
      continue;
    }
    const wait = wakeAt - Date.now();
    if (wait > 0 && (await condition(() => isEnded() || version !== seen || h.acks.length > 0, wait))) continue;
    if (!p.next || (stepAt ?? Infinity) > Date.now()) {
      bump(); // the snooze ended: record the state
      continue;
    }
    // Nudges run inside their update handler; never two sends at once.
    await condition(() => !sending);
    if (version !== seen || isEnded()) continue;
    if (p.next.type === 'message') {
      const m = p.next.message;
      await send(m.key, m.kind, m.at);
      h.processedUntil = Math.max(h.processedUntil, m.at);
    } else {
      const e = p.next.escalation;
      const result = await escalate({ firmId: input.firmId, followUpId: input.followUpId, key: e.key, audience: e.audience, reason: e.reason });
      h.escalations.push({ key: e.key, at: e.at, status: result.status });
      h.processedUntil = Math.max(h.processedUntil, e.at);
    }
    bump();
    if (!handOverAtTop && historyIsLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof followUpWorkflow>({ ...input, history: h });
    }
  }
  await condition(allHandlersFinished);
  return { state: ended ?? 'cancelled' };
}
