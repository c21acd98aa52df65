import { filedOnProblem, filingOpensOn } from '../../../domain/calendar';

describe('when a return can be filed', () => {
  it('opens the day after the period ends: a month, a quarter or a financial year named by its last month', () => {
    expect(filingOpensOn('2026-10')).toBe('2026-11-01'); // GSTR-1, GSTR-3B, IFF for October
    expect(filingOpensOn('2026-12')).toBe('2027-01-01'); // across the calendar year
    expect(filingOpensOn('2025-06')).toBe('2025-07-01'); // a QRMP quarter April–June, CMP-08
    expect(filingOpensOn('2026-03')).toBe('2026-04-01'); // GSTR-9 / GSTR-4 for 2025-26
  });

  it('refuses a date before the period ended, on its last day too, and a future date', () => {
    const today = '2026-12-06';
    expect(filedOnProblem('2026-10', '2026-10-15', today)).toBe('is before the period 2026-10 ended: its return can be filed from 2026-11-01');
    expect(filedOnProblem('2026-10', '2026-10-31', today)).toBe('is before the period 2026-10 ended: its return can be filed from 2026-11-01');
    expect(filedOnProblem('2026-10', '2026-09-30', today)).toBe('is before the period 2026-10 ended: its return can be filed from 2026-11-01');
    expect(filedOnProblem('2026-03', '2026-03-31', today)).toBe('is before the period 2026-03 ended: its return can be filed from 2026-04-01');
    expect(filedOnProblem('2026-11', '2026-12-07', today)).toBe('is in the future');
    // The period not over yet: the date is today or before, so it is early, not future.
    expect(filedOnProblem('2026-12', '2026-12-06', today)).toBe('is before the period 2026-12 ended: its return can be filed from 2027-01-01');
  });

  it('accepts the first day after the period and any later day up to today', () => {
    const today = '2026-12-06';
    expect(filedOnProblem('2026-10', '2026-11-01', today)).toBeNull();
    expect(filedOnProblem('2026-10', '2026-11-20', today)).toBeNull();
    expect(filedOnProblem('2026-11', '2026-12-06', today)).toBeNull();
    expect(filedOnProblem('2025-03', '2025-12-31', today)).toBeNull();
  });
});
