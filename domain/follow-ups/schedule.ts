/**
 * The follow-up schedule: one pure function from the policy, the due date, the firm's working days
 * and what has happened so far (messages handled, escalations handled, snoozes, the client's last
 * answer, how far the workflow has got) to every planned client message and internal escalation,
 * each with its instant, kind and status. The API shows exactly this, and the workflow does exactly
 * this: it sleeps until `next`, handles it, records the outcome in the history and plans again.
 *
 * Rules (the product's default policy, see policy.ts):
 * - the first message at creation, or at the next `sendAt` when created inside quiet hours; when
 *   the client already had its one message of that day from another of its requests, without this
 *   one in it, at the next day's `sendAt` (`firstMessageAfterDay`): one message per client per day;
 * - interval reminders `intervalDays` after the last client-facing message while more than
 *   `intervalUntilDaysBeforeDue` days remain; anchored reminders on T minus each deadline offset;
 *   overdue reminders on T plus each overdue offset, then automatic messages stop;
 * - at most one message per day (a nudge that day takes the scheduled one's place); the
 *   per-client merge across requests happens when sending, against the outbox (a message lists
 *   every open request of the client whose own quiet hours allow a message then: the others' slots
 *   that day, first messages included, are `merged` into it);
 * - over `maxAutoReminders`, unsent interval reminders go first (earliest first), then overdue ones;
 *   anchored reminders up to T stay unless the cap is smaller than their number (then the earliest
 *   go: the cap is never exceeded);
 * - a slot inside a snooze, or already behind the workflow (`processedUntil`) without having been
 *   handled (a replaced due date, a snooze, a missed day), is `skipped`: never sent late, never
 *   re-sent; the cadence keeps its rhythm after a snooze and the cap is not reset;
 * - once the request is completed or cancelled every unsent slot is `cancelled`.
 */
import { dateOf, dayOf, instantOf, minuteOf, positionOf, type FollowUpClock } from './clock';
import { FIRM_ADMINS_TOLD_DAYS_AFTER_DUE, inQuietHours, type FollowUpPolicy } from './policy';
import { isWorkingDay, type WorkingDays } from './working-days';

export type MessageKind = 'initial' | 'interval' | 'anchored' | 'overdue';
export type SlotStatus = 'planned' | 'sent' | 'merged' | 'skipped' | 'cancelled';
export type HandledStatus = 'sent' | 'merged' | 'skipped' | 'failed';

/**
 * A client message the workflow already handled (scheduled slots and nudges). `mergedInto`: the
 * outbox id of the client's message a `merged` slot was listed in (absent for runs from before it was kept).
 */
export type HandledMessage = { key: string; at: number; kind: MessageKind | 'nudge'; status: HandledStatus; mergedInto?: string };
export type HandledEscalation = { key: string; at: number; status: 'sent' | 'skipped' };
export type Snooze = { from: number; until: number };

export type EscalationAudience = 'owner' | 'manager' | 'firm_admin';
export type EscalationReason = 'reminders_unanswered' | 'due_tomorrow' | 'due_passed' | 'overdue' | 'cadence_exhausted';

export type PlanInput = {
  policy: FollowUpPolicy;
  clock: FollowUpClock;
  createdAt: number;
  dueDate: string;
  /** The request feeds a statutory deadline (the manager is told on T-1). */
  feedsDeadline: boolean;
  workingDays: WorkingDays;
  messages: HandledMessage[];
  escalations: HandledEscalation[];
  snoozes: Snooze[];
  /** Slots before this instant that were not handled are past: skipped, never sent. */
  processedUntil: number;
  lastAnsweredAt: number | null;
  state: 'open' | 'completed' | 'cancelled';
  /**
   * The last business day on which the client already had its one message of the day, from another
   * of its requests, without this request in it: the first message waits for the next day's
   * `sendAt`. Known at creation (a message went out earlier that day) or learned when the first
   * message was due (another request's message of that day went out first). Absent: none.
   */
  firstMessageAfterDay?: number | null;
};

export type PlannedMessage = { key: string; at: number; kind: MessageKind | 'nudge'; status: SlotStatus; mergedInto?: string };
export type PlannedEscalation = { key: string; at: number; audience: EscalationAudience; reason: EscalationReason; status: 'planned' | 'sent' | 'skipped' | 'cancelled' };
export type NextStep = { type: 'message'; message: PlannedMessage } | { type: 'escalation'; escalation: PlannedEscalation };

export type FollowUpPlan = {
  messages: PlannedMessage[];
  escalations: PlannedEscalation[];
  /** The earliest planned step (messages before escalations at the same instant), or null. */
  next: NextStep | null;
  /** Open, and no client message is planned any more. */
  exhausted: boolean;
};

