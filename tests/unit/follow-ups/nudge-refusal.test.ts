/** When a manual nudge is refused (workflows/follow-up-definitions.ts), on the plan the API shows. */
import { DEFAULT_FOLLOW_UP_POLICY, IST_CLOCK, SUNDAYS_OFF, dateOf, dayOf, instantOf, planFollowUp, type HandledMessage, type PlanInput } from '../../../domain/follow-ups';
import { nudgeRefusal } from '../../../workflows/follow-up-definitions';

const DAY0 = dayOf('2026-12-01');
const at = (day: number, minute: number) => instantOf(IST_CLOCK, DAY0 + day, minute);

function input(messages: HandledMessage[], createdMinute: number): PlanInput {
  const createdAt = at(0, createdMinute);
  return {
    policy: DEFAULT_FOLLOW_UP_POLICY, clock: IST_CLOCK, createdAt, dueDate: dateOf(DAY0 + 15), feedsDeadline: false,
    workingDays: SUNDAYS_OFF, messages, escalations: [], snoozes: [], processedUntil: Math.max(createdAt, ...messages.map((m) => m.at)), lastAnsweredAt: null, state: 'open',
  };
}

function refusalAt(messages: HandledMessage[], now: number, createdMinute = 0): string | null {
  const plan = planFollowUp(input(messages, createdMinute));
  return nudgeRefusal({ state: 'open', policy: DEFAULT_FOLLOW_UP_POLICY, clock: IST_CLOCK, now, messages, plan })?.type ?? null;
}

describe('nudge refusal', () => {
  const initialSent: HandledMessage = { key: 'initial', at: at(0, 600), kind: 'initial', status: 'sent' };

  it('refuses a nudge before the first message has gone (created in quiet hours, first message at 10:00)', () => {
    expect(refusalAt([], at(0, 540))).toBe('first_message_pending');
  });

  it('refuses in quiet hours, then a second message the same day, and allows one the next day', () => {
    expect(refusalAt([], at(0, 30))).toBe('quiet_hours');
    expect(refusalAt([initialSent], at(0, 660))).toBe('already_sent_today');
    expect(refusalAt([initialSent], at(1, 660))).toBeNull();
  });

  it('says the quiet hours are IST and when the next message can go, in +05:30', () => {
    const plan = planFollowUp(input([initialSent], 0));
    const refuse = (now: number) => nudgeRefusal({ state: 'open', policy: DEFAULT_FOLLOW_UP_POLICY, clock: IST_CLOCK, now, messages: [initialSent], plan });
    // 20:30 on 1 Dec: the quiet hours end at 09:00 the next morning.
    expect(refuse(at(0, 20 * 60 + 30))).toEqual({
      type: 'quiet_hours',
      message: 'No messages between 20:00 and 09:00 IST; the next message can go at 09:00 IST on 2 Dec.',
      details: { quietHours: { from: '20:00', to: '09:00' }, nextAllowedAt: '2026-12-02T09:00:00+05:30' },
    });
    // 06:15 on 2 Dec (after midnight): the same morning.
    expect(refuse(at(1, 6 * 60 + 15))?.details).toEqual({ quietHours: { from: '20:00', to: '09:00' }, nextAllowedAt: '2026-12-02T09:00:00+05:30' });
  });
});
