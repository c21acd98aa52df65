/**
 * Which days a firm works, as plain data a workflow can carry: Sundays never work, Saturdays by
 * firm setting, plus the firm's holidays. The compliance calendar owns the real list; follow-ups
 * receive it through the FollowUpCalendar seam (calendar-seam.ts).
 */
import { dayOf, weekdayOf } from './clock';

export type WorkingDays = { saturdaysWorking: boolean; holidays: string[] };

export const SUNDAYS_OFF: WorkingDays = { saturdaysWorking: true, holidays: [] };

export function isWorkingDay(day: number, calendar: WorkingDays): boolean {
  const weekday = weekdayOf(day);
  if (weekday === 0) return false;
  if (weekday === 6 && !calendar.saturdaysWorking) return false;
  return !calendar.holidays.some((date) => dayOf(date) === day);
}
