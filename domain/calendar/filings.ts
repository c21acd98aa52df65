/**
 * When a return can have been filed (docs/calendar.md, "Recording a filing"). A return reports a
 * period that is over: GSTR-1 and GSTR-3B after their month, or under QRMP after their quarter;
 * CMP-08 after its quarter; GSTR-4, GSTR-9 and GSTR-9C after the financial year. IFF covers one
 * month of a QRMP quarter, not the quarter, and opens after that month (rule 59(2): from the 1st of
 * the next month). A period is named by its last month (`2025-06` is April–June 2025 for a
 * quarterly return, `2026-03` the financial year 2025-26 for an annual one), so for every return
 * the first possible filing day is the 1st of the month after the period's key.
 */
import { dateOf } from './dates';
import { addMonths, periodParts } from './rules';

/** The first day a return for the period can be filed: the day after the period's last day. */
export function filingOpensOn(period: string): string {
  const next = periodParts(addMonths(period, 1));
  return dateOf(next.year, next.month, 1);
}

/** Why `filedOn` cannot be the filing date of a return for the period (checked on `today`, an IST date), or null. */
export function filedOnProblem(period: string, filedOn: string, today: string): string | null {
  if (filedOn > today) return 'is in the future';
  const opens = filingOpensOn(period);
  if (filedOn < opens) return `is before the period ${period} ended: its return can be filed from ${opens}`;
  return null;
}
