/**
 * How far a notified extension may move a due date (docs/calendar.md, "Extensions: how to add one").
 *
 * Never earlier: an extension gives more time. And at most two years past the statutory date. The
 * real ones run long: GSTR-9 for 2017-18, due 31 December 2018, was extended notification by
 * notification to 7 February 2020, thirteen months on, so a one-year bound would refuse a real
 * notification. A date further
 * out is a typo (2099, or 2062 for 2026) that would silently stop every reminder and escalation
 * keyed to the deadline until then.
 */
import { dateOf } from './dates';

/** The most years an extension may lie past the statutory due date it extends. */
export const MAX_EXTENSION_YEARS = 2;

/** The last due date an extension of a statutory due date may give (29 February clamps to 28 February). */
export function latestExtendedDueDate(statutoryDueDate: string): string {
  const [year, month, day] = statutoryDueDate.split('-').map(Number) as [number, number, number];
  return dateOf(year + MAX_EXTENSION_YEARS, month, day);
}

export type ExtensionDateProblem =
  | { code: 'before_due_date'; statutoryDueDate: string }
  | { code: 'too_far'; statutoryDueDate: string; latestDueDate: string };

/**
 * Why `dueDate` cannot be the extended due date for the statutory dates an extension can reach, or
 * null. Those dates differ where one notification reaches several groups (QRMP filers on the 22nd and
 * the 24th): the extension must not be earlier than the earliest of them (filers already due later
 * keep their own date, domain/calendar/deadlines.ts) and not more than two years past the latest.
 */
export function extensionDateProblem(dueDate: string, statutoryDueDates: readonly string[]): ExtensionDateProblem | null {
  if (statutoryDueDates.length === 0) return null;
  const sorted = [...statutoryDueDates].sort();
  const earliest = sorted[0]!;
  const latest = sorted[sorted.length - 1]!;
  if (dueDate < earliest) return { code: 'before_due_date', statutoryDueDate: earliest };
  const bound = latestExtendedDueDate(latest);
  if (dueDate > bound) return { code: 'too_far', statutoryDueDate: latest, latestDueDate: bound };
  return null;
}
