/**
 * The retention plan (domain/retention.ts): what is purged when, from the firm's settings and the
 * statutory rule, counted from the annual return's due date of the period's financial year.
 */
import {
  addMonthsToDate,
  annualReturnDueDate,
  dueRetentionItems,
  retentionPlan,
  retentionMinimumWords,
  retentionSettingsProblems,
  type RetentionPeriod,
  type RetentionRule,
} from '../../../domain/retention';

const s36 = { minMonths: 72, anchorMonthsAfterYearEnd: 9, anchorDay: 31, reference: 'CGST Act 2017 s.36', version: 'test' };
const RULES: RetentionRule[] = [
  { dataClass: 'source_files', ...s36 },
  { dataClass: 'reconciliation_results', ...s36 },
];
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const closed = (clientId: string, period: string, purged: RetentionPeriod['purged'] = {}): RetentionPeriod => ({ clientId, period, state: 'closed', purged });

describe('retention dates', () => {
  it('counts from 31 December after the financial year ends', () => {
    expect(annualReturnDueDate('2017-04', RULES[0]!)).toBe('2018-12-31');
    expect(annualReturnDueDate('2018-03', RULES[0]!)).toBe('2018-12-31'); // March belongs to the year that ends then
    expect(annualReturnDueDate('2018-04', RULES[0]!)).toBe('2019-12-31');
  });

  it('moves with a later notified extension of the annual return, never earlier', () => {
    expect(annualReturnDueDate('2017-06', RULES[0]!, { '2017-18': '2020-02-07' })).toBe('2020-02-07');
    expect(annualReturnDueDate('2017-06', RULES[0]!, { '2017-18': '2018-11-30' })).toBe('2018-12-31');
    expect(annualReturnDueDate('2017-06', RULES[0]!, { '2018-19': '2021-03-31' })).toBe('2018-12-31');
  });

  it('adds months with the day clamped to the month', () => {
    expect(addMonthsToDate('2018-12-31', 72)).toBe('2024-12-31');
    expect(addMonthsToDate('2018-12-31', 74)).toBe('2025-02-28');
    expect(addMonthsToDate('2019-12-31', 74)).toBe('2026-02-28');
    expect(addMonthsToDate('2023-12-31', 2)).toBe('2024-02-29');
  });
});

describe('retention settings', () => {
  it('refuses less than the statutory minimum, naming the field and the rule', () => {
    expect(retentionSettingsProblems({ source_files: 71, reconciliation_results: 0 }, RULES)).toEqual({
      'sourceFiles.retainMonths': "at least 72 months after the annual return's due date, as CGST Act 2017 s.36 requires; or null to keep",
      'reconciliationResults.retainMonths': "at least 72 months after the annual return's due date, as CGST Act 2017 s.36 requires; or null to keep",
    });
  });

  it('words the minimum of the seeded rule without brackets inside brackets', () => {
    const seeded = { minMonths: 72, reference: 'CGST Act 2017 s.36 (72 months from the annual return due date)' };
    expect(retentionMinimumWords(seeded)).toBe("at least 72 months after the annual return's due date, as CGST Act 2017 s.36 requires");
    expect(retentionMinimumWords({ minMonths: 60, reference: 'Rule 56(1)' })).toBe("at least 60 months after the annual return's due date, as Rule 56(1) requires");
  });

  it('accepts the minimum, more, and keeping', () => {
    expect(retentionSettingsProblems({ source_files: 72, reconciliation_results: null }, RULES)).toEqual({});
    expect(retentionSettingsProblems({ source_files: 120, reconciliation_results: 96 }, RULES)).toEqual({});
  });

  it('refuses a class without a rule unless it is kept', () => {
    expect(retentionSettingsProblems({ source_files: 100, reconciliation_results: null }, RULES.slice(1))).toEqual({ 'sourceFiles.retainMonths': 'no statutory rule is known for this class, so it can only be kept' });
    expect(retentionSettingsProblems({ source_files: 1.5, reconciliation_results: 2000 }, RULES)).toEqual({
      'sourceFiles.retainMonths': 'a whole number of months up to 1200, or null to keep',
      'reconciliationResults.retainMonths': 'a whole number of months up to 1200, or null to keep',
    });
  });
});

