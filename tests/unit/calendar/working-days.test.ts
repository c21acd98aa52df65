import fc from 'fast-check';
import {
  addDays,
  calendarForState,
  dayNumber,
  dueInstant,
  fromDayNumber,
  isIsoDate,
  isWorkingDay,
  istDate,
  istIso,
  plusDays,
  weekday,
  workingDaysBetween,
  type HolidayCalendar,
} from '../../../domain/calendar';
import { nationalHolidays009 } from '../../../db/migrations/009-compliance-calendar';

const NATIONAL = nationalHolidays009().map((h) => h.date);
const saturdaysOn = (holidays: string[] = NATIONAL): HolidayCalendar => ({ saturdaysWorking: true, holidays: new Set(holidays) });
const saturdaysOff = (holidays: string[] = NATIONAL): HolidayCalendar => ({ saturdaysWorking: false, holidays: new Set(holidays) });

describe('dates', () => {
  it('knows real dates, weekdays and month ends', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(weekday('2025-12-07')).toBe(0); // a Sunday
    expect(weekday('2026-01-26')).toBe(1);
    expect(plusDays('2025-12-30', 3)).toBe('2026-01-02');
    expect(plusDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(plusDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('puts the due instant at the end of the date in IST', () => {
    expect(dueInstant('2025-11-20').toISOString()).toBe('2025-11-20T18:29:59.999Z');
    expect(istIso(dueInstant('2025-11-20'))).toBe('2025-11-20T23:59:59.999+05:30');
    expect(istDate(new Date('2025-11-20T18:29:59.999Z'))).toBe('2025-11-20');
    expect(istDate(new Date('2025-11-20T18:30:00.000Z'))).toBe('2025-11-21');
    expect(istDate(new Date('2025-12-31T18:30:00.000Z'))).toBe('2026-01-01');
  });
});

describe('addDays', () => {
  it('counts calendar days across a year end and a leap day', () => {
    expect(addDays('2025-12-30', 3, 'calendar', saturdaysOff())).toBe('2026-01-02');
    expect(addDays('2024-02-27', 2, 'calendar', saturdaysOff())).toBe('2024-02-29');
    expect(addDays('2026-01-02', -3, 'calendar', saturdaysOff())).toBe('2025-12-30');
  });

  it('skips Sundays always and Saturdays when the firm does not work them', () => {
    // Friday 26 December 2025.
    expect(addDays('2025-12-26', 1, 'working', saturdaysOff())).toBe('2025-12-29');
    expect(addDays('2025-12-26', 1, 'working', saturdaysOn())).toBe('2025-12-27');
    expect(addDays('2025-12-26', 2, 'working', saturdaysOn())).toBe('2025-12-29');
    expect(addDays('2025-12-29', -1, 'working', saturdaysOff())).toBe('2025-12-26');
    expect(addDays('2025-12-29', -1, 'working', saturdaysOn())).toBe('2025-12-27');
  });

  it('skips national holidays and the firm days around a year end', () => {
    // Republic Day 2026 is a Monday.
    expect(addDays('2026-01-23', 1, 'working', saturdaysOff())).toBe('2026-01-27');
    expect(addDays('2026-01-23', 1, 'working', saturdaysOn())).toBe('2026-01-24');
    expect(addDays('2026-01-27', -1, 'working', saturdaysOff())).toBe('2026-01-23');
    // The firm closes on 1 January (a Thursday) for every state.
    const firm = calendarForState(false, NATIONAL, [{ date: '2026-01-01', stateCode: null }], '27');
    expect(addDays('2025-12-31', 1, 'working', firm)).toBe('2026-01-02');
    expect(addDays('2025-12-31', 2, 'working', firm)).toBe('2026-01-05');
    expect(addDays('2026-01-02', -1, 'working', firm)).toBe('2025-12-31');
    expect(workingDaysBetween('2025-12-24', '2026-01-05', firm)).toBe(7); // 25, 26, 29, 30, 31 December, 2 and 5 January
  });

  it('applies a state holiday only to GSTINs of that state', () => {
    // Maharashtra Day (1 May 2026, a Friday) is a Maharashtra holiday, not a Karnataka one.
    const days = [{ date: '2026-05-01', stateCode: '27' }];
    expect(addDays('2026-04-30', 1, 'working', calendarForState(true, NATIONAL, days, '27'))).toBe('2026-05-02');
    expect(addDays('2026-04-30', 1, 'working', calendarForState(false, NATIONAL, days, '27'))).toBe('2026-05-04');
    expect(addDays('2026-04-30', 1, 'working', calendarForState(false, NATIONAL, days, '29'))).toBe('2026-05-01');
  });

  it('returns the start for zero days and refuses nonsense', () => {
    expect(addDays('2025-12-28', 0, 'working', saturdaysOff())).toBe('2025-12-28');
    expect(() => addDays('2025-02-30', 1, 'working', saturdaysOff())).toThrow(/not a date/);
    expect(() => addDays('2025-02-01', 1.5, 'calendar', saturdaysOff())).toThrow(/whole number/);
  });
});

describe('addDays properties', () => {
  const BASE = dayNumber('2024-01-01');
  const dateArb = fc.integer({ min: 0, max: 4 * 366 }).map((n) => fromDayNumber(BASE + n));
  const calendarArb = fc.record({
    saturdaysWorking: fc.boolean(),
    holidays: fc.array(dateArb, { maxLength: 120 }).map((days) => new Set([...days, ...NATIONAL])),
  });

  it('never lands on a non-working day', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -60, max: 60 }).filter((n) => n !== 0), calendarArb, (start, n, calendar) => {
        expect(isWorkingDay(addDays(start, n, 'working', calendar), calendar)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is monotonic in n', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -40, max: 40 }), fc.integer({ min: 1, max: 20 }), calendarArb, (start, n, more, calendar) => {
        const a = addDays(start, n, 'working', calendar);
        const b = addDays(start, n + more, 'working', calendar);
        expect(dayNumber(b)).toBeGreaterThan(dayNumber(a));
        expect(dayNumber(addDays(start, n + more, 'calendar', calendar)) - dayNumber(addDays(start, n, 'calendar', calendar))).toBe(more);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with a day-by-day count', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 60 }), calendarArb, (start, n, calendar) => {
        const end = addDays(start, n, 'working', calendar);
        // Exactly n working days in (start, end], and the day before end leaves one short.
        expect(workingDaysBetween(start, end, calendar)).toBe(n);
        expect(workingDaysBetween(start, plusDays(end, -1), calendar)).toBe(n - 1);
        // Going back the same number of working days from end lands on start's last working day at or before it.
        const back = addDays(end, -n, 'working', calendar);
        expect(dayNumber(back)).toBeLessThanOrEqual(dayNumber(start));
        expect(workingDaysBetween(back, start, calendar)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
