/** The period page's words for a close asked before the period is over (web/src/lib/close-window.ts, used by closeWords.ts). */
import { notEndedRefusal } from '../../../web/src/lib/close-window';

describe('a close refused because the period is not over', () => {
  it('says when the period can be closed, as an Indian date', () => {
    expect(notEndedRefusal('2027-01-01')).toEqual({
      title: 'The period is not over yet',
      message: 'A period is closed once its last day is over, while invoices for it may still arrive: this one can be closed from 01-01-2027.',
    });
  });

  it('still reads when the API left the date out', () => {
    expect(notEndedRefusal(undefined).message).toBe('A period is closed once its last day is over, while invoices for it may still arrive: ask again after it ends.');
  });
});
