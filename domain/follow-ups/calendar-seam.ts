/**
 * The seam between follow-ups and the compliance calendar. Follow-ups need two things from it: the
 * target date of a statutory deadline (a client's `{returnType, period}`), and the days the firm
 * works (as plain data a workflow can carry). The API builds one per request with the caller's
 * transaction (db/follow-up-calendar.ts reads the compliance calendar); tests may hand in their own.
 */
import { periodLabel, RETURN_TYPES, type FilingFrequency, type ReturnType } from '../calendar';
import { periodName as periodNameOf } from '../periods';
import { periodName } from '../recon/report-format';
import { dateOf, dayOf } from './clock';
import type { WorkingDays } from './working-days';

export { RETURN_TYPES, type ReturnType };

export type Deadline = { returnType: ReturnType; period: string };

export interface FollowUpCalendar {
  /** The deadline's internal target date (YYYY-MM-DD), or null when the return does not apply to the client. */
  targetDate(deadline: Deadline): Promise<string | null>;
  /** The working days of the client's firm and state. */
  workingDays(): Promise<WorkingDays>;
}

/** API rule: a request feeding a deadline is due two days before the deadline's target date. */
export function followUpDueDateFor(targetDate: string): string {
  return dateOf(dayOf(targetDate) - 2);
}

/**
 * An item's period as people read it. An item of the deadline's own period stands for that return's
 * period, so it reads as the deadline does (`deadlineLabel`: a QRMP quarter, a financial year). Any
 * other item period is named as the periods list names it (domain/periods.ts `periodName`), by the
 * client's filing frequency in force for that month (`frequency`): a quarterly filer's quarter-end
 * month is its quarter ("Q2 FY 2026-27 (Jul–Sep 2026)" for `2026-09`), whatever the deadline; a month
 * inside a quarter, or any month of a monthly filer, is that month. Deriving the quarter from the
 * deadline alone named the same quarter a month when the follow-up fed another quarter's return.
 */
export function itemPeriodLabel(period: string, deadline: { period: string } | null, deadlineLabel: string | null, frequency: FilingFrequency = 'monthly'): string {
  return deadline && deadlineLabel && period === deadline.period ? deadlineLabel : periodNameOf(period, frequency);
}

/**
 * An item's period in the client's words (the emails, the link's page): the month written out
 * (`November 2026`), as ever; but an item of a quarterly or annual deadline's own period reads as
 * that deadline (`Q3 FY 2025-26 (Oct–Dec 2025)`), never as the quarter's last month.
 */
export function itemPeriodText(period: string, deadline: { period: string } | null, deadlineLabel: string | null, frequency: FilingFrequency = 'monthly'): string {
  const label = itemPeriodLabel(period, deadline, deadlineLabel, frequency);
  return label === periodLabel(period, 'monthly') ? periodName(period) : label;
}
