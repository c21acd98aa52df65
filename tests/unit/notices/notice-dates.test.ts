import { calendarForState, type HolidayCalendar } from '../../../domain/calendar';
import { NOTICE_FORMS, addMonths, computedDueDate, sectionForYear, limitationEnd, noticeClocks, noticeDates, noticeForm, outsideLimitation, policyTargetDate, type NoticeForm } from '../../../domain/notices';
import { nationalHolidays009 } from '../../../db/migrations/009-compliance-calendar';

const NATIONAL = nationalHolidays009().map((h) => h.date);
const calendar = (saturdaysWorking = true, firm: Array<{ date: string; stateCode: string | null }> = []): HolidayCalendar => calendarForState(saturdaysWorking, NATIONAL, firm, '27');
const form = (name: string): NoticeForm => {
  const found = noticeForm(name);
  if (!found) throw new Error(`no form ${name}`);
  return found;
};
const facts = { dueDateOnNotice: null, manualDueDate: null, extendedDueDate: null, manualTargetDate: null };

describe('notice due dates', () => {
  // Served Monday 2026-01-19; 26 January (Republic Day) falls in the window.
  const served = '2026-01-19';
  const expected: Record<string, string | null> = {
    'GSTR-3A': '2026-02-03', 'ASMT-13': '2026-03-20', 'ASMT-10': '2026-02-18', 'ASMT-02': '2026-02-03', 'ASMT-14': '2026-02-03', 'DRC-01A': null, 'DRC-01': '2026-02-18',
    'DRC-07': null, 'DRC-01B': '2026-01-26', 'DRC-01C': '2026-01-26', 'DRC-01D': '2026-01-26',
    // Seven working days with Saturdays working: 20, 21, 22, 23, 24, (25 Sunday, 26 Republic Day) 27, 28.
    'REG-03': '2026-01-28', 'REG-17': '2026-01-28', 'REG-31': '2026-02-18', 'REG-23': '2026-01-28', 'CMP-05': '2026-02-03', 'RFD-03': null, 'RFD-08': '2026-02-03',
    'ADT-01': null, 'ADT-02': null, 'MOV-07': null,
  };

  it('are computed for every catalogued form from the service date', () => {
    const got = Object.fromEntries(NOTICE_FORMS.map((f) => [f.form, computedDueDate(f, served, calendar())]));
    expect(got).toEqual(expected);
  });

  it('count working days without Saturdays and with the firm’s state holidays for registration notices', () => {
    // Saturdays off: 20, 21, 22, 23, 27, 28, 29. A Maharashtra holiday on the 28th pushes it to the 30th.
    expect(computedDueDate(form('REG-17'), served, calendar(false))).toBe('2026-01-29');
    expect(computedDueDate(form('REG-17'), served, calendar(false, [{ date: '2026-01-28', stateCode: '27' }]))).toBe('2026-01-30');
    expect(computedDueDate(form('REG-17'), served, calendar(false, [{ date: '2026-01-28', stateCode: '29' }]))).toBe('2026-01-29');
  });

  it('prefer the date on the notice, mark a hand-entered one, and leave none when nothing is known', () => {
    expect(noticeDates(form('DRC-01'), { ...facts, servedOn: served, dueDateOnNotice: '2026-02-10' }, calendar())).toMatchObject({ statutoryDueDate: '2026-02-10', dueDateSource: 'notice' });
    expect(noticeDates(form('DRC-01'), { ...facts, servedOn: served }, calendar())).toMatchObject({ statutoryDueDate: '2026-02-18', dueDateSource: 'computed', targetDate: '2026-02-15' });
    expect(noticeDates(form('DRC-01A'), { ...facts, servedOn: served }, calendar())).toEqual({ statutoryDueDate: null, dueDateSource: null, extendedDueDate: null, effectiveDueDate: null, targetDate: null, targetDateSource: null });
    expect(noticeDates(form('DRC-01A'), { ...facts, servedOn: served, manualDueDate: '2026-02-01' }, calendar())).toMatchObject({ statutoryDueDate: '2026-02-01', dueDateSource: 'manual', targetDate: '2026-01-31' });
  });

  it('let an extension replace the effective date and move the policy target, but not a manual target', () => {
    const extended = noticeDates(form('ASMT-10'), { ...facts, servedOn: served, extendedDueDate: '2026-03-10' }, calendar());
    expect(extended).toMatchObject({ statutoryDueDate: '2026-02-18', effectiveDueDate: '2026-03-10', targetDate: '2026-03-07', targetDateSource: 'policy' });
    expect(noticeDates(form('ASMT-10'), { ...facts, servedOn: served, extendedDueDate: '2026-03-10', manualTargetDate: '2026-02-20' }, calendar())).toMatchObject({ targetDate: '2026-02-20', targetDateSource: 'manual' });
  });

  it('set the target 3 days early for windows of 15 days or more, 1 day otherwise', () => {
    expect(policyTargetDate('2026-01-01', '2026-01-16')).toBe('2026-01-13');
    expect(policyTargetDate('2026-01-01', '2026-01-08')).toBe('2026-01-07');
  });
});

