import { periodLabel } from '../../../domain/calendar/period-label';
import type { FirmPeriod, PeriodState } from '../http/types';
import { formatDate } from './format';

/**
 * What the app reads to offer a close: the server's verdict on its own date in India, the day it
 * turns (null for a month before GST), and the quarter a quarterly filer's month inside a quarter is
 * closed with (never closable on its own).
 */
export type CloseWindow = { closable: boolean; closableFrom: string | null; closesWith?: string | null };

/**
 * Before a period is over its close is refused (422 `period_not_ended`), so the app does not offer
 * it: the hint while the API says it is not `closable` yet, or null once it can be asked. The
 * server decides on its date in India: the browser's clock may be wrong, or the page older than today.
 * A quarterly filer's month inside a quarter is never closed on its own (422 `period_not_quarter_end`):
 * the hint names its quarter instead.
 */
export function closeNotYet(p: CloseWindow): string | null {
  if (p.closable) return null;
  if (p.closesWith) return `closed with its quarter, ${periodLabel(p.closesWith, 'quarterly')}`;
  if (p.closableFrom === null) return 'before GST: not a GST period';
  return `can be closed from ${formatDate(p.closableFrom)}`;
}

/**
 * How often a page that shows a period still waiting for its close window asks the server again
 * while it is visible, so a page left open across midnight (IST) offers the close without a reload;
 * a hidden page asks when it is shown again instead (refetch on focus). One small GET per period page.
 */
export const CLOSE_WINDOW_RECHECK_MS = 5 * 60_000;

/**
 * Whether any period shown that could be asked for a close (open or reopened) is not yet closable,
 * but will be on a later day: then the page rechecks. A month closed with its quarter, or one before
 * GST, never turns closable, so it is not waited for.
 */
export function awaitsCloseWindow(periods: ReadonlyArray<CloseWindow & { state: PeriodState }>): boolean {
  return periods.some((p) => (p.state === 'open' || p.state === 'reopened') && !p.closable && !p.closesWith && p.closableFrom !== null);
}

/** The words for a close asked too early (422 `period_not_ended`, docs/period-close.md): when the period can be closed. */
export function notEndedRefusal(closableFrom: unknown): { title: string; message: string } {
  const from = typeof closableFrom === 'string' ? formatDate(closableFrom) : null;
  return {
    title: 'The period is not over yet',
    // A period never closes itself: someone asks for the close, once the period is over.
    message: from
      ? `This period can be closed from ${from}, once its last day is over (invoices for it may still arrive until then).`
      : 'This period can be closed once its last day is over (invoices for it may still arrive until then): ask again after it ends.',
  };
}

/**
 * What the period needs next, in words (preparers are told they can ask for the close, once the
 * period is over: until the API says `closable` it refuses the close).
 */
export function nextStep(p: Pick<FirmPeriod, 'latestRun'> & CloseWindow, preparer: boolean): string {
  const run = p.latestRun;
  if (!run) return 'Not reconciled yet';
  if (run.status === 'queued' || run.status === 'running') return 'Reconciliation running';
  if (run.status === 'failed') return 'The last reconciliation failed';
  if (!preparer) return 'Reconciled';
  const notYet = closeNotYet(p);
  return notYet ? `Reconciled: ${notYet}` : 'Reconciled: ready to ask for the close';
}
