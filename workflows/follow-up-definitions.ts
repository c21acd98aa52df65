/**
 * The client follow-up workflow's contract: its id, input, signals, updates, query, and the
 * validators' rules. Pure (Temporal definitions and domain types only): the workflow, the api, the
 * activities and the tests share it.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  dateOf,
  inQuietHours,
  instantOf,
  istIso,
  minuteOf,
  positionOf,
  type FollowUpClock,
  type FollowUpPlan,
  type FollowUpPolicy,
  type HandledEscalation,
  type HandledMessage,
  type Snooze,
  type WorkingDays,
} from '../domain/follow-ups';

export const FOLLOW_UP_WORKFLOW = 'followUpWorkflow';

/** One workflow per follow-up: a double click or a retried call reaches the same execution. */
export function followUpWorkflowId(firmId: string, followUpId: string): string {
  return `followup:${firmId}:${followUpId}`;
}

export const FOLLOW_UP_DIGEST_WORKFLOW = 'followUpDigestWorkflow';

/** One digest run per IST date: two schedulers or a retry send it once. */
export function followUpDigestWorkflowId(date: string): string {
  return `follow-up-digest-${date}`;
}

/** The outbox slot key of a follow-up's message (unique per firm). */
export function followUpSlotKey(followUpId: string, key: string): string {
  return `followup:${followUpId}:${key}`;
}

/**
 * The send activity's retryable failure while the message a slot merges into is still going out:
 * when its retries run out, the slot is recorded failed (docs/follow-ups.md, "One message a day").
 */
export const MERGE_TARGET_SENDING = 'MergeTargetSending';

export type FollowUpActor = { userId: string; email: string; role: string };

export type FollowUpState = 'open' | 'snoozed' | 'exhausted' | 'completed' | 'cancelled';

/** What survives a continue-as-new (and what the plan is computed from). */
export type FollowUpHistory = {
  dueDate: string;
  messages: HandledMessage[];
  escalations: HandledEscalation[];
  snoozes: Snooze[];
  processedUntil: number;
  lastAnsweredAt: number | null;
  outstanding: number;
  nudges: number;
  /** Acknowledgements of the client's answers still to send. */
  acks: Array<{ key: string; itemIds: string[] }>;
  /** The firm's working days once its holidays changed after the start (the input's until then). */
  workingDays?: WorkingDays;
  /** The first message waits past this business day (the plan's `firstMessageAfterDay`; the input's until it was deferred). */
  firstMessageAfterDay?: number | null;
  /** Nudges (their keys) merged into a message that was still going out, whose fate is still to be read. */
  mergesAwaited?: string[];
  /** When messages of other requests that listed this one were written (`listedInMessage`), still to be read. */
  listedIn?: number[];
};

export type FollowUpInput = {
  firmId: string;
  followUpId: string;
  clientId: string;
  policy: FollowUpPolicy;
  clock: FollowUpClock;
  createdAt: number;
  dueDate: string;
  feedsDeadline: boolean;
  workingDays: WorkingDays;
  outstanding: number;
  /** The client already had today's message when the request was made: its first message waits for the next day (the plan's `firstMessageAfterDay`). */
  firstMessageAfterDay?: number | null;
  /** How long one send may take before Temporal retries it (tests shorten it). */
  sendTimeoutMs?: number;
  /** How many times a step is attempted before it fails (20; tests make it small). */
  sendAttempts?: number;
  /** Set by continue-as-new. */
  history?: FollowUpHistory;
  /** Continue as new once the history is this long (tests make it small); Temporal's suggestion otherwise. */
  historyLimit?: number;
};

export type PlanView = { state: FollowUpState; plan: FollowUpPlan; snoozedUntil: number | null };

export type FollowUpStatusView = PlanView & { outstanding: number; sentCount: number; nextReminderAt: number | null; dueDate: string };

