/**
 * Which period the Reconcile page offers a client (docs/reconciliation.md, "Quarterly filers"). A
 * quarterly (QRMP) filer's register and GSTR-2B are imported for the quarter, named by its last
 * month, and the API refuses any other month (422 `period_not_quarter_end`); so the page must not
 * start such a client on a month inside a quarter, or every first upload fails.
 */
import { BEFORE_GST_RULE, importableFrom, importPeriodProblem, isPeriodKey, periodName, periodProblem, quarterEnd } from '../../../domain/periods';
import { formatDate, formatPeriod, previousPeriod, todayInIndia } from './format';

export type FilingFrequency = 'monthly' | 'quarterly';

/**
 * The period the page starts on: for a monthly filer last month (in IST), the month most often
 * reconciled; for a quarterly filer the quarter that month falls in, by its last month. That is the
 * running quarter (in November and December, `YYYY-12`), or in a quarter's first month the quarter
 * just ended, whose GSTR-2B has just come out (in January, the previous `YYYY-12`): either is a period
 * the API takes imports for. Before the client is known (`undefined`), the monthly default.
 */
export function defaultReconcilePeriod(filingFrequency: FilingFrequency | undefined, now: Date = new Date()): string {
  const month = previousPeriod(now);
  return filingFrequency === 'quarterly' ? quarterEnd(month) : month;
}

/**
 * What the period field says about a chosen month before anything is uploaded, so it never steers to
 * a period the API refuses: a month before GST (the API's own rule, domain/periods.ts `BEFORE_GST_RULE`);
 * a period not begun yet (the API's 422 `period_not_begun`, domain/periods.ts `importPeriodProblem`;
 * for a quarterly filer its quarter); for a quarterly filer's month inside a quarter, the quarter-end
 * month to choose instead (what the API's refusal would say); otherwise null. A hint, not a block.
 * `closesWith` is the API's own answer for the month (the period view's: the quarter-end month it goes
 * with, by the frequency in force for that month, or null); once it has loaded it decides, so a month
 * before a change of frequency reads by the frequency it was filed at. Until then the client's
 * frequency today stands in. `now` is read in IST, as the API reads its own clock.
 */
export function reconcilePeriodHint(period: string, filingFrequency: FilingFrequency | undefined, closesWith?: string | null, now: Date = new Date()): string | null {
  if (!isPeriodKey(period)) return null;
  const frequency = filingFrequency ?? 'monthly';
  const problem = importPeriodProblem(period, todayInIndia(now), frequency);
  if (problem === 'before_gst') return BEFORE_GST_RULE;
  if (problem === 'future') {
    const what = frequency === 'quarterly' ? periodName(quarterEnd(period), 'quarterly') : formatPeriod(period);
    return `${what} has not begun yet: files for it can be uploaded from ${formatDate(importableFrom(period, frequency))}. Check the year and month`;
  }
  const end = closesWith !== undefined ? closesWith : frequency === 'quarterly' && periodProblem(period, 'quarterly') === 'not_quarter_end' ? quarterEnd(period) : null;
  if (!end) return null;
  return `This client files quarterly: choose ${formatPeriod(end)}, the last month of ${periodName(end, 'quarterly')}`;
}

/**
 * The period field's description: the hint when there is one, else for a quarterly filer how its
 * periods are named; a monthly filer's months are plain months and need no word.
 */
export function reconcilePeriodDescription(hint: string | null, filingFrequency: FilingFrequency | undefined): string | null {
  return hint ?? (filingFrequency === 'quarterly' ? "A quarterly filer's period is the quarter's last month" : null);
}
