/**
 * Which days a firm works, as plain data a workflow can carry (the compliance calendar's holiday
 * calendar with its set turned into a list). The rule itself is the calendar's: Sundays never
 * work, Saturdays by firm setting, plus national, firm and state holidays.
 */
import { isWorkingDay as calendarWorkingDay } from '../calendar';
import { dateOf } from './clock';

export type WorkingDays = { saturdaysWorking: boolean; holidays: string[] };

export const SUNDAYS_OFF: WorkingDays = { saturdaysWorking: true, holidays: [] };

export function isWorkingDay(day: number, calendar: WorkingDays): boolean {
  return calendarWorkingDay(dateOf(day), { saturdaysWorking: calendar.saturdaysWorking, holidays: new Set(calendar.holidays) });
}
