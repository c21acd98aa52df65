/**
 * The seam between follow-ups and the compliance calendar. Follow-ups need two things from it:
 * the target date of a statutory deadline (`{returnType, period}` of a client), and the days the
 * firm works. `simpleFollowUpCalendar` answers both from the plain statutory rules (no notified
 * extensions, no firm buffer, Sundays off, no holidays) until the compliance calendar provides
 * the real answers through the same interface.
 */
import { dateOf, dayOf } from './clock';
import { SUNDAYS_OFF, type WorkingDays } from './working-days';

export const RETURN_TYPES = ['GSTR-1', 'IFF', 'GSTR-3B', 'CMP-08', 'GSTR-4', 'GSTR-9', 'GSTR-9C'] as const;
export type ReturnType = (typeof RETURN_TYPES)[number];

export type Deadline = { returnType: ReturnType; period: string };
export type DeadlineClient = { filingFrequency: 'monthly' | 'quarterly'; stateCode: string };

export interface FollowUpCalendar {
  /** The deadline's internal target date (YYYY-MM-DD), or null when the return does not apply to the client. */
  targetDate(deadline: Deadline, client: DeadlineClient): Promise<string | null>;
  /** The firm's working days (Sundays never work; Saturdays and holidays by firm). */
  workingDays(): Promise<WorkingDays>;
}

/** States whose quarterly GSTR-3B is due on the 22nd; every other state and UT files by the 24th. */
const QRMP_22ND = new Set(['22', '23', '24', '25', '26', '27', '29', '30', '31', '32', '33', '34', '35', '36', '37', '38']);

function dayOfMonthAfter(period: string, monthsAfter: number, dayOfMonth: number): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) + monthsAfter;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

/** The financial year's last calendar year + 1 … e.g. period 2025-06 is in FY 2025-26, which ends March 2026. */
function yearAfterFinancialYear(period: string): number {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return (month >= 4 ? year + 1 : year);
}

/** The statutory due date of a return for a period under the standing rules (no extensions). */
export function statutoryDueDate(deadline: Deadline, client: DeadlineClient): string | null {
  const { period } = deadline;
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) return null;
  const quarterEnd = Number(period.slice(5)) % 3 === 0;
  const quarterly = client.filingFrequency === 'quarterly';
  switch (deadline.returnType) {
    case 'GSTR-1':
      if (quarterly) return quarterEnd ? dayOfMonthAfter(period, 1, 13) : null;
      return dayOfMonthAfter(period, 1, 11);
    case 'IFF':
      return quarterly && !quarterEnd ? dayOfMonthAfter(period, 1, 13) : null;
    case 'GSTR-3B':
      if (!quarterly) return dayOfMonthAfter(period, 1, 20);
      return quarterEnd ? dayOfMonthAfter(period, 1, QRMP_22ND.has(client.stateCode) ? 22 : 24) : null;
    case 'CMP-08':
      return quarterEnd ? dayOfMonthAfter(period, 1, 18) : null;
    case 'GSTR-4':
      return `${yearAfterFinancialYear(period)}-04-30`;
    case 'GSTR-9':
    case 'GSTR-9C':
      return `${yearAfterFinancialYear(period)}-12-31`;
  }
}

/** Until the compliance calendar is wired in: standing rules, target = due date, Sundays off, no holidays. */
export const simpleFollowUpCalendar: FollowUpCalendar = {
  async targetDate(deadline, client) {
    return statutoryDueDate(deadline, client);
  },
  async workingDays() {
    return SUNDAYS_OFF;
  },
};

/** API rule: a request feeding a deadline is due two days before the deadline's target date. */
export function followUpDueDateFor(targetDate: string): string {
  return dateOf(dayOf(targetDate) - 2);
}
