/**
 * Counting days under a holiday calendar (practice-level rule: Sundays never work; Saturdays work
 * when the firm says so; national holidays, and the firm's own and per-state holidays, do not).
 * Pure: the calendar is passed in, already narrowed to one state.
 */
import { dayNumber, fromDayNumber, isIsoDate, weekday } from './dates';

export type HolidayCalendar = {
  saturdaysWorking: boolean;
  /** Every non-working date besides Sundays (and Saturdays when they are off), `YYYY-MM-DD`. */
  holidays: ReadonlySet<string>;
};

export type DayUnit = 'calendar' | 'working';

export type HolidayRow = { date: string; stateCode: string | null };

/**
 * The calendar one GSTIN counts days by: national holidays, the firm's days for every state
 * (stateCode null) and the firm's days for this state only.
 */
export function calendarForState(saturdaysWorking: boolean, national: readonly string[], firmDays: readonly HolidayRow[], stateCode: string | null): HolidayCalendar {
  const holidays = new Set(national);
  for (const day of firmDays) if (day.stateCode === null || day.stateCode === stateCode) holidays.add(day.date);
  return { saturdaysWorking, holidays };
}

export function isWorkingDay(date: string, calendar: HolidayCalendar): boolean {
  const dow = weekday(date);
  if (dow === 0) return false;
  if (dow === 6 && !calendar.saturdaysWorking) return false;
  return !calendar.holidays.has(date);
}

/** A week never has a working day only when Saturdays are off and every weekday is a holiday; stop long before. */
const MAX_SKIP = 3660;

/**
 * The date n days after `start` (before it for negative n). Calendar days count every day. Working
 * days count only working days: the result is the n-th working day after start (start itself is
 * not counted), so it is always a working day when n ≠ 0. n = 0 returns start unchanged.
 */
export function addDays(start: string, n: number, unit: DayUnit, calendar: HolidayCalendar): string {
  if (!isIsoDate(start)) throw new Error(`not a date: ${start}`);
  if (!Number.isInteger(n)) throw new Error(`not a whole number of days: ${n}`);
  let day = dayNumber(start);
  if (unit === 'calendar' || n === 0) return fromDayNumber(day + n);
  const step = n > 0 ? 1 : -1;
  let remaining = Math.abs(n);
  let skipped = 0;
  while (remaining > 0) {
    day += step;
    if (isWorkingDay(fromDayNumber(day), calendar)) {
      remaining -= 1;
      skipped = 0;
    } else if ((skipped += 1) > MAX_SKIP) {
      throw new Error('the holiday calendar has no working day within ten years');
    }
  }
  return fromDayNumber(day);
}

/** Working days in (from, to]: how many steps addDays(from, n, 'working') takes to reach or pass `to`. */
export function workingDaysBetween(from: string, to: string, calendar: HolidayCalendar): number {
  let count = 0;
  for (let day = dayNumber(from) + 1; day <= dayNumber(to); day += 1) if (isWorkingDay(fromDayNumber(day), calendar)) count += 1;
  return count;
}
