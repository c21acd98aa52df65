/**
 * The follow-up policy: one object per request, firm defaults with per-request overrides, copied
 * into the workflow at start. Numbers are days relative to the due date T (T-7 is `7` among the
 * deadline offsets, T+2 is `2` among the overdue offsets).
 */
import { minuteOf } from './clock';

export type FollowUpPolicy = {
  /** Time of day (IST) of scheduled messages. */
  sendAt: string;
  /** A message falling inside them moves to the next `sendAt`. */
  quietHours: { from: string; to: string };
  /** Gentle reminders this many days after the last client-facing message… */
  intervalDays: number;
  /** …only while more than this many days remain to T. */
  intervalUntilDaysBeforeDue: number;
  /** Anchored reminders, days before T (0 = on T). */
  deadlineOffsets: number[];
  /** Reminders after T (days after); after the last one automatic messages stop. */
  overdueOffsets: number[];
  /** Automatic reminders (and nudges) in all, the first message not counted. */
  maxAutoReminders: number;
  /** Messages per client per day across all of the client's requests. */
  perClientDailyCap: number;
  /** Move anchored reminders earlier and the others later off Sundays, non-working Saturdays and holidays. */
  skipDays: boolean;
};

export const DEFAULT_FOLLOW_UP_POLICY: FollowUpPolicy = {
  sendAt: '10:00',
  quietHours: { from: '20:00', to: '09:00' },
  intervalDays: 3,
  intervalUntilDaysBeforeDue: 7,
  deadlineOffsets: [7, 3, 1, 0],
  overdueOffsets: [2, 5],
  maxAutoReminders: 8,
  perClientDailyCap: 1,
  skipDays: false,
};

/**
 * The internal ladder's step to the firm admins (docs/follow-ups.md, "Escalations"): this many days
 * after the due date T, with items outstanding. A fixed rung of the ladder, not a per-request
 * setting: the plan (schedule.ts) and the escalation's words (escalation-text.ts) both read it here.
 */
export const FIRM_ADMINS_TOLD_DAYS_AFTER_DUE = 3;

export function mergePolicy(base: FollowUpPolicy, overrides: Partial<FollowUpPolicy> | undefined): FollowUpPolicy {
  const merged = { ...base, ...(overrides ?? {}) };
  return {
    ...merged,
    deadlineOffsets: [...new Set(merged.deadlineOffsets)].sort((a, b) => b - a),
    overdueOffsets: [...new Set(merged.overdueOffsets)].sort((a, b) => a - b),
  };
}

export function inQuietHours(policy: FollowUpPolicy, minute: number): boolean {
  const from = minuteOf(policy.quietHours.from);
  const to = minuteOf(policy.quietHours.to);
  if (from === to) return false;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Why a policy cannot be used, or null. */
export function policyProblem(policy: FollowUpPolicy): string | null {
  try {
    minuteOf(policy.sendAt);
    minuteOf(policy.quietHours.from);
    minuteOf(policy.quietHours.to);
  } catch {
    return 'times of day are HH:MM';
  }
  if (inQuietHours(policy, minuteOf(policy.sendAt))) return 'sendAt falls inside the quiet hours';
  if (policy.perClientDailyCap !== 1) return 'perClientDailyCap: only one message per client per day is supported';
  return null;
}
