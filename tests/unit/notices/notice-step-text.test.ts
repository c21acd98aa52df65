/**
 * The partner step's words come from the plan's policy, the same in its email and on the notice's
 * page, and name the firm admins (the role the step goes to), never a hard-coded three.
 */
import { DEFAULT_PLAN_POLICY, daysInWords, partnerStepLabel, renderNoticeAlert, type NoticeMailFacts } from '../../../domain/notices';
import { STEP_REASON, stepReasonLabel } from '../../../web/src/components/notices/labels';

const notice: NoticeMailFacts = { form: 'ASMT-10', formTitle: 'Scrutiny of returns', reference: 'ZD2712260001', clientName: 'Acme Traders', effectiveDueDate: '2026-03-20', state: 'drafting' };
const subjectOf = (plannedOn: string, partnerAfterDays?: number) =>
  renderNoticeAlert({ firmName: 'F', recipientName: 'R', notice, reason: 'partner_escalation', forDate: '2026-03-20', plannedOn, ...(partnerAfterDays === undefined ? {} : { policy: { partnerAfterDays } }) }).subject;

describe('the partner step in words', () => {
  it('counts days as the firm writes them', () => {
    expect([1, 3, 5, 10, 12].map(daysInWords)).toEqual(['one day', 'three days', 'five days', 'ten days', '12 days']);
  });

  it("labels the step with the policy's day and the firm admins it goes to", () => {
    expect(DEFAULT_PLAN_POLICY.partnerAfterDays).toBe(3);
    expect(partnerStepLabel()).toBe('Three days overdue or more: escalated to the firm admins');
    expect(partnerStepLabel({ partnerAfterDays: 5 })).toBe('Five days overdue or more: escalated to the firm admins');
  });

  it("shows on the notice's page the label the plan's policy gives", () => {
    expect(stepReasonLabel('partner_escalation')).toBe(partnerStepLabel(DEFAULT_PLAN_POLICY));
    expect(Object.values(STEP_REASON).filter((label) => /partner/i.test(label))).toEqual([]);
  });

  it("says in the email the policy's day, or the real count when the step was planned later", () => {
    const tail = 'the reply was due on 2026-03-20 and no ARN is recorded';
    expect(subjectOf('2026-03-23')).toBe(`Overdue notice: ASMT-10 ZD2712260001 — Acme Traders — three days overdue: ${tail}`);
    expect(subjectOf('2026-04-01')).toBe(`Overdue notice: ASMT-10 ZD2712260001 — Acme Traders — 12 days overdue: ${tail}`);
    // A policy of five days: the fourth and fifth days read as its day, the sixth as six.
    expect([subjectOf('2026-03-24', 5), subjectOf('2026-03-25', 5), subjectOf('2026-03-26', 5)].map((s) => s.split(' — ')[2])).toEqual([
      `five days overdue: ${tail}`,
      `five days overdue: ${tail}`,
      `6 days overdue: ${tail}`,
    ]);
  });
});
