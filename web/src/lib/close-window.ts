/** The words for a close asked too early (422 `period_not_ended`, docs/period-close.md): when the period can be closed. */
import { formatDate } from './format';

export function notEndedRefusal(closableFrom: unknown): { title: string; message: string } {
  const from = typeof closableFrom === 'string' ? formatDate(closableFrom) : null;
  return {
    title: 'The period is not over yet',
    message: `A period is closed once its last day is over, while invoices for it may still arrive: ${from ? `this one can be closed from ${from}` : 'ask again after it ends'}.`,
  };
}
