import type { FirmPeriod } from '../http/types';
import { formatDate } from './format';

/**
 * Before a period is over its close is refused (422 `period_not_ended`), so the app does not offer
 * it: the hint while `today` (in India) is before the API's `closableFrom`, or null once it can be
 * asked. Strings compare as dates (`YYYY-MM-DD`).
 */
export function closeNotYet(closableFrom: string, today: string): string | null {
  return today < closableFrom ? `can be closed from ${formatDate(closableFrom)}` : null;
}

/** The words for a close asked too early (422 `period_not_ended`, docs/period-close.md): when the period can be closed. */
export function notEndedRefusal(closableFrom: unknown): { title: string; message: string } {
  const from = typeof closableFrom === 'string' ? formatDate(closableFrom) : null;
  return {
    title: 'The period is not over yet',
    message: `A period is closed once its last day is over, while invoices for it may still arrive: ${from ? `this one can be closed from ${from}` : 'ask again after it ends'}.`,
  };
}

/**
 * What the period needs next, in words (preparers are told they can ask for the close, once the
 * period is over: before `closableFrom` the API refuses the close).
 */
export function nextStep(p: Pick<FirmPeriod, 'latestRun' | 'closableFrom'>, preparer: boolean, today: string): string {
  const run = p.latestRun;
  if (!run) return 'Not reconciled yet';
  if (run.status === 'queued' || run.status === 'running') return 'Reconciliation running';
  if (run.status === 'failed') return 'The last reconciliation failed';
  if (!preparer) return 'Reconciled';
  const notYet = closeNotYet(p.closableFrom, today);
  return notYet ? `Reconciled: ${notYet}` : 'Reconciled: ready to ask for the close';
}
