/**
 * The notice plan's policy: the days and hours its reminders and escalations keep. Its own module, with
 * no imports, so the web app can read the same numbers the plan uses (the partner step's words,
 * domain/notices/step-text.ts) without the calendar rules.
 */

export type PlanPolicy = {
  reminderOffsets: number[];
  /** IST wall time of reminders, minutes after midnight. */
  reminderMinute: number;
  reviewGateOffset: number;
  /** Daily overdue escalations stop after this many days (a person has long been told by then). */
  overdueDays: number;
  partnerAfterDays: number;
  /**
   * A plan made after the partner day (a notice taken in, or given a due date, more than
   * `partnerAfterDays` overdue) escalates to the firm admins at once. Workflows that planned before
   * this rule pass false until their patch says otherwise (workflows/notice.ts).
   */
  partnerWhenLate: boolean;
  hearingOffsets: number[];
};

export const DEFAULT_PLAN_POLICY: PlanPolicy = { reminderOffsets: [7, 3, 1], reminderMinute: 9 * 60 + 30, reviewGateOffset: 3, overdueDays: 30, partnerAfterDays: 3, partnerWhenLate: true, hearingOffsets: [2, 1] };