const FACING: HandledStatus[] = ['sent', 'merged'];

function shiftToWorkingDay(day: number, direction: 1 | -1, calendar: WorkingDays): number {
  let d = day;
  for (let i = 0; i < 14 && !isWorkingDay(d, calendar); i += 1) d += direction;
  return d;
}

function handledStatusToSlot(status: HandledStatus): SlotStatus {
  return status === 'failed' ? 'skipped' : status;
}

/**
 * The first message's instant: at creation, or the next `sendAt` outside quiet hours; after a day
 * the client's one message already went without this request (`firstMessageAfterDay`), the next
 * day's `sendAt` (a working day when `skipDays` is on: it moves later, as reminders that are not
 * anchored do).
 */
export function initialInstant(input: Pick<PlanInput, 'policy' | 'clock' | 'createdAt' | 'firstMessageAfterDay'> & { workingDays?: WorkingDays }): number {
  const { day, minute } = positionOf(input.clock, input.createdAt);
  const sendAt = minuteOf(input.policy.sendAt);
  const at = inQuietHours(input.policy, minute) ? instantOf(input.clock, minute < sendAt ? day : day + 1, sendAt) : input.createdAt;
  const after = input.firstMessageAfterDay;
  if (after === undefined || after === null || positionOf(input.clock, at).day > after) return at;
  const next = input.policy.skipDays && input.workingDays ? shiftToWorkingDay(after + 1, 1, input.workingDays) : after + 1;
  return instantOf(input.clock, next, sendAt);
}

/**
 * The due date lies before the business day of `now`. The plan leaves out escalations dated before
 * the request was made (they belong to no one's day), so a request due in the past would tell no one
 * it is overdue: the API refuses such a due date instead (422 due_date_passed).
 */
export function dueDatePassed(clock: FollowUpClock, now: number, dueDate: string): boolean {
  return dayOf(dueDate) < positionOf(clock, now).day;
}

export function planFollowUp(input: PlanInput): FollowUpPlan {
  const { policy, clock } = input;
  const T = dayOf(input.dueDate);
  const sendAt = minuteOf(policy.sendAt);
  const handled = new Map(input.messages.map((m) => [m.key, m]));
  const handledByDay = new Map<number, HandledMessage[]>();
  for (const m of input.messages) {
    const day = positionOf(clock, m.at).day;
    handledByDay.set(day, [...(handledByDay.get(day) ?? []), m]);
  }
  const inSnooze = (at: number) => input.snoozes.some((s) => at >= s.from && at < s.until);
  const open = input.state === 'open';

  /** The outbox id of the message a merged slot was listed in, as the workflow recorded it. */
  const mergedInto = (key: string) => {
    const done = handled.get(key);
    return done?.status === 'merged' && done.mergedInto ? { mergedInto: done.mergedInto } : {};
  };
  const statusOf = (key: string, at: number): SlotStatus => {
    const done = handled.get(key);
    if (done) return handledStatusToSlot(done.status);
    if (!open) return 'cancelled';
    if (at < input.processedUntil || inSnooze(at)) return 'skipped';
    return 'planned';
  };

  const messages: PlannedMessage[] = [];
  const initialAt = handled.get('initial')?.at ?? initialInstant(input);
  const firstDay = positionOf(clock, initialAt).day;
  messages.push({ key: 'initial', at: initialAt, kind: 'initial', status: statusOf('initial', initialAt), ...mergedInto('initial') });

  const anchoredDays = new Set<number>();
  for (const offset of policy.deadlineOffsets) {
    const day = policy.skipDays ? shiftToWorkingDay(T - offset, -1, input.workingDays) : T - offset;
    if (day > firstDay) anchoredDays.add(day);
  }
  const overdueDays = new Set<number>();
  for (const offset of policy.overdueOffsets) {
    const day = policy.skipDays ? shiftToWorkingDay(T + offset, 1, input.workingDays) : T + offset;
    if (day > firstDay && !anchoredDays.has(day)) overdueDays.add(day);
  }
  const lastDay = Math.max(firstDay, ...anchoredDays, ...overdueDays);

  let lastFacing = firstDay;
  for (let day = firstDay + 1; day <= lastDay; day += 1) {
    if ((handledByDay.get(day) ?? []).some((m) => FACING.includes(m.status) && m.key !== 'initial')) lastFacing = Math.max(lastFacing, day);
    let kind: MessageKind | null = null;
    if (anchoredDays.has(day)) kind = 'anchored';
    else if (overdueDays.has(day)) kind = 'overdue';
    else if (day - lastFacing >= policy.intervalDays && T - day > policy.intervalUntilDaysBeforeDue) {
      if (policy.skipDays && !isWorkingDay(day, input.workingDays)) continue;
      kind = 'interval';
    }
    if (!kind) continue;
    const key = `${kind}:${dateOf(day)}`;
    // The day already had its message (a nudge, or a slot of an earlier due date): it takes the slot's place.
    if (!handled.has(key) && (handledByDay.get(day) ?? []).some((m) => FACING.includes(m.status))) {
      lastFacing = day;
      continue;
    }
    const at = handled.get(key)?.at ?? instantOf(clock, day, sendAt);
    messages.push({ key, at, kind, status: statusOf(key, at), ...mergedInto(key) });
    lastFacing = day;
  }

  // Handled messages the current rules no longer produce (nudges, slots of a replaced due date).
  const shown = new Set(messages.map((m) => m.key));
  for (const m of input.messages) if (!shown.has(m.key)) messages.push({ key: m.key, at: m.at, kind: m.kind, status: handledStatusToSlot(m.status), ...mergedInto(m.key) });
  messages.sort((a, b) => a.at - b.at || a.key.localeCompare(b.key));

  // The total cap: nudges and reminders count, the first message does not.
  const counted = (m: PlannedMessage) => m.kind !== 'initial' && (m.status === 'planned' || m.status === 'sent' || m.status === 'merged');
  let over = messages.filter(counted).length - policy.maxAutoReminders;
  for (const kind of ['interval', 'overdue', 'anchored'] as const) {
    for (const m of messages) {
      if (over <= 0) break;
      if (m.kind === kind && m.status === 'planned') {
        m.status = 'skipped';
        over -= 1;
      }
    }
  }

  const escalations = planEscalations(input, messages, T, sendAt);
  const plannedMessage = messages.find((m) => m.status === 'planned');
  const plannedEscalation = escalations.find((e) => e.status === 'planned');
  let next: NextStep | null = null;
  if (plannedMessage && (!plannedEscalation || plannedMessage.at <= plannedEscalation.at)) next = { type: 'message', message: plannedMessage };
  else if (plannedEscalation) next = { type: 'escalation', escalation: plannedEscalation };
  return { messages, escalations, next, exhausted: open && !plannedMessage };
}

