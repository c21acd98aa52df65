/**
 * Facts of a notice that contradict each other, named by the request field that brings the
 * contradiction (the api answers 422 with them as `details.fields`, docs/notices.md "Dates that
 * must agree"). A notice is served on or before today and not before it was issued; a due date,
 * an extension, a filing, a hearing and an order come after service; an extension moves the
 * statutory date later and is never earlier than the extension on record; the internal target is
 * on or before the effective due date; an order is one of the known order forms and not in the
 * future. Pure: today's date is passed in.
 */
import type { HolidayCalendar } from '../calendar';
import { ORDER_FORMS, type NoticeForm } from './catalogue';
import { noticeDates, type NoticeDateFacts } from './dates';

export type FieldErrors = Record<string, string>;

const some = (errors: FieldErrors): FieldErrors | null => (Object.keys(errors).length ? errors : null);

/** A new notice's own dates. */
export function intakeDateErrors(facts: { servedOn: string; issuedOn?: string | null; dueDate?: string | null }, today: string): FieldErrors | null {
  const errors: FieldErrors = {};
  if (facts.servedOn > today) errors.servedOn = `must not be in the future (today is ${today})`;
  if (facts.issuedOn && facts.issuedOn > facts.servedOn) errors.issuedOn = `must not be after the service date ${facts.servedOn}`;
  if (facts.dueDate && facts.dueDate < facts.servedOn) errors.dueDate = `must not be before the service date ${facts.servedOn}`;
  return some(errors);
}

export type DateChange = { dueDate?: string | null; extendedDueDate?: string | null; targetDate?: string | null };

/**
 * A change of a notice's dates (PATCH, an extension) against the dates it already has: the result
 * must still hold together. A statutory date entered on or after the extension on record is refused
 * rather than dropping the extension: the officer's grant is a fact, and a new one is recorded as
 * a new extension.
 */
export function dateChangeErrors(form: NoticeForm, current: NoticeDateFacts, change: DateChange, calendar: HolidayCalendar): FieldErrors | null {
  const next: NoticeDateFacts = {
    ...current,
    ...('dueDate' in change ? { manualDueDate: change.dueDate ?? null } : {}),
    ...('extendedDueDate' in change ? { extendedDueDate: change.extendedDueDate ?? null } : {}),
    ...('targetDate' in change ? { manualTargetDate: change.targetDate ?? null } : {}),
  };
  const dates = noticeDates(form, next, calendar);
  const errors: FieldErrors = {};
  const served = current.servedOn;
  if (change.dueDate && change.dueDate < served) errors.dueDate = `must not be before the service date ${served}`;
  if (change.extendedDueDate) {
    if (current.extendedDueDate && change.extendedDueDate < current.extendedDueDate) errors.extendedDueDate = `must not be earlier than the extension on record, ${current.extendedDueDate}`;
    else if (dates.statutoryDueDate && change.extendedDueDate <= dates.statutoryDueDate) errors.extendedDueDate = `must be after the statutory due date ${dates.statutoryDueDate}`;
    else if (change.extendedDueDate < served) errors.extendedDueDate = `must not be before the service date ${served}`;
  } else if (change.dueDate && next.extendedDueDate && dates.statutoryDueDate && dates.statutoryDueDate >= next.extendedDueDate) {
    errors.dueDate = `must be before the extended due date ${next.extendedDueDate} on record (record a new extension to move it)`;
  }
  if (next.manualTargetDate && dates.effectiveDueDate && next.manualTargetDate > dates.effectiveDueDate) {
    // Named after the field that brought the contradiction: the target itself, or the due date that moved under it.
    const field = 'targetDate' in change ? 'targetDate' : 'dueDate' in change && !errors.dueDate ? 'dueDate' : 'extendedDueDate' in change && !errors.extendedDueDate ? 'extendedDueDate' : null;
    if (field) errors[field] = field === 'targetDate' ? `must be on or before the effective due date ${dates.effectiveDueDate}` : `would fall before the target date ${next.manualTargetDate}: move the target first`;
  }
  if (change.targetDate && change.targetDate < served && !errors.targetDate) errors.targetDate = `must not be before the service date ${served}`;
  return some(errors);
}

/** A filing (in Taalmel or outside it): on or after service; the api refuses a future date itself. */
export function filingDateErrors(filedOn: string, servedOn: string): FieldErrors | null {
  return filedOn < servedOn ? { filedOn: `must not be before the service date ${servedOn}` } : null;
}

/** A hearing (or its new date when adjourned) is held after the notice was served: `on` is its IST date. */
export function hearingDateErrors(field: 'at' | 'newAt', on: string, servedOn: string): FieldErrors | null {
  return on < servedOn ? { [field]: `must not be before the service date ${servedOn}` } : null;
}

/** Closing with an order: a known order form, dated on or before today and not before the notice was issued (or served). */
export function closeErrors(close: { orderForm?: string | null; orderDate?: string | null }, notice: { servedOn: string; issuedOn: string | null }, today: string): FieldErrors | null {
  const errors: FieldErrors = {};
  if (close.orderForm && !ORDER_FORMS.includes(close.orderForm)) errors.orderForm = `must be one of ${ORDER_FORMS.join(', ')}`;
  const earliest = notice.issuedOn ?? notice.servedOn;
  if (close.orderDate && close.orderDate > today) errors.orderDate = `must not be in the future (today is ${today})`;
  else if (close.orderDate && close.orderDate < earliest) errors.orderDate = `must not be before the notice's date ${earliest}`;
  return some(errors);
}
