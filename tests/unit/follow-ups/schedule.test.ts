/** The follow-up schedule (domain/follow-ups): the policy's worked example and properties over random histories. */
import fc from 'fast-check';
import {
  DEFAULT_FOLLOW_UP_POLICY,
  IST_CLOCK,
  SUNDAYS_OFF,
  compressedClock,
  dateOf,
  dayOf,
  dueDatePassed,
  inQuietHours,
  instantOf,
  isWorkingDay,
  mergePolicy,
  planFollowUp,
  positionOf,
  type FollowUpPlan,
  type HandledMessage,
  type PlanInput,
} from '../../../domain/follow-ups';

const DAY0 = dayOf('2026-12-01'); // a Tuesday
const at = (day: number, hhmm = '10:00') => instantOf(IST_CLOCK, DAY0 + day, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));

function baseInput(overrides: Partial<PlanInput> = {}): PlanInput {
  const createdAt = overrides.createdAt ?? at(0);
  return {
    policy: DEFAULT_FOLLOW_UP_POLICY,
    clock: IST_CLOCK,
    createdAt,
    dueDate: dateOf(DAY0 + 15),
    feedsDeadline: false,
    workingDays: SUNDAYS_OFF,
    messages: [],
    escalations: [],
    snoozes: [],
    processedUntil: createdAt,
    lastAnsweredAt: null,
    state: 'open',
    ...overrides,
  };
}

const dayIndex = (ms: number) => positionOf(IST_CLOCK, ms).day - DAY0;
const summary = (plan: FollowUpPlan) => plan.messages.map((m) => `${m.kind}@${dayIndex(m.at)}:${m.status}`);

/** Runs the plan the way the workflow does: handle `next` until `until`, recording each as sent. */
function runUntil(input: PlanInput, until: number): PlanInput {
  let current = input;
  for (let i = 0; i < 100; i += 1) {
    const plan = planFollowUp(current);
    const next = plan.next;
    if (!next) break;
    const step = next.type === 'message' ? next.message : next.escalation;
    if (step.at > until) break;
    if (next.type === 'message') current = { ...current, messages: [...current.messages, { key: step.key, at: step.at, kind: next.message.kind, status: 'sent' }], processedUntil: step.at };
    else current = { ...current, escalations: [...current.escalations, { key: step.key, at: step.at, status: 'sent' }], processedUntil: step.at };
  }
  return current;
}