describe('notice clocks', () => {
  const none = { issuedOn: null, sections: [], financialYears: [], orderDate: null };
  it('show the penalty-saving window of a show cause notice by section', () => {
    expect(noticeClocks(form('DRC-01'), { ...none, servedOn: '2025-03-01', sections: ['73'], financialYears: ['2020-21'] })[0]).toMatchObject({ kind: 'penalty_saving', date: '2025-03-31' });
    expect(noticeClocks(form('DRC-01'), { ...none, servedOn: '2026-03-01', financialYears: ['2024-25'] })[0]).toMatchObject({ kind: 'penalty_saving', date: '2026-04-30' });
  });
  it('start the appeal clock (3 months, one more condonable) from an order', () => {
    const clocks = noticeClocks(form('DRC-07'), { ...none, servedOn: '2025-11-30' });
    expect(clocks.map((c) => [c.kind, c.date])).toEqual([['appeal_due', '2026-02-28'], ['condonation_end', '2026-03-30']]);
    expect(addMonths('2024-11-30', 3)).toBe('2025-02-28');
  });
  it('flag a notice issued outside the department’s limitation period', () => {
    expect(sectionForYear('2019-20', ['s.74'])).toBe('74');
    expect(limitationEnd('73', '2019-20')).toBe('2023-09-30');
    expect(outsideLimitation(form('DRC-01'), { ...none, servedOn: '2023-10-02', sections: ['73'], financialYears: ['2019-20'] })).toBe(true);
    expect(outsideLimitation(form('DRC-01'), { ...none, servedOn: '2023-09-29', sections: ['73'], financialYears: ['2019-20'] })).toBe(false);
    expect(outsideLimitation(form('DRC-01'), { ...none, servedOn: '2023-10-02', sections: ['74'], financialYears: ['2019-20'] })).toBe(false);
  });

  it('decide each financial year under its own section: s.73/74 up to FY 2023-24, s.74A from FY 2024-25', () => {
    expect(sectionForYear('2023-24', ['74A'])).toBe('73');
    expect(sectionForYear('2023-24', ['74', '74A'])).toBe('74');
    expect(sectionForYear('2024-25', ['73'])).toBe('74A');
    expect(sectionForYear(null, ['s.74A'])).toBe('74A');
    // A notice on FY 2019-20 (s.73) and FY 2024-25 (s.74A): each year keeps its own limitation and penalty-saving window.
    const mixed = { ...none, servedOn: '2024-03-01', sections: ['73'], financialYears: ['2024-25', '2019-20'] };
    const clocks = noticeClocks(form('DRC-01'), mixed);
    expect(clocks.map((c) => [c.kind, c.date, c.section, c.financialYears])).toEqual([
      ['penalty_saving', '2024-03-31', '73', ['2019-20']],
      ['penalty_saving', '2024-04-30', '74A', ['2024-25']],
      ['limitation_end', limitationEnd('73', '2019-20'), '73', ['2019-20']],
      ['limitation_end', limitationEnd('74A', '2024-25'), '74A', ['2024-25']],
    ]);
    expect(limitationEnd('73', '2019-20')).toBe('2023-09-30');
    expect(limitationEnd('74A', '2024-25')).toBe('2029-06-30');
    // FY 2019-20 under s.73 ended 2023-09-30: the old year is outside limitation even though the new one is not.
    expect(outsideLimitation(form('DRC-01'), { ...mixed, servedOn: '2023-10-02' })).toBe(true);
    // Before this, one s.74A section for all years hid that: 42 months from 2020-12-31 is 2024-06-30.
    expect(outsideLimitation(form('DRC-01'), { ...mixed, servedOn: '2023-09-29' })).toBe(false);
  });
});
