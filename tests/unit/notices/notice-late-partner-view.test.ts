/**
 * The plan the API shows for a notice whose run was recorded before the late partner rule
 * (api/notices/late-partner.ts): which step the rule adds, and where such a run will send it. The
 * pure functions alone; the run's answer is given here as the `noticeStatus` query gives it.
 */
import { istIso } from '../../../domain/calendar';
import { planNotice, type PlanFacts } from '../../../domain/notices';
import { escalationsAsRun, latePartnerKey } from '../../../api/notices/late-partner';

// Taken in on 2026-03-26 at 10:00 IST, six days after its due date 2026-03-20: planned after the partner day.
const late: PlanFacts = {
  state: 'assigned',
  intakeAt: '2026-03-26T04:30:00.000Z',
  datesChangedAt: '2026-03-26T04:30:00.000Z',
  assignBy: null,
  effectiveDueDate: '2026-03-20',
  targetDate: null,
  hearings: [],
};
const shown = (facts: PlanFacts) => planNotice(facts).escalations.map((s) => ({ key: s.key, at: istIso(new Date(s.at)), audience: s.audience, reason: s.reason, forDate: s.forDate, status: 'planned' }));
const step = (key: string, at: string) => ({ key, at, kind: 'escalation' as const, audience: 'manager' as const, reason: 'overdue' as const, forDate: '2026-03-20' });

describe('the late partner step as a run will send it', () => {
  it('names the step the rule adds only while it changes the plan and has not fired', () => {
    expect(latePartnerKey(late, new Set(), null)).toBe('partner:2026-03-20');
    expect(latePartnerKey(late, new Set(['partner:2026-03-20']), null)).toBeNull();
    // Taken in before the partner day: the step is on that day with or without the rule.
    expect(latePartnerKey({ ...late, intakeAt: '2026-03-22T04:30:00.000Z', datesChangedAt: '2026-03-22T04:30:00.000Z' }, new Set(), null)).toBeNull();
    expect(latePartnerKey({ ...late, state: 'filed' }, new Set(), null)).toBeNull();
  });

  it('shows the plan as computed for a run with the rule, or one that does not say', () => {
    const escalations = shown(late);
    expect(escalationsAsRun(escalations, 'partner:2026-03-20', { latePartner: true, next: null })).toEqual(escalations);
    expect(escalationsAsRun(escalations, 'partner:2026-03-20', { next: null })).toEqual(escalations);
  });

  it('moves the step to the step a run without the rule waits for, after which it sends it', () => {
    const escalations = shown(late);
    const next = step('overdue:2026-03-20:7:manager', '2026-03-27T18:29:59.999Z');
    const asRun = escalationsAsRun(escalations, 'partner:2026-03-20', { latePartner: false, next });
    const partner = asRun.find((s) => s.key === 'partner:2026-03-20');
    expect(partner?.at).toBe(istIso(new Date(next.at)));
    expect(partner?.at).not.toBe(escalations.find((s) => s.key === 'partner:2026-03-20')?.at);
    // Still in time order, every other step untouched.
    expect(asRun.map((s) => Date.parse(s.at))).toEqual([...asRun.map((s) => Date.parse(s.at))].sort((a, b) => a - b));
    expect(asRun.filter((s) => s.key !== 'partner:2026-03-20')).toEqual(escalations.filter((s) => s.key !== 'partner:2026-03-20'));
  });

  it('leaves the step out while such a run waits for no step (it is sent with the notice’s next change)', () => {
    const escalations = shown(late);
    const asRun = escalationsAsRun(escalations, 'partner:2026-03-20', { latePartner: false, next: null });
    expect(asRun.map((s) => s.key)).toEqual(escalations.map((s) => s.key).filter((k) => k !== 'partner:2026-03-20'));
  });
});