describe('follow-up schedule', () => {
  it('plans the worked example: created day 0 10:00, due day 15', () => {
    const plan = planFollowUp(baseInput());
    expect(summary(plan)).toEqual([
      'initial@0:planned',
      'interval@3:planned',
      'interval@6:planned',
      'anchored@8:planned',
      'anchored@12:planned',
      'anchored@14:planned',
      'anchored@15:planned',
      'overdue@17:planned',
      'overdue@20:planned',
    ]);
    expect(plan.messages[1]!.at).toBe(at(3));
    expect(plan.next).toMatchObject({ type: 'message', message: { key: 'initial', at: at(0) } });
    // The ladder: the owner at the second unanswered reminder, the manager when T passes, the partner at T+3, and both when the cadence ends.
    expect(plan.escalations.map((e) => `${e.audience}:${e.reason}@${dayIndex(e.at)}`)).toEqual([
      'owner:reminders_unanswered@6',
      'manager:due_passed@16',
      'firm_admin:overdue@18',
      'manager:cadence_exhausted@20',
      'owner:cadence_exhausted@20',
    ]);
  });

  it('moves a message created in quiet hours to the next sendAt, and tells the manager on T-1 when the request feeds a deadline', () => {
    const late = planFollowUp(baseInput({ createdAt: at(0, '21:30'), processedUntil: at(0, '21:30'), feedsDeadline: true }));
    expect(late.messages[0]).toMatchObject({ kind: 'initial', at: at(1) });
    const early = planFollowUp(baseInput({ createdAt: at(0, '07:00'), processedUntil: at(0, '07:00') }));
    expect(early.messages[0]).toMatchObject({ kind: 'initial', at: at(0) });
    expect(late.escalations.find((e) => e.reason === 'due_tomorrow')).toMatchObject({ audience: 'manager', at: at(14) });
  });

  it('skips what a snooze covers, keeps the rhythm after it, and does not reset the cap', () => {
    const start = baseInput();
    const afterTwo = runUntil(start, at(3));
    const snoozed = { ...afterTwo, snoozes: [{ from: at(4), until: at(9) }], processedUntil: at(4) };
    expect(summary(planFollowUp(snoozed)).slice(0, 5)).toEqual(['initial@0:sent', 'interval@3:sent', 'interval@6:skipped', 'anchored@8:skipped', 'anchored@12:planned']);
  });

  it('replans a changed due date without firing anything of the old date', () => {
    const sentTwo = runUntil(baseInput(), at(3));
    const moved = planFollowUp({ ...sentTwo, dueDate: dateOf(DAY0 + 10), processedUntil: at(5) });
    expect(summary(moved)).toEqual(['initial@0:sent', 'interval@3:sent', 'anchored@7:planned', 'anchored@9:planned', 'anchored@10:planned', 'overdue@12:planned', 'overdue@15:planned']);
    expect(moved.messages.some((m) => m.kind === 'anchored' && dayIndex(m.at) === 8)).toBe(false);
  });

  it('cancels every unsent slot once the request is complete, and a nudge takes the day of a scheduled reminder', () => {
    const nudged = planFollowUp(baseInput({ messages: [{ key: 'initial', at: at(0), kind: 'initial', status: 'sent' }, { key: 'nudge:1', at: at(3, '09:30'), kind: 'nudge', status: 'sent' }], processedUntil: at(3, '09:30') }));
    expect(summary(nudged).slice(0, 4)).toEqual(['initial@0:sent', 'nudge@3:sent', 'interval@6:planned', 'anchored@8:planned']);
    const done = planFollowUp(baseInput({ state: 'completed' }));
    expect(done.messages.every((m) => m.status === 'cancelled')).toBe(true);
    expect(done.next).toBeNull();
  });

  it('shows a slot merged early into another request\'s message at that message\'s instant, naming it, and plans on from it', () => {
    const sent = runUntil(baseInput(), at(0));
    // The day-3 interval reminder rode in another request's message at 09:15 that day (before its 10:00).
    const merged = planFollowUp({ ...sent, messages: [...sent.messages, { key: `interval:${dateOf(DAY0 + 3)}`, at: at(3, '09:15'), kind: 'interval', status: 'merged', mergedInto: 'outbox-1' }] });
    const slot = merged.messages.find((m) => m.key === `interval:${dateOf(DAY0 + 3)}`);
    expect(slot).toEqual({ key: `interval:${dateOf(DAY0 + 3)}`, at: at(3, '09:15'), kind: 'interval', status: 'merged', mergedInto: 'outbox-1' });
    // Not planned any more (the workflow never sends it), and the cadence counts from that day, as from a sent one.
    expect(merged.next?.type === 'message' ? merged.next.message.key : null).toBe(`interval:${dateOf(DAY0 + 6)}`);
    expect(summary(merged).slice(0, 3)).toEqual(['initial@0:sent', 'interval@3:merged', 'interval@6:planned']);
    // A slot merged in a run that did not keep the message's id is shown merged without it.
    const unnamed = planFollowUp({ ...sent, messages: [...sent.messages, { key: `interval:${dateOf(DAY0 + 3)}`, at: at(3), kind: 'interval', status: 'merged' }] });
    expect(unnamed.messages.find((m) => m.status === 'merged')).not.toHaveProperty('mergedInto');
  });

  it('drops interval reminders first, earliest first, over the cap; anchored reminders stay', () => {
    // Due day 30: intervals 3…21 (7), anchored 23, 27, 29, 30, overdue 32, 35: 13 reminders for a cap of 8.
    const plan = planFollowUp(baseInput({ dueDate: dateOf(DAY0 + 30), policy: mergePolicy(DEFAULT_FOLLOW_UP_POLICY, { maxAutoReminders: 8 }) }));
    const counted = plan.messages.filter((m) => m.kind !== 'initial' && m.status === 'planned');
    expect(counted).toHaveLength(8);
    const tight = planFollowUp(baseInput({ dueDate: dateOf(DAY0 + 30), policy: mergePolicy(DEFAULT_FOLLOW_UP_POLICY, { maxAutoReminders: 3 }) }));
    expect(summary(tight).filter((m) => m.endsWith('planned'))).toEqual(['initial@0:planned', 'anchored@27:planned', 'anchored@29:planned', 'anchored@30:planned']);
    expect(plan.messages.filter((m) => m.kind === 'anchored').every((m) => m.status === 'planned')).toBe(true);
    expect(plan.messages.filter((m) => m.kind === 'interval' && m.status === 'skipped').map((m) => dayIndex(m.at))).toEqual([3, 6, 9, 12, 15]);
  });

  it('moves anchored reminders earlier and others later off Sundays when skipDays is on', () => {
    // Due Sunday 2026-12-20 (day 19): T-0 moves to Saturday, T+2 stays Tuesday.
    const plan = planFollowUp(baseInput({ dueDate: '2026-12-20', policy: mergePolicy(DEFAULT_FOLLOW_UP_POLICY, { skipDays: true }) }));
    for (const m of plan.messages) expect(isWorkingDay(positionOf(IST_CLOCK, m.at).day, SUNDAYS_OFF)).toBe(true);
    expect(plan.messages.filter((m) => m.kind === 'anchored').map((m) => dateOf(positionOf(IST_CLOCK, m.at).day))).toEqual(['2026-12-12', '2026-12-17', '2026-12-19']);
  });

  it('runs the same plan on a compressed clock', () => {
    const createdAt = 1_000_000;
    const clock = compressedClock(createdAt, { day: DAY0, minute: 600 }, 2000);
    const plan = planFollowUp(baseInput({ clock, createdAt, processedUntil: createdAt }));
    expect(plan.messages.map((m) => (m.at - createdAt) / 2000)).toEqual([0, 3, 6, 8, 12, 14, 15, 17, 20]);
  });

  it('a due date is passed only before the business day of now; a request due today still plans every escalation from T on', () => {
    const now = at(0, '15:00');
    expect(dueDatePassed(IST_CLOCK, now, dateOf(DAY0 - 1))).toBe(true);
    expect(dueDatePassed(IST_CLOCK, now, dateOf(DAY0))).toBe(false);
    expect(dueDatePassed(IST_CLOCK, at(1, '00:00'), dateOf(DAY0))).toBe(true);
    const compressed = compressedClock(now, { day: DAY0, minute: 900 }, 4000);
    expect(dueDatePassed(compressed, now + 4000, dateOf(DAY0))).toBe(true);
    expect(dueDatePassed(compressed, now + 1000, dateOf(DAY0))).toBe(false);
    // What the API lets through loses no escalation of the due date to creation: T+1 and T+3 are ahead.
    const plan = planFollowUp(baseInput({ createdAt: now, processedUntil: now, dueDate: dateOf(DAY0), feedsDeadline: true }));
    expect(plan.escalations.filter((e) => e.status === 'planned').map((e) => e.reason)).toEqual(expect.arrayContaining(['due_passed', 'overdue']));
  });

  describe('one message per client per day: the first message after a day already taken', () => {
    it('waits for the next sendAt when the client already had its message that day, and the cadence follows from there', () => {
      // Created day 0 10:00 (due day 15) after another request's message to the client that day.
      const plan = planFollowUp(baseInput({ firstMessageAfterDay: DAY0 }));
      expect(summary(plan)).toEqual([
        'initial@1:planned',
        'interval@4:planned',
        'interval@7:planned',
        'anchored@8:planned',
        'anchored@12:planned',
        'anchored@14:planned',
        'anchored@15:planned',
        'overdue@17:planned',
        'overdue@20:planned',
      ]);
      expect(plan.messages[0]!.at).toBe(at(1));
      expect(plan.next).toMatchObject({ type: 'message', message: { key: 'initial', at: at(1) } });
      // The day before the first message's is no concern of this one: created in quiet hours, it already waits past day 0.
      const late = planFollowUp(baseInput({ createdAt: at(0, '21:30'), processedUntil: at(0, '21:30'), firstMessageAfterDay: DAY0 }));
      expect(late.messages[0]).toMatchObject({ kind: 'initial', at: at(1) });
      expect(planFollowUp(baseInput({ firstMessageAfterDay: DAY0 - 1 })).messages[0]).toMatchObject({ kind: 'initial', at: at(0) });
    });

    it('moves a first message found deferred on a later day (its attempt ran late) past that day, never back to its old instant', () => {
      // Due at day 0 10:00, attempted on day 3 (the worker was down): the client had day 3's message already.
      const deferred = planFollowUp(baseInput({ processedUntil: at(3, '11:00'), firstMessageAfterDay: DAY0 + 3 }));
      expect(deferred.messages[0]).toMatchObject({ kind: 'initial', at: at(4), status: 'planned' });
      expect(summary(deferred).filter((m) => m.endsWith('planned'))[0]).toBe('initial@4:planned');
      expect(deferred.messages.filter((m) => m.at < at(4)).every((m) => m.status !== 'planned')).toBe(true);
    });

    it('with skipDays, a deferred first message moves later off a day off', () => {
      // Day 4 is Saturday 2026-12-05: the next day is a Sunday, so Monday.
      const off = mergePolicy(DEFAULT_FOLLOW_UP_POLICY, { skipDays: true });
      expect(planFollowUp(baseInput({ policy: off, firstMessageAfterDay: DAY0 + 4, processedUntil: at(4, '11:00') })).messages[0]).toMatchObject({ kind: 'initial', at: at(6) });
      expect(planFollowUp(baseInput({ firstMessageAfterDay: DAY0 + 4, processedUntil: at(4, '11:00') })).messages[0]).toMatchObject({ kind: 'initial', at: at(5) });
    });

    it('for any creation time, day taken and policy: the first message comes after the taken day, at sendAt, and nothing of this request goes before it', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: -1, max: 6 }), fc.integer({ min: 0, max: 20 }), fc.boolean(), (minute, takenIn, dueIn, skipDays) => {
          const createdAt = instantOf(IST_CLOCK, DAY0, minute);
          const policy = mergePolicy(DEFAULT_FOLLOW_UP_POLICY, { skipDays });
          const plan = planFollowUp(baseInput({ createdAt, processedUntil: createdAt, dueDate: dateOf(DAY0 + dueIn), policy, firstMessageAfterDay: DAY0 + takenIn }));
          const initial = plan.messages.find((m) => m.kind === 'initial')!;
          const undeferred = planFollowUp(baseInput({ createdAt, processedUntil: createdAt, dueDate: dateOf(DAY0 + dueIn), policy })).messages[0]!;
          const day = positionOf(IST_CLOCK, initial.at).day;
          if (positionOf(IST_CLOCK, undeferred.at).day > DAY0 + takenIn) expect(initial.at).toBe(undeferred.at);
          else expect({ after: day > DAY0 + takenIn, minute: positionOf(IST_CLOCK, initial.at).minute, working: !skipDays || isWorkingDay(day, SUNDAYS_OFF) }).toEqual({ after: true, minute: 600, working: true });
          for (const m of plan.messages) if (m.kind !== 'initial') expect(positionOf(IST_CLOCK, m.at).day).toBeGreaterThan(day);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('properties over random histories', () => {
    const scenario = fc.record({
      createdMinute: fc.integer({ min: 0, max: 1439 }),
      dueIn: fc.integer({ min: 0, max: 45 }),
      intervalDays: fc.integer({ min: 1, max: 5 }),
      maxAutoReminders: fc.integer({ min: 0, max: 10 }),
      skipDays: fc.boolean(),
      // Things happening while it runs: [day offset, kind].
      events: fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1439 }), fc.constantFrom('snooze', 'due', 'nudge', 'answer')), { maxLength: 5 }),
      newDueIn: fc.integer({ min: 0, max: 40 }),
    });

    it('never plans two messages on one day, none in quiet hours, never over the cap, nothing before creation or after the last overdue offset, and never anything earlier than what was already handled', () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const createdAt = instantOf(IST_CLOCK, DAY0, s.createdMinute);
          const policy = mergePolicy(DEFAULT_FOLLOW_UP_POLICY, { intervalDays: s.intervalDays, maxAutoReminders: s.maxAutoReminders, skipDays: s.skipDays });
          let input = baseInput({ createdAt, processedUntil: createdAt, dueDate: dateOf(DAY0 + s.dueIn), policy });
          let nudges = 0;
          const events = [...s.events].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          for (const [day, minute, kind] of events) {
            const when = instantOf(IST_CLOCK, DAY0 + day, minute);
            if (when < createdAt) continue;
            input = runUntil(input, when);
            const before = planFollowUp(input);
            const lastHandled = Math.max(input.processedUntil, ...input.messages.map((m) => m.at));
            if (kind === 'snooze') input = { ...input, snoozes: [...input.snoozes, { from: when, until: when + 3 * 86_400_000 }], processedUntil: Math.max(input.processedUntil, when) };
            if (kind === 'due') input = { ...input, dueDate: dateOf(DAY0 + s.newDueIn), processedUntil: Math.max(input.processedUntil, when) };
            if (kind === 'answer') input = { ...input, lastAnsweredAt: when };
            if (kind === 'nudge' && !inQuietHours(policy, minute)) {
              const today = positionOf(IST_CLOCK, when).day;
              const sentToday = input.messages.some((m) => m.status === 'sent' && positionOf(IST_CLOCK, m.at).day === today);
              const counted = before.messages.filter((m) => m.kind !== 'initial' && m.status !== 'skipped' && m.status !== 'cancelled').length;
              // As nudgeRefusal: no nudge before the first message has gone.
              const firstPending = before.messages.some((m) => m.kind === 'initial' && m.status === 'planned');
              if (!sentToday && !firstPending && counted < policy.maxAutoReminders) {
                nudges += 1;
                input = { ...input, messages: [...input.messages, { key: `nudge:${nudges}`, at: when, kind: 'nudge', status: 'sent' } as HandledMessage], processedUntil: Math.max(input.processedUntil, when) };
              }
            }
            const after = planFollowUp(input);
            for (const m of after.messages.filter((x) => x.status === 'planned')) expect(m.at).toBeGreaterThanOrEqual(lastHandled);
          }
          input = runUntil(input, Number.MAX_SAFE_INTEGER);
          const plan = planFollowUp(input);
          const delivered = plan.messages.filter((m) => m.status === 'sent' || m.status === 'planned');
          const days = delivered.map((m) => positionOf(IST_CLOCK, m.at).day);
          expect(new Set(days).size).toBe(days.length);
          for (const m of delivered) {
            expect(m.at).toBeGreaterThanOrEqual(createdAt);
            if (m.kind !== 'initial' && m.kind !== 'nudge') expect(inQuietHours(policy, positionOf(IST_CLOCK, m.at).minute)).toBe(false);
          }
          expect(delivered.filter((m) => m.kind !== 'initial').length).toBeLessThanOrEqual(Math.max(policy.maxAutoReminders, nudges));
          const lastDue = Math.max(...input.messages.map(() => 0), dayOf(input.dueDate) + Math.max(...policy.overdueOffsets) + (policy.skipDays ? 2 : 0));
          for (const m of delivered.filter((x) => x.kind !== 'nudge' && x.kind !== 'initial')) {
            // Sent slots of an earlier due date may lie beyond the current one's last offset.
            if (m.status === 'planned') expect(positionOf(IST_CLOCK, m.at).day).toBeLessThanOrEqual(lastDue);
          }
          expect(plan.next).toBeNull();
        }),
        // Created at midnight, its first message waiting for 10:00, and a nudge asked for at 09:00.
        { numRuns: 300, examples: [[{ createdMinute: 0, dueIn: 0, intervalDays: 1, maxAutoReminders: 3, skipDays: false, events: [[0, 540, 'nudge']], newDueIn: 0 }]] },
      );
    });
  });
});
