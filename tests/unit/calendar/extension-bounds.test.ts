/** How far a notified extension may move a due date (domain/calendar/extension-bounds.ts). */
import { extensionDateProblem, latestExtendedDueDate, MAX_EXTENSION_YEARS } from '../../../domain/calendar';

describe('the bounds of an extension', () => {
  it('allows from the statutory due date to two years after it', () => {
    expect(MAX_EXTENSION_YEARS).toBe(2);
    expect(['2025-01-19', '2025-01-20', '2025-06-30', '2027-01-20', '2027-01-21', '2099-12-31'].map((d) => [d, extensionDateProblem(d, ['2025-01-20'])])).toEqual([
      ['2025-01-19', { code: 'before_due_date', statutoryDueDate: '2025-01-20' }],
      ['2025-01-20', null],
      ['2025-06-30', null],
      ['2027-01-20', null],
      ['2027-01-21', { code: 'too_far', statutoryDueDate: '2025-01-20', latestDueDate: '2027-01-20' }],
      ['2099-12-31', { code: 'too_far', statutoryDueDate: '2025-01-20', latestDueDate: '2027-01-20' }],
    ]);
  });

  it('keeps the real long extensions: GSTR-9 for 2017-18, due 31 December 2018, extended to 7 February 2020', () => {
    expect(extensionDateProblem('2020-02-07', ['2018-12-31'])).toBeNull();
  });

  it('bounds below by the earliest date it reaches and above by the latest (QRMP groups on the 22nd and the 24th)', () => {
    const groups = ['2025-01-24', '2025-01-22'];
    expect(extensionDateProblem('2025-01-21', groups)).toEqual({ code: 'before_due_date', statutoryDueDate: '2025-01-22' });
    expect(extensionDateProblem('2025-01-23', groups)).toBeNull();
    expect(extensionDateProblem('2027-01-24', groups)).toBeNull();
    expect(extensionDateProblem('2027-01-25', groups)).toEqual({ code: 'too_far', statutoryDueDate: '2025-01-24', latestDueDate: '2027-01-24' });
    expect(extensionDateProblem('2099-01-01', [])).toBeNull(); // nothing it can reach: the route refuses the period first
  });

  it('clamps 29 February to the 28th two years on', () => {
    expect(latestExtendedDueDate('2028-02-29')).toBe('2030-02-28');
  });
});
