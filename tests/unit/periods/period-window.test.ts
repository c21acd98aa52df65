/**
 * When a period can take imports and when it can be closed (domain/periods.ts), checked on an IST
 * date passed in: the rules never read the clock, so these cases hold on any day.
 */
import { closePeriodProblem, closeWindow, FIRST_GST_PERIOD, importPeriodProblem, isClosable, monthOf, periodName } from '../../../domain/periods';

describe('the periods GST data can exist for', () => {
  it('takes imports from July 2017 up to the month that is running, and refuses the rest', () => {
    const today = '2026-12-07';
    const cases = ['2016-04', '2017-06', FIRST_GST_PERIOD, '2024-06', '2026-11', '2026-12', '2027-01', '2030-06', '2099-12'];
    expect(cases.map((p) => [p, importPeriodProblem(p, today)])).toEqual([
      ['2016-04', 'before_gst'],
      ['2017-06', 'before_gst'],
      ['2017-07', null],
      ['2024-06', null],
      ['2026-11', null],
      ['2026-12', null],
      ['2027-01', 'future'],
      ['2030-06', 'future'],
      ['2099-12', 'future'],
    ]);
  });

  it("takes a quarterly filer's running quarter, named by its last month, from the quarter's first day", () => {
    expect(['2026-09', '2026-12', '2027-03'].map((p) => importPeriodProblem(p, '2026-10-01', 'quarterly'))).toEqual([null, null, 'future']);
    expect(importPeriodProblem('2026-12', '2026-09-30', 'quarterly')).toBe('future');
    // A monthly filer's December has not begun in November.
    expect(importPeriodProblem('2026-12', '2026-11-15', 'monthly')).toBe('future');
    // The first quarterly GSTR period was July–September 2017.
    expect(importPeriodProblem('2017-09', '2026-12-07', 'quarterly')).toBeNull();
    expect(importPeriodProblem('2017-06', '2026-12-07', 'quarterly')).toBe('before_gst');
  });

  it('moves to the next month at midnight IST, across a year end', () => {
    expect(importPeriodProblem('2027-01', '2026-12-31')).toBe('future');
    expect(importPeriodProblem('2027-01', '2027-01-01')).toBeNull();
    expect(monthOf('2027-01-01')).toBe('2027-01');
  });

  it('closes a period only once its last day is over (IST), never before GST', () => {
    const problems = (today: string) => ['2017-06', '2017-07', '2026-11', '2026-12', '2027-01'].map((p) => closePeriodProblem(p, today));
    expect(problems('2026-12-07')).toEqual(['before_gst', null, null, 'not_ended', 'not_ended']);
    expect(problems('2026-12-31')).toEqual(['before_gst', null, null, 'not_ended', 'not_ended']);
    expect(problems('2027-01-01')).toEqual(['before_gst', null, null, null, 'not_ended']);
    expect(problems('2027-02-01')).toEqual(['before_gst', null, null, null, null]);
    // A quarter is named by its last month, so it ends with that month: 2026-12 is October–December.
    expect(closePeriodProblem('2026-12', '2026-11-30')).toBe('not_ended');
  });

  it('says a period is closable exactly when its close is not refused: from the day after it ends', () => {
    const closable = (today: string) => ['2017-06', '2017-07', '2026-12', '2027-01'].map((p) => isClosable(p, today));
    expect(closable('2026-12-31')).toEqual([false, true, false, false]);
    expect(closable('2027-01-01')).toEqual([false, true, true, false]);
  });

  it("never closes a quarterly filer's month inside a quarter on its own: it is closed with its quarter", () => {
    const problems = (today: string) => ['2026-10', '2026-11', '2026-12'].map((p) => closePeriodProblem(p, today, 'quarterly'));
    expect(problems('2026-12-07')).toEqual(['not_quarter_end', 'not_quarter_end', 'not_ended']);
    expect(problems('2027-01-01')).toEqual(['not_quarter_end', 'not_quarter_end', null]);
    expect(['2026-11', '2026-12'].map((p) => isClosable(p, '2027-01-01', 'quarterly'))).toEqual([false, true]);
    // The same months of a monthly filer are periods of their own.
    expect(['2026-11', '2026-12'].map((p) => isClosable(p, '2027-01-01', 'monthly'))).toEqual([true, true]);
  });

  it("shows a month's close window: its quarter's for a month inside a quarter, none before GST", () => {
    expect(closeWindow('2026-11', '2026-12-07', 'quarterly')).toEqual({ closable: false, closableFrom: '2027-01-01', closesWith: '2026-12' });
    expect(closeWindow('2026-12', '2026-12-07', 'quarterly')).toEqual({ closable: false, closableFrom: '2027-01-01', closesWith: null });
    expect(closeWindow('2026-11', '2026-12-07', 'monthly')).toEqual({ closable: true, closableFrom: '2026-12-01', closesWith: null });
    expect(closeWindow('2017-06', '2026-12-07', 'monthly')).toEqual({ closable: false, closableFrom: null, closesWith: null });
  });

  it("names a quarterly filer's quarter by its quarter, and every other month by itself", () => {
    expect([periodName('2026-12', 'quarterly'), periodName('2026-11', 'quarterly'), periodName('2026-12', 'monthly')]).toEqual(['Q3 FY 2026-27 (Oct–Dec 2026)', 'Nov 2026', 'Dec 2026']);
  });
});