describe('retention plan', () => {
  const periods: RetentionPeriod[] = [
    closed(A, '2017-06'), // FY 2017-18: due 2018-12-31, kept 72 months to 2024-12-31
    closed(A, '2019-06'), // FY 2019-20: due 2020-12-31, kept to 2026-12-31
    { clientId: B, period: '2017-09', state: 'reopened', purged: {} },
    closed(B, '2017-12', { source_files: '2025-01-02T00:00:00.000Z' }),
  ];

  it('keeps everything by default', () => {
    const plan = retentionPlan({ settings: { source_files: null, reconciliation_results: null }, rules: RULES, periods, today: '2026-06-15' });
    expect(plan.map((i) => `${i.period} ${i.dataClass} ${i.status}`)).toEqual([
      '2017-06 source_files kept',
      '2017-06 reconciliation_results kept',
      '2019-06 source_files kept',
      '2019-06 reconciliation_results kept',
      '2017-09 source_files kept',
      '2017-09 reconciliation_results kept',
      '2017-12 source_files purged',
      '2017-12 reconciliation_results kept',
    ]);
    expect(plan.filter((i) => i.status !== 'purged').every((i) => i.status === 'kept' && i.purgeOn === null && i.keepUntil === null)).toBe(true);
  });

  it('marks due what aged out on the day, schedules the rest and leaves periods that are not closed', () => {
    const plan = retentionPlan({ settings: { source_files: 72, reconciliation_results: 84 }, rules: RULES, periods, today: '2025-01-01' });
    expect(plan.map((i) => [i.clientId === A ? 'A' : 'B', i.period, i.dataClass, i.keepUntil, i.purgeOn, i.status])).toEqual([
      ['A', '2017-06', 'source_files', '2024-12-31', '2025-01-01', 'due'],
      ['B', '2017-09', 'source_files', '2024-12-31', '2025-01-01', 'not_closed'],
      ['B', '2017-12', 'source_files', '2024-12-31', '2025-01-01', 'purged'],
      ['A', '2017-06', 'reconciliation_results', '2025-12-31', '2026-01-01', 'scheduled'],
      ['B', '2017-09', 'reconciliation_results', '2025-12-31', '2026-01-01', 'not_closed'],
      ['B', '2017-12', 'reconciliation_results', '2025-12-31', '2026-01-01', 'scheduled'],
      ['A', '2019-06', 'source_files', '2026-12-31', '2027-01-01', 'scheduled'],
      ['A', '2019-06', 'reconciliation_results', '2027-12-31', '2028-01-01', 'scheduled'],
    ]);
    // The day before, nothing is due.
    expect(dueRetentionItems({ settings: { source_files: 72, reconciliation_results: 84 }, rules: RULES, periods, today: '2024-12-31' })).toEqual([]);
  });

  it('never purges before the statutory minimum, even from a stored value below it', () => {
    const due = dueRetentionItems({ settings: { source_files: 12, reconciliation_results: 12 }, rules: RULES, periods, today: '2024-12-31' });
    expect(due).toEqual([]);
    const plan = retentionPlan({ settings: { source_files: 12, reconciliation_results: null }, rules: RULES, periods: [closed(A, '2017-06')], today: '2024-12-31' });
    expect(plan[0]).toMatchObject({ retainMonths: 72, keepUntil: '2024-12-31', status: 'scheduled' });
  });

  it('keeps a class that has no statutory rule', () => {
    const plan = retentionPlan({ settings: { source_files: 72, reconciliation_results: 72 }, rules: RULES.slice(1), periods: [closed(A, '2017-06')], today: '2030-01-01' });
    expect(plan.map((i) => [i.dataClass, i.status])).toEqual([
      ['reconciliation_results', 'due'],
      ['source_files', 'kept'],
    ]);
  });

  it('follows an extension of the annual return', () => {
    const input = { settings: { source_files: 72, reconciliation_results: null }, rules: RULES, periods: [closed(A, '2017-06')], annualReturnDueDates: { '2017-18': '2020-02-07' } };
    expect(dueRetentionItems({ ...input, today: '2025-01-01' })).toEqual([]);
    expect(dueRetentionItems({ ...input, today: '2026-02-08' }).map((i) => [i.annualReturnDueDate, i.keepUntil])).toEqual([['2020-02-07', '2026-02-07']]);
  });
});