/** The API wrote the change to the database in its transaction; the workflow replans from it. */
export const snoozeUpdate = defineUpdate<PlanView, [{ actor: FollowUpActor; until: number }]>('snooze');
export const resumeUpdate = defineUpdate<PlanView, [{ actor: FollowUpActor }]>('resume');
export const changeDueDateUpdate = defineUpdate<PlanView, [{ actor: FollowUpActor; dueDate: string }]>('changeDueDate');
export const itemsChangedUpdate = defineUpdate<PlanView, [{ actor: FollowUpActor; outstanding: number }]>('itemsChanged');
export const completeUpdate = defineUpdate<PlanView, [{ actor: FollowUpActor; note: string | null }]>('complete');
export const cancelUpdate = defineUpdate<PlanView, [{ actor: FollowUpActor; note: string | null }]>('cancel');
export type NudgeResult = { status: 'sent' | 'merged' | 'skipped' | 'failed'; at: number };
export const nudgeUpdate = defineUpdate<NudgeResult, [{ actor: FollowUpActor }]>('nudge');

/** The client answered through the link (the database already says what is left). */
export type ItemsAnswered = { outstanding: number; answeredAt: number; ack: { key: string; itemIds: string[] } | null };
export const itemsAnsweredSignal = defineSignal<[ItemsAnswered]>('itemsAnswered');
/** The period the request concerns was closed (the close already cancelled it in the database). */
export const periodClosedSignal = defineSignal<[{ period: string }]>('periodClosed');
/** The firm's holidays or Saturday setting changed: plan with these working days from now on. */
export const workingDaysChangedSignal = defineSignal<[{ workingDays: WorkingDays }]>('workingDaysChanged');
/**
 * Another request's message, written at `at`, listed this request's open items and was sent: this
 * request's slot of that day (on its own clock) is merged into it at once, never sent at its own time.
 */
export const listedInMessageSignal = defineSignal<[{ at: number }]>('listedInMessage');

export const statusQuery = defineQuery<FollowUpStatusView>('status');

export const FOLLOW_UP_REFUSAL = {
  ended: 'follow_up_ended',
  quietHours: 'quiet_hours',
  sentToday: 'already_sent_today',
  capReached: 'cap_reached',
  firstPending: 'first_message_pending',
} as const;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A nudge inside quiet hours: the hours are IST (the plan's clock), and staff are told when the next
 * message may go, the end of these quiet hours (`details.nextAllowedAt`, +05:30 as the API gives instants).
 */
function quietHoursRefusal(policy: FollowUpPolicy, clock: FollowUpClock, day: number, minute: number): NudgeRefusal {
  const { from, to } = policy.quietHours;
  const end = minuteOf(to);
  const endDay = minute < end ? day : day + 1;
  const date = dateOf(endDay);
  const on = `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;
  return {
    type: FOLLOW_UP_REFUSAL.quietHours,
    message: `No messages between ${from} and ${to} IST; the next message can go at ${to} IST on ${on}.`,
    details: { quietHours: { from, to }, nextAllowedAt: istIso(instantOf(clock, endDay, end)) },
  };
}

export type NudgeRefusal = { type: string; message: string; details?: Record<string, unknown> };

/** Why a manual nudge is refused now (not during quiet hours, not before the first message, not twice in a day, not over the cap), or null. */
export function nudgeRefusal(input: { state: FollowUpState; policy: FollowUpPolicy; clock: FollowUpClock; now: number; messages: HandledMessage[]; plan: FollowUpPlan }): NudgeRefusal | null {
  if (input.state === 'completed' || input.state === 'cancelled') return { type: FOLLOW_UP_REFUSAL.ended, message: 'This follow-up has ended.' };
  const { day, minute } = positionOf(input.clock, input.now);
  if (inQuietHours(input.policy, minute)) return quietHoursRefusal(input.policy, input.clock, day, minute);
  // A reminder before the request itself (created in quiet hours, its first message waiting for the
  // send time) would also make two messages that day: the first message goes first.
  if (input.plan.messages.some((m) => m.kind === 'initial' && m.status === 'planned')) {
    return { type: FOLLOW_UP_REFUSAL.firstPending, message: 'The first message has not gone out yet; a reminder can follow it.' };
  }
  if (input.messages.some((m) => (m.status === 'sent' || m.status === 'merged') && positionOf(input.clock, m.at).day === day)) {
    return { type: FOLLOW_UP_REFUSAL.sentToday, message: 'The client already got a message today.' };
  }
  const counted = input.plan.messages.filter((m) => m.kind !== 'initial' && (m.status === 'sent' || m.status === 'merged')).length;
  if (counted >= input.policy.maxAutoReminders) return { type: FOLLOW_UP_REFUSAL.capReached, message: `The ${input.policy.maxAutoReminders} reminders of this follow-up are used up.` };
  return null;
}
