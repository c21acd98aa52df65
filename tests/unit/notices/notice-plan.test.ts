import fc from 'fast-check';
import { plusDays } from '../../../domain/calendar';
import { DEFAULT_PLAN_POLICY, planNotice, planSteps, scaleInstant, type PlanFacts } from '../../../domain/notices';

// Intake 2026-03-02 10:00 IST; due 2026-03-20 (end of day IST).
const base: PlanFacts = {
  state: 'assigned',
  intakeAt: '2026-03-02T04:30:00.000Z',
  datesChangedAt: '2026-03-02T04:30:00.000Z',
  assignBy: null,
  effectiveDueDate: '2026-03-20',
  targetDate: '2026-03-17',
  hearings: [],
};
const keys = (facts: PlanFacts) => planSteps(planNotice(facts)).map((s) => `${s.key}@${s.at}`);

describe('the notice plan', () => {
  it('reminds the assignee at T-7, T-3, T-1 at 09:30 IST, with the review gate to the manager at T-3', () => {
    const plan = planNotice(base);
    expect(plan.reminders.map((s) => [s.key, s.at, s.audience])).toEqual([
      ['t-7:2026-03-20', '2026-03-13T04:00:00.000Z', 'assignee'],
      ['review-gate:2026-03-20', '2026-03-17T04:00:00.000Z', 'manager'],
      ['t-3:2026-03-20', '2026-03-17T04:00:00.000Z', 'assignee'],
      ['t-1:2026-03-20', '2026-03-19T04:00:00.000Z', 'assignee'],
    ]);
  });

  it('drops the review gate once the draft is with a manager', () => {
    expect(planNotice({ ...base, state: 'in_review' }).reminders.map((s) => s.key)).toEqual(['t-7:2026-03-20', 't-3:2026-03-20', 't-1:2026-03-20']);
  });

  it('skips offsets on or before the intake date', () => {
    const late = { ...base, intakeAt: '2026-03-17T02:00:00.000Z', datesChangedAt: '2026-03-17T02:00:00.000Z' };
    expect(planNotice(late).reminders.map((s) => s.key)).toEqual(['t-1:2026-03-20']);
  });

  it('escalates at the due instant to the manager, then daily to manager and assignee, and to the firm admin at T+3', () => {
    const escalations = planNotice({ ...base, targetDate: null }).escalations;
    expect(escalations[0]).toMatchObject({ key: 'overdue:2026-03-20:0', at: '2026-03-20T18:29:59.999Z', audience: 'manager' });
    expect(escalations.slice(1, 3).map((s) => [s.key, s.at])).toEqual([
      ['overdue:2026-03-20:1:assignee', '2026-03-21T18:29:59.999Z'],
      ['overdue:2026-03-20:1:manager', '2026-03-21T18:29:59.999Z'],
    ]);
    expect(escalations.filter((s) => s.audience === 'firm_admin').map((s) => [s.key, s.at])).toEqual([['partner:2026-03-20', '2026-03-23T18:29:59.999Z']]);
    expect(escalations).toHaveLength(1 + 30 * 2 + 1);
  });

  it('escalates to the firm admins at once when the plan is made after the partner day, once', () => {
    // Taken in on 2026-03-26 at 10:00 IST, six days after the due date.
    const late = { ...base, targetDate: null, intakeAt: '2026-03-26T04:30:00.000Z', datesChangedAt: '2026-03-26T04:30:00.000Z' };
    const partner = planNotice(late).escalations.filter((s) => s.audience === 'firm_admin');
    expect(partner.map((s) => [s.key, s.at, s.reason])).toEqual([['partner:2026-03-20', '2026-03-26T04:30:00.000Z', 'partner_escalation']]);
    // Planned again later (another step), the same key: a fired step is not planned twice.
    const again = planNotice({ ...late, state: 'drafting' }).escalations.filter((s) => s.audience === 'firm_admin');
    expect(again.map((s) => s.key)).toEqual(['partner:2026-03-20']);
    // Workflows that planned before the rule keep planning without it.
    expect(planNotice(late, { ...DEFAULT_PLAN_POLICY, partnerWhenLate: false }).escalations.some((s) => s.audience === 'firm_admin')).toBe(false);
    // Taken in before the partner day: the step stays on that day, once.
    const early = { ...late, intakeAt: '2026-03-22T04:30:00.000Z', datesChangedAt: '2026-03-22T04:30:00.000Z' };
    expect(planNotice(early).escalations.filter((s) => s.audience === 'firm_admin').map((s) => [s.key, s.at])).toEqual([['partner:2026-03-20', '2026-03-23T18:29:59.999Z']]);
  });

  it('asks for an owner by the end of the next working day while the notice is unassigned', () => {
    expect(planNotice({ ...base, state: 'received', assignBy: '2026-03-03' }).escalations[0]).toMatchObject({ key: 'unassigned:2026-03-03', audience: 'manager', at: '2026-03-03T18:29:59.999Z' });
    expect(planNotice({ ...base, state: 'assigned', assignBy: '2026-03-03' }).escalations.some((s) => s.reason === 'unassigned')).toBe(false);
  });

  it('plans nothing but hearings once filed, and nothing at all once closed', () => {
    const hearing = { id: 'h1', on: '2026-04-10', recordedAt: '2026-03-25T06:00:00.000Z' };
    expect(planSteps(planNotice({ ...base, state: 'filed', hearings: [hearing] })).map((s) => s.key)).toEqual(['hearing:h1:2026-04-10:2', 'hearing:h1:2026-04-10:1']);
    expect(planSteps(planNotice({ ...base, state: 'closed', hearings: [hearing] }))).toEqual([]);
  });

  it('plans nothing for a superseded due date (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom(...(['received', 'assigned', 'drafting', 'in_review', 'approved'] as const)), (dueIn, extendBy, changedAfter, state) => {
        const due = plusDays('2026-03-02', dueIn);
        const extended = plusDays(due, extendBy);
        const changedAt = new Date(Date.parse(base.intakeAt) + changedAfter * 86_400_000).toISOString();
        const steps = planSteps(planNotice({ ...base, state, targetDate: null, effectiveDueDate: extended, datesChangedAt: changedAt }));
        expect(steps.filter((s) => s.key.includes(due) || s.forDate === due)).toEqual([]);
        // Nothing reminds before the change that set the date, except the one overdue alert "at once".
        expect(steps.filter((s) => s.at < changedAt && s.key !== `overdue:${extended}:0`)).toEqual([]);
      }),
    );
  });

  it('compresses the same plan around an origin for tests, keeping its order', () => {
    const scale = { originMs: Date.parse(base.intakeAt), factor: 1 / 86_400 };
    const real = planSteps(planNotice(base));
    const scaled = planSteps(planNotice(base, undefined, scale));
    expect(scaled.map((s) => s.key)).toEqual(real.map((s) => s.key));
    expect(scaled[0]!.at).toBe(new Date(scaleInstant(Date.parse(real[0]!.at), scale)).toISOString());
    // T-7 is 10 days 23.5 hours after intake: about 11 seconds.
    expect(Date.parse(scaled[0]!.at) - scale.originMs).toBe(Math.round((Date.parse(real[0]!.at) - scale.originMs) / 86_400));
    expect(keys(base)).toEqual(real.map((s) => `${s.key}@${s.at}`));
  });
});
