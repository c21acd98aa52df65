/**
 * Time for follow-ups. Business dates are Indian calendar dates (IST, UTC+05:30, no daylight
 * saving); a plan speaks in day numbers (days since 1970-01-01 in IST) and minutes of the IST day,
 * and a clock turns them into instants.
 *
 * The `ist` clock is the real one. The `compressed` clock maps each business day onto `dayMs`
 * milliseconds from an epoch, so the same plan (same days, same quiet hours, same daily cap) runs
 * in seconds: tests and demos use it; the plan and the workflow do not know the difference.
 */
export const IST_OFFSET_MINUTES = 330;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;

export type FollowUpClock =
  | { kind: 'ist' }
  /** Day `epochDay` minute 0 is instant `epochMs`; each day lasts `dayMs`. */
  | { kind: 'compressed'; epochMs: number; epochDay: number; dayMs: number };

export const IST_CLOCK: FollowUpClock = { kind: 'ist' };

/** Business dates: one source, the compliance calendar's (day numbers are days since 1970-01-01). */
export { dayNumber as dayOf, fromDayNumber as dateOf, isIsoDate as isValidDate } from '../calendar';

/** The instant of a minute of a business day. */
export function instantOf(clock: FollowUpClock, day: number, minute: number): number {
  if (clock.kind === 'ist') return day * DAY_MS + (minute - IST_OFFSET_MINUTES) * 60_000;
  return clock.epochMs + (day - clock.epochDay) * clock.dayMs + Math.round((minute * clock.dayMs) / MINUTES_PER_DAY);
}

/** The business day and minute an instant falls on. */
export function positionOf(clock: FollowUpClock, at: number): { day: number; minute: number } {
  if (clock.kind === 'ist') {
    const local = at + IST_OFFSET_MINUTES * 60_000;
    const day = Math.floor(local / DAY_MS);
    return { day, minute: Math.floor((local - day * DAY_MS) / 60_000) };
  }
  const offset = at - clock.epochMs;
  const days = Math.floor(offset / clock.dayMs);
  return { day: clock.epochDay + days, minute: Math.floor(((offset - days * clock.dayMs) * MINUTES_PER_DAY) / clock.dayMs) };
}

/** A compressed clock on which `at` is minute `minute` of the business day `day`. */
export function compressedClock(at: number, position: { day: number; minute: number }, dayMs: number): FollowUpClock {
  return { kind: 'compressed', epochMs: at - Math.round((position.minute * dayMs) / MINUTES_PER_DAY), epochDay: position.day, dayMs };
}

/** 'HH:MM' → minutes of the day. */
export function minuteOf(time: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new Error(`not a time of day: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** An instant as ISO-8601 with the IST offset (+05:30), as the API shows instants. */
export function istIso(at: number): string {
  const local = new Date(at + IST_OFFSET_MINUTES * 60_000).toISOString();
  return `${local.slice(0, 19)}+05:30`;
}
