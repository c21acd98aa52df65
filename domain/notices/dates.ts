/**
 * A notice's three dates (statutory due, extended due, internal target) and where the due date came
 * from. The date printed on the notice wins over the one computed from the form's window; a due date
 * entered by hand later is marked `manual`; with neither (a form whose window only the notice states)
 * the notice is flagged `no_due_date` and cannot enter drafting until a due or target date is set.
 * Pure: the holiday calendar is passed in.
 */
import { addDays, dayNumber, type HolidayCalendar } from '../calendar';
import type { NoticeForm } from './catalogue';

export type DueDateSource = 'notice' | 'computed' | 'manual';

export type NoticeDateFacts = {
  servedOn: string;
  /** The date stated on the notice, entered at intake. */
  dueDateOnNotice: string | null;
  /** A due date entered by hand after intake (the portal showed none, or it was misread). */
  manualDueDate: string | null;
  extendedDueDate: string | null;
  /** A target date a person set; null: firm policy. */
  manualTargetDate: string | null;
};

export type NoticeDates = {
  statutoryDueDate: string | null;
  dueDateSource: DueDateSource | null;
  extendedDueDate: string | null;
  effectiveDueDate: string | null;
  targetDate: string | null;
  targetDateSource: 'policy' | 'manual' | null;
};

/** The window's statutory end: n calendar or working days after service. */
export function computedDueDate(form: NoticeForm, servedOn: string, calendar: HolidayCalendar): string | null {
  if (form.windowDays === null) return null;
  return addDays(servedOn, form.windowDays, form.windowUnit, calendar);
}

/** Firm default: due − 3 days when the window is 15 days or more, due − 1 day otherwise (never before service). */
export function policyTargetDate(servedOn: string, effectiveDueDate: string): string {
  const window = dayNumber(effectiveDueDate) - dayNumber(servedOn);
  const buffer = window >= 15 ? 3 : 1;
  const target = addDays(effectiveDueDate, -buffer, 'calendar', { saturdaysWorking: true, holidays: new Set() });
  return target < servedOn ? effectiveDueDate : target;
}

export function noticeDates(form: NoticeForm, facts: NoticeDateFacts, calendar: HolidayCalendar): NoticeDates {
  let statutoryDueDate: string | null = null;
  let dueDateSource: DueDateSource | null = null;
  if (facts.manualDueDate) [statutoryDueDate, dueDateSource] = [facts.manualDueDate, 'manual'];
  else if (facts.dueDateOnNotice) [statutoryDueDate, dueDateSource] = [facts.dueDateOnNotice, 'notice'];
  else {
    statutoryDueDate = computedDueDate(form, facts.servedOn, calendar);
    dueDateSource = statutoryDueDate ? 'computed' : null;
  }
  const effectiveDueDate = facts.extendedDueDate ?? statutoryDueDate;
  let targetDate: string | null = facts.manualTargetDate;
  let targetDateSource: NoticeDates['targetDateSource'] = targetDate ? 'manual' : null;
  if (!targetDate && effectiveDueDate) [targetDate, targetDateSource] = [policyTargetDate(facts.servedOn, effectiveDueDate), 'policy'];
  return { statutoryDueDate, dueDateSource, extendedDueDate: facts.extendedDueDate, effectiveDueDate, targetDate, targetDateSource };
}

/** Drafting needs a due or a target date to plan against. */
export function hasWorkingDate(dates: NoticeDates): boolean {
  return Boolean(dates.effectiveDueDate || dates.targetDate);
}
