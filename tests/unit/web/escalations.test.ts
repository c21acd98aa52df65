/**
 * The follow-up page's alert reasons: a sentence for every reason the plan can hold, words for one it
 * cannot, and the same words the escalation email uses (one source, domain/follow-ups/escalation-text.ts).
 */
import { DEFAULT_FOLLOW_UP_POLICY, ESCALATION_TEXT, FIRM_ADMINS_TOLD_DAYS_AFTER_DUE, IST_CLOCK, dateOf, dayOf, planFollowUp, positionOf, renderEscalation, SUNDAYS_OFF, type EscalationReason } from '../../../domain/follow-ups';
import { daysInWords } from '../../../domain/notices';
import { escalationReasonText } from '../../../web/src/lib/escalations';

const REASONS: EscalationReason[] = ['reminders_unanswered', 'due_tomorrow', 'due_passed', 'overdue', 'cadence_exhausted'];

describe('alert reasons on the follow-up page', () => {
  it('says each of the plan\'s reasons as a sentence, never its code', () => {
    for (const code of REASONS) {
      const text = escalationReasonText(code);
      expect({ code, sentence: /^[A-Z].*\.$/.test(text), hasCode: text.includes('_') || text === code }).toEqual({ code, sentence: true, hasCode: false });
    }
    expect(escalationReasonText('reminders_unanswered')).toBe('Two reminders went unanswered: please call the client.');
    expect(escalationReasonText('cadence_exhausted')).toBe('The automatic reminders are used up: the client will get no more messages.');
  });

  it('says what the escalation email says, for every reason of the plan', () => {
    expect(Object.keys(ESCALATION_TEXT).sort()).toEqual([...REASONS].sort());
    for (const reason of REASONS) {
      const email = renderEscalation({ firmName: 'F', clientName: 'C', title: 'T', dueDate: '2026-12-20', reason, outstanding: [], recipientName: 'R' });
      const page = escalationReasonText(reason);
      // The page's sentence is the email's words, capitalised and with a full stop.
      const words = page.charAt(0).toLowerCase() + page.slice(1, -1);
      expect({ reason, inSubject: email.subject.endsWith(`: ${words}`), inText: email.text.includes(`: ${words}.`) }).toEqual({ reason, inSubject: true, inText: true });
    }
  });

  it('says when the firm admins are told from the day the plan tells them, not from words of its own', () => {
    const createdAt = Date.parse('2026-12-01T04:30:00Z');
    const due = dayOf('2026-12-16');
    const plan = planFollowUp({ policy: DEFAULT_FOLLOW_UP_POLICY, clock: IST_CLOCK, createdAt, dueDate: dateOf(due), feedsDeadline: false, workingDays: SUNDAYS_OFF, messages: [], escalations: [], snoozes: [], processedUntil: createdAt, lastAnsweredAt: null, state: 'open' });
    const step = plan.escalations.find((e) => e.audience === 'firm_admin' && e.reason === 'overdue');
    const daysAfterDue = step ? positionOf(IST_CLOCK, step.at).day - due : null;
    expect({ daysAfterDue, words: escalationReasonText('overdue') }).toEqual({ daysAfterDue: FIRM_ADMINS_TOLD_DAYS_AFTER_DUE, words: `${daysInWords(FIRM_ADMINS_TOLD_DAYS_AFTER_DUE).replace(/^./, (c) => c.toUpperCase())} overdue.` });
  });

  it('turns a reason it does not know into words', () => {
    expect(escalationReasonText('owner_on_leave')).toBe('Owner on leave.');
    expect(escalationReasonText('')).toBe('An alert to the firm.');
    expect(renderEscalation({ firmName: 'F', clientName: 'C', title: 'T', dueDate: '2026-12-20', reason: 'owner_on_leave', outstanding: [], recipientName: 'R' }).subject).toBe('Follow-up: C — T: owner on leave');
  });
});
