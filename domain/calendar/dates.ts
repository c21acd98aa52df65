/**
 * Indian calendar dates as `YYYY-MM-DD` strings, and the instants they end at. Pure.
 *
 * Arithmetic runs on day numbers (days since 1970-01-01 in UTC), so a date never drifts with the
 * host's time zone. India keeps one offset all year (IST, UTC+05:30, no daylight saving).
 */

const DATE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DAY_MS = 86_400_000;
const IST_OFFSET_MS = 330 * 60_000;

/** True for a real calendar date in `YYYY-MM-DD` form (2025-02-29 is not one). */
export function isIsoDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return d <= daysInMonth(y, m);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date. */
export function dayNumber(date: string): number {
  if (!isIsoDate(date)) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

export function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The date n calendar days after (or before, for negative n) the given one. */
export function plusDays(date: string, n: number): string {
  return fromDayNumber(dayNumber(date) + n);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** A date built from parts; a day past the month's end is clamped to its last day (31 → 30 April). */
export function dateOf(year: number, month: number, day: number): string {
  const clamped = Math.min(day, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(clamped).padStart(2, '0')}`;
}

/**
 * A deadline's due instant: the end of its due date in IST (23:59:59.999+05:30), because the portal
 * accepts filings until the day ends.
 */
export function dueInstant(date: string): Date {
  return new Date((dayNumber(date) + 1) * DAY_MS - IST_OFFSET_MS - 1);
}

/** The Indian calendar date an instant falls on. */
export function istDate(instant: Date): string {
  return fromDayNumber(Math.floor((instant.getTime() + IST_OFFSET_MS) / DAY_MS));
}

/** An instant as ISO-8601 with the +05:30 offset, as the API shows instants. */
export function istIso(instant: Date): string {
  const shifted = new Date(instant.getTime() + IST_OFFSET_MS).toISOString(); // …Z, but IST wall time
  return `${shifted.slice(0, 23)}+05:30`;
}

export function compareDates(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
