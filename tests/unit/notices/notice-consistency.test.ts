/** The facts of a notice that must agree (domain/notices/consistency.ts) and an intake replay's differing facts (domain/notices/intake.ts). */
import { calendarForState } from '../../../domain/calendar';
import { closeErrors, dateChangeErrors, filingDateErrors, hearingDateErrors, intakeDateErrors, intakeDifferences, noticeForm, type NoticeDateFacts } from '../../../domain/notices';

const calendar = calendarForState(false, [], [], '27');
const drc01 = noticeForm('DRC-01')!;
// Served 2026-03-02: a 30-day window ends 2026-04-01.
const served: NoticeDateFacts = { servedOn: '2026-03-02', dueDateOnNotice: null, manualDueDate: null, extendedDueDate: null, manualTargetDate: null };

describe('dates that must agree', () => {
  it('refuse an intake served in the future, issued after service, or due before service', () => {
    expect(intakeDateErrors({ servedOn: '2026-03-02', issuedOn: '2026-03-01', dueDate: '2026-04-01' }, '2026-03-05')).toBeNull();
    expect(Object.keys(intakeDateErrors({ servedOn: '2026-03-06', issuedOn: '2026-03-07', dueDate: '2026-03-01' }, '2026-03-05') ?? {})).toEqual(['servedOn', 'issuedOn', 'dueDate']);
  });

  it('refuse an extension not after the statutory date, or earlier than the extension on record', () => {
    expect(dateChangeErrors(drc01, served, { extendedDueDate: '2026-04-15' }, calendar)).toBeNull();
    expect(Object.keys(dateChangeErrors(drc01, served, { extendedDueDate: '2026-04-01' }, calendar) ?? {})).toEqual(['extendedDueDate']);
    const extended = { ...served, extendedDueDate: '2026-04-15' };
    expect(dateChangeErrors(drc01, extended, { extendedDueDate: '2026-04-10' }, calendar)?.extendedDueDate).toMatch(/extension on record/);
    expect(dateChangeErrors(drc01, extended, { extendedDueDate: '2026-04-20' }, calendar)).toBeNull();
  });

  it('refuse a statutory date on or after the extension on record, and one before service', () => {
    const extended = { ...served, extendedDueDate: '2026-04-15' };
    expect(dateChangeErrors(drc01, extended, { dueDate: '2026-04-15' }, calendar)?.dueDate).toMatch(/extended due date/);
    expect(dateChangeErrors(drc01, extended, { dueDate: '2026-04-05' }, calendar)).toBeNull();
    expect(Object.keys(dateChangeErrors(drc01, served, { dueDate: '2026-02-20' }, calendar) ?? {})).toEqual(['dueDate']);
  });

  it('refuse a target after the effective due date, or a due date moved before the target', () => {
    expect(dateChangeErrors(drc01, served, { targetDate: '2026-04-01' }, calendar)).toBeNull();
    expect(Object.keys(dateChangeErrors(drc01, served, { targetDate: '2026-04-02' }, calendar) ?? {})).toEqual(['targetDate']);
    expect(dateChangeErrors(drc01, { ...served, extendedDueDate: '2026-04-15' }, { targetDate: '2026-04-10' }, calendar)).toBeNull();
    expect(Object.keys(dateChangeErrors(drc01, { ...served, manualTargetDate: '2026-03-25' }, { dueDate: '2026-03-20' }, calendar) ?? {})).toEqual(['dueDate']);
  });

  it('refuse a filing or a hearing before service, and an order in the future, before the notice, or of an unknown form', () => {
    expect(filingDateErrors('2026-03-01', '2026-03-02')).toEqual({ filedOn: expect.any(String) });
    expect(filingDateErrors('2026-03-02', '2026-03-02')).toBeNull();
    expect(hearingDateErrors('at', '1999-01-01', '2026-03-02')).toEqual({ at: expect.any(String) });
    const notice = { servedOn: '2026-03-02', issuedOn: '2026-02-27' };
    expect(closeErrors({ orderForm: 'DRC-07', orderDate: '2026-03-04' }, notice, '2026-03-05')).toBeNull();
    expect(closeErrors({ orderForm: 'DRC-07', orderDate: '2026-02-28' }, notice, '2026-03-05')).toBeNull();
    expect(Object.keys(closeErrors({ orderForm: 'banana', orderDate: '2026-03-06' }, notice, '2026-03-05') ?? {})).toEqual(['orderForm', 'orderDate']);
    expect(Object.keys(closeErrors({ orderForm: 'DRC-07', orderDate: '2026-02-26' }, notice, '2026-03-05') ?? {})).toEqual(['orderDate']);
  });
});

describe('an intake taken in again', () => {
  const facts = { form: 'DRC-01', caseId: null, din: null, servedOn: '2026-03-02', issuedOn: null, dueDate: null, sections: ['73'], periods: ['2025-04'], financialYears: ['2025-26', '2024-25'], issuingOffice: null };
  it('is a replay with the same facts (lists in any order), and names each differing field otherwise', () => {
    expect(intakeDifferences(facts, { ...facts, financialYears: ['2024-25', '2025-26'] })).toEqual({});
    expect(intakeDifferences(facts, { ...facts, form: 'ASMT-10', dueDate: '2026-04-10' })).toEqual({ form: { recorded: 'DRC-01', given: 'ASMT-10' }, dueDate: { recorded: null, given: '2026-04-10' } });
  });
});