/** The internal ladder: never to the client. */
function planEscalations(input: PlanInput, messages: PlannedMessage[], T: number, sendAt: number): PlannedEscalation[] {
  const { clock } = input;
  const wanted: Array<Omit<PlannedEscalation, 'status' | 'key'> & { key?: string }> = [];
  const since = input.lastAnsweredAt ?? input.createdAt;
  const live = (m: PlannedMessage) => m.status === 'planned' || m.status === 'sent' || m.status === 'merged';
  const unanswered = messages.filter((m) => m.kind !== 'initial' && live(m) && m.at > since);
  const second = unanswered[1];
  if (second) wanted.push({ key: `owner:reminders_unanswered:${second.key}`, at: second.at, audience: 'owner', reason: 'reminders_unanswered' });
  if (input.feedsDeadline) wanted.push({ at: instantOf(clock, T - 1, sendAt), audience: 'manager', reason: 'due_tomorrow' });
  wanted.push({ at: instantOf(clock, T + 1, 0), audience: 'manager', reason: 'due_passed' });
  wanted.push({ at: instantOf(clock, T + FIRM_ADMINS_TOLD_DAYS_AFTER_DUE, sendAt), audience: 'firm_admin', reason: 'overdue' });
  const last = messages.filter(live).at(-1);
  if (last) {
    for (const audience of ['owner', 'manager'] as const) wanted.push({ at: last.at, audience, reason: 'cadence_exhausted' });
  }

  const handled = new Map(input.escalations.map((e) => [e.key, e]));
  const result: PlannedEscalation[] = [];
  for (const w of wanted) {
    const key = w.key ?? `${w.audience}:${w.reason}`;
    const done = handled.get(key);
    if (!done && w.at <= input.createdAt) continue;
    const at = done?.at ?? w.at;
    let status: PlannedEscalation['status'];
    if (done) status = done.status;
    else if (input.state !== 'open') status = 'cancelled';
    else if (at < input.processedUntil) status = 'skipped';
    else status = 'planned';
    result.push({ key, at, audience: w.audience, reason: w.reason, status });
  }
  // Handled escalations whose rule no longer applies (an earlier due date's), kept as history.
  for (const e of input.escalations) {
    if (!result.some((r) => r.key === e.key)) {
      const [audience, reason] = e.key.split(':') as [EscalationAudience, EscalationReason];
      result.push({ key: e.key, at: e.at, audience, reason, status: e.status });
    }
  }
  return result.sort((a, b) => a.at - b.at || a.key.localeCompare(b.key));
}
