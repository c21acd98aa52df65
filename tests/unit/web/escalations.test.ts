/**
 * The follow-up page's alert reasons: a sentence for every reason the plan can hold, words for one it
 * cannot, and the same words the escalation email uses (one source, domain/follow-ups/escalation-text.ts).
 */
import { ESCALATION_TEXT, renderEscalation, type EscalationReason } from '../../../domain/follow-ups';
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

  it('turns a reason it does not know into words', () => {
    expect(escalationReasonText('owner_on_leave')).toBe('Owner on leave.');
    expect(escalationReasonText('')).toBe('An alert to the firm.');
    expect(renderEscalation({ firmName: 'F', clientName: 'C', title: 'T', dueDate: '2026-12-20', reason: 'owner_on_leave', outstanding: [], recipientName: 'R' }).subject).toBe('Follow-up: C — T: owner on leave');
  });
});
