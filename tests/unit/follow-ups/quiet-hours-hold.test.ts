/**
 * A send that ran late into quiet hours (domain/follow-ups/schedule.ts, `heldInQuietHoursAt`): the
 * plan holds it until the next send time and shows it there; a replaced date still skips it; one
 * message a day holds; a held first message survives a replan.
 */
import { DEFAULT_FOLLOW_UP_POLICY, IST_CLOCK, SUNDAYS_OFF, dateOf, dayOf, inQuietHours, instantOf, mergePolicy, planFollowUp, positionOf, quietHoursRelease, type FollowUpPlan, type PlanInput } from '../../../domain/follow-ups';

const DAY0 = dayOf('2026-12-01'); // a Tuesday
const at = (day: number, hhmm = '10:00') => instantOf(IST_CLOCK, DAY0 + day, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));
const dayIndex = (ms: number) => positionOf(IST_CLOCK, ms).day - DAY0;
const hhmm = (ms: number) => {
  const { minute } = positionOf(IST_CLOCK, ms);
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
};
const summary = (plan: FollowUpPlan) => plan.messages.map((m) => `${m.key.split(':')[0]}@${dayIndex(m.at)} ${hhmm(m.at)}:${m.status}`);

/** Created on day 0 at 10:00, due on day 15: first message day 0, intervals days 3 and 6, anchored 8, 12, 14, 15, overdue 17, 20. */
function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    policy: DEFAULT_FOLLOW_UP_POLICY,
    clock: IST_CLOCK,
    createdAt: at(0),
    dueDate: dateOf(DAY0 + 15),
    feedsDeadline: false,
    workingDays: SUNDAYS_OFF,
    messages: [{ key: 'initial', at: at(0), kind: 'initial', status: 'sent' }],
    escalations: [],
    snoozes: [],
    processedUntil: at(0),
    lastAnsweredAt: null,
    state: 'open',
    ...overrides,
  };
}

describe('a send held by quiet hours', () => {
  it('is shown, and next, at the next send time, the same evening or after midnight', () => {
    for (const found of [at(3, '21:00'), at(4, '02:30')]) {
      const plan = planFollowUp(input({ heldInQuietHoursAt: found }));
      expect(summary(plan).slice(0, 3)).toEqual(['initial@0 10:00:sent', 'interval@4 10:00:planned', 'interval@6 10:00:planned']);
      expect(plan.next).toMatchObject({ type: 'message', message: { key: `interval:${dateOf(DAY0 + 3)}`, at: at(4) } });
      expect(inQuietHours(DEFAULT_FOLLOW_UP_POLICY, positionOf(IST_CLOCK, plan.next?.type === 'message' ? plan.next.message.at : 0).minute)).toBe(false);
    }
  });

  it('changes nothing when no send was held (a late send outside quiet hours goes when it comes)', () => {
    expect(summary(planFollowUp(input())).slice(1, 2)).toEqual(['interval@3 10:00:planned']);
    expect(summary(planFollowUp(input({ heldInQuietHoursAt: null }))).slice(1, 2)).toEqual(['interval@3 10:00:planned']);
  });

  it('is skipped when the date it was computed from is replaced during the hold (a replan at that moment)', () => {
    const plan = planFollowUp(input({ heldInQuietHoursAt: at(3, '21:00'), processedUntil: at(3, '22:00'), dueDate: dateOf(DAY0 + 16) }));
    expect(summary(plan).slice(1, 3)).toEqual(['interval@3 10:00:skipped', 'interval@6 10:00:planned']);
    expect(plan.next).toMatchObject({ type: 'message', message: { at: at(6) } });
  });

  it('is skipped when a snooze covers it', () => {
    const plan = planFollowUp(input({ heldInQuietHoursAt: at(3, '21:00'), processedUntil: at(3, '22:00'), snoozes: [{ from: at(3, '22:00'), until: at(5) }] }));
    expect(summary(plan)[1]).toBe('interval@3 10:00:skipped');
  });

  it('gives way to the message the next day has of its own (one message a day)', () => {
    const sent = ['interval:3', 'interval:6', 'anchored:8', 'anchored:12'].map((k) => {
      const [kind, day] = k.split(':') as ['interval' | 'anchored', string];
      return { key: `${kind}:${dateOf(DAY0 + Number(day))}`, at: at(Number(day)), kind, status: 'sent' as const };
    });
    const plan = planFollowUp(input({ messages: [...input().messages, ...sent], processedUntil: at(12), heldInQuietHoursAt: at(14, '20:30') }));
    expect(summary(plan).slice(5, 7)).toEqual(['anchored@14 10:00:skipped', 'anchored@15 10:00:planned']);
    expect(plan.next).toMatchObject({ type: 'message', message: { key: `anchored:${dateOf(DAY0 + 15)}`, at: at(15) } });
  });

  it('gives way to a nudge sent on that day before the send time', () => {
    const nudge = { key: 'nudge:1', at: at(4, '09:30'), kind: 'nudge' as const, status: 'sent' as const };
    const plan = planFollowUp(input({ messages: [...input().messages, nudge], processedUntil: at(4, '09:30'), heldInQuietHoursAt: at(3, '21:00') }));
    expect(summary(plan).slice(1, 3)).toEqual(['interval@3 10:00:skipped', 'nudge@4 09:30:sent']);
  });

  it('keeps only the last of several held reminders (a worker down for days)', () => {
    const plan = planFollowUp(input({ heldInQuietHoursAt: at(6, '23:00') }));
    expect(summary(plan).slice(1, 4)).toEqual(['interval@3 10:00:skipped', 'interval@7 10:00:planned', 'anchored@8 10:00:planned']);
  });

  it('holds a first message to the send time, and a replan during the hold does not skip it (the request itself)', () => {
    const late = input({ messages: [], heldInQuietHoursAt: at(0, '21:00') });
    expect(summary(planFollowUp(late))[0]).toBe('initial@1 10:00:planned');
    expect(summary(planFollowUp({ ...late, processedUntil: at(0, '22:00'), dueDate: dateOf(DAY0 + 16) }))[0]).toBe('initial@1 10:00:planned');
    expect(summary(planFollowUp({ ...late, processedUntil: at(0, '22:00'), snoozes: [{ from: at(0, '22:00'), until: at(2) }] }))[0]).toBe('initial@1 10:00:skipped');
  });

  it('waits for the next working day when skipDays is on', () => {
    const saturdayNight = at(4, '21:00');
    expect(dateOf(DAY0 + 5)).toBe('2026-12-06'); // a Sunday
    expect(quietHoursRelease({ policy: DEFAULT_FOLLOW_UP_POLICY, clock: IST_CLOCK, workingDays: SUNDAYS_OFF }, saturdayNight)).toBe(at(5));
    expect(quietHoursRelease({ policy: mergePolicy(DEFAULT_FOLLOW_UP_POLICY, { skipDays: true }), clock: IST_CLOCK, workingDays: SUNDAYS_OFF }, saturdayNight)).toBe(at(6));
  });
});
