/**
 * How a return's period is named (domain/calendar/period-label.ts): a quarter of the financial year
 * with its months, a financial year, a month; and the calendar's deadlines, built from the seeded
 * rules, carry the cadence that names them (the same GSTR-3B key is a month or a quarter by filer).
 */
import { calendarForState, deadlinesInWindow, fyQuarter, periodLabel, returnPeriodLabel, type CalendarPolicy, type ClientProfile } from '../../../domain/calendar';
import { itemPeriodLabel, itemPeriodText } from '../../../domain/follow-ups';
import { CALENDAR_RULES_009, nationalHolidays009 } from '../../../db/migrations/009-compliance-calendar';

const policy: CalendarPolicy = { rules: CALENDAR_RULES_009, extensions: [], calendar: calendarForState(true, nationalHolidays009().map((h) => h.date), [], '27'), targetBufferDays: 2 };
const profile = (overrides: Partial<ClientProfile>): ClientProfile => ({ stateCode: '27', scheme: 'regular', filingFrequency: 'monthly', frequencyChanges: [], turnoverBand: null, targetBufferDays: null, ...overrides });

describe('the label of a period', () => {
  it('names a quarter by its place in the financial year (April–June is Q1) and its months', () => {
    expect(['2025-06', '2025-09', '2025-12', '2026-03'].map((p) => periodLabel(p, 'quarterly'))).toEqual([
      'Q1 FY 2025-26 (Apr–Jun 2025)',
      'Q2 FY 2025-26 (Jul–Sep 2025)',
      'Q3 FY 2025-26 (Oct–Dec 2025)',
      'Q4 FY 2025-26 (Jan–Mar 2026)', // January–March belongs to the year that began the April before
    ]);
    expect(periodLabel('2000-03', 'quarterly')).toBe('Q4 FY 1999-00 (Jan–Mar 2000)'); // the century's turn
  });

  it('names an annual return by its financial year, not by March', () => {
    expect(periodLabel('2026-03', 'annual')).toBe('FY 2025-26');
    expect(periodLabel('2018-03', 'annual')).toBe('FY 2017-18');
  });

  it('names a month by its month', () => {
    expect(periodLabel('2025-11', 'monthly')).toBe('Nov 2025');
    expect(periodLabel('2026-01', 'monthly')).toBe('Jan 2026');
  });

  it('numbers every month into its quarter of the financial year', () => {
    const quarters = Array.from({ length: 12 }, (_, i) => fyQuarter(`2025-${String(i + 1).padStart(2, '0')}`));
    expect(quarters).toEqual([4, 4, 4, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('refuses a key that does not fit the cadence, naming it', () => {
    expect(() => periodLabel('2025-11', 'quarterly')).toThrow('2025-11 is not a period of the quarterly cadence');
    expect(() => periodLabel('2025-12', 'annual')).toThrow('2025-12 is not a period of the annual cadence');
    expect(() => periodLabel('2025-13', 'monthly')).toThrow('not a period: 2025-13');
  });
});

describe("the calendar's deadlines carry the cadence that names their period", () => {
  const labels = (p: ClientProfile, from: string, to: string) => deadlinesInWindow(p, from, to, policy).map((d) => `${d.returnType} ${periodLabel(d.period, d.cadence)}`);

  it('a QRMP filer: quarterly GSTR-1 and GSTR-3B by their quarter, IFF by its month, GSTR-9 by its year', () => {
    expect(labels(profile({ filingFrequency: 'quarterly' }), '2025-11-01', '2026-01-31')).toEqual([
      'IFF Oct 2025',
      'IFF Nov 2025',
      'GSTR-9 FY 2024-25',
      'GSTR-1 Q3 FY 2025-26 (Oct–Dec 2025)',
      'GSTR-3B Q3 FY 2025-26 (Oct–Dec 2025)',
    ]);
  });

  it('a monthly filer: the same GSTR-3B key is the month', () => {
    expect(labels(profile({}), '2026-01-01', '2026-01-31')).toEqual(['GSTR-1 Dec 2025', 'GSTR-3B Dec 2025']);
  });

  it('a composition dealer: CMP-08 by its quarter, GSTR-4 by its year', () => {
    expect(labels(profile({ scheme: 'composition', filingFrequency: 'quarterly' }), '2026-04-01', '2026-04-30')).toEqual(['CMP-08 Q4 FY 2025-26 (Jan–Mar 2026)', 'GSTR-4 FY 2025-26']);
  });
});

describe('a return period named for one client (what follow-ups show)', () => {
  it("takes the cadence of the client's rule for that period, not the return's name", () => {
    const monthly = profile({});
    const qrmp = profile({ filingFrequency: 'quarterly' });
    expect([returnPeriodLabel(monthly, 'GSTR-3B', '2025-12', CALENDAR_RULES_009), returnPeriodLabel(qrmp, 'GSTR-3B', '2025-12', CALENDAR_RULES_009)]).toEqual(['Dec 2025', 'Q3 FY 2025-26 (Oct–Dec 2025)']);
    expect(returnPeriodLabel(monthly, 'GSTR-9', '2026-03', CALENDAR_RULES_009)).toBe('FY 2025-26');
    // A return the client does not file for that period has no label (IFF is a QRMP filer's).
    expect(returnPeriodLabel(monthly, 'IFF', '2025-11', CALENDAR_RULES_009)).toBeNull();
    // History holds across a change: a filer monthly until the October quarter reads September as a month, December as a quarter.
    const moved = profile({ filingFrequency: 'quarterly', frequencyChanges: [{ fromPeriod: '2025-10', frequency: 'quarterly', previousFrequency: 'monthly' }] });
    expect([returnPeriodLabel(moved, 'GSTR-3B', '2025-09', CALENDAR_RULES_009), returnPeriodLabel(moved, 'GSTR-3B', '2025-12', CALENDAR_RULES_009)]).toEqual(['Sep 2025', 'Q3 FY 2025-26 (Oct–Dec 2025)']);
  });

  it("reads an item of the deadline's period as the deadline, another item as its month", () => {
    const deadline = { period: '2025-12' };
    const quarter = 'Q3 FY 2025-26 (Oct–Dec 2025)';
    expect([itemPeriodLabel('2025-12', deadline, quarter), itemPeriodLabel('2025-11', deadline, quarter), itemPeriodLabel('2025-12', null, null), itemPeriodLabel('2025-12', deadline, null)]).toEqual([quarter, 'Nov 2025', 'Dec 2025', 'Dec 2025']);
  });

  it("writes an item's period out for the client: the month in full, the quarter or year of the deadline's own period as its label", () => {
    const quarter = 'Q3 FY 2025-26 (Oct–Dec 2025)';
    const texts = [
      itemPeriodText('2025-12', { period: '2025-12' }, quarter),
      itemPeriodText('2025-11', { period: '2025-12' }, quarter),
      itemPeriodText('2025-12', { period: '2025-12' }, 'Dec 2025'),
      itemPeriodText('2026-03', { period: '2026-03' }, 'FY 2025-26'),
      itemPeriodText('2025-12', null, null),
    ];
    expect(texts).toEqual([quarter, 'November 2025', 'December 2025', 'FY 2025-26', 'December 2025']);
  });
});
