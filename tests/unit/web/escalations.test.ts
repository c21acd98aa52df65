/** The follow-up page's alert reasons: a sentence for every reason the plan can hold, words for one it cannot. */
import { escalationReasonText } from '../../../web/src/lib/escalations';

describe('alert reasons on the follow-up page', () => {
  it('says each of the plan\'s reasons as a sentence, never its code', () => {
    const reasons = ['reminders_unanswered', 'due_tomorrow', 'due_passed', 'overdue', 'cadence_exhausted'];
    for (const code of reasons) {
      const text = escalationReasonText(code);
      expect({ code, sentence: /^[A-Z].*\.$/.test(text), hasCode: text.includes('_') || text === code }).toEqual({ code, sentence: true, hasCode: false });
    }
    expect(escalationReasonText('reminders_unanswered')).toBe('Two reminders went unanswered: call the client.');
    expect(escalationReasonText('cadence_exhausted')).toBe('The automatic reminders are used up: the client gets no more messages.');
  });

  it('turns a reason it does not know into words', () => {
    expect(escalationReasonText('owner_on_leave')).toBe('Owner on leave.');
    expect(escalationReasonText('')).toBe('An alert to the firm.');
  });
});
