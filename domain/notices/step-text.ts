/**
 * The partner step's words, from the plan's own policy: one source for the escalation email
 * (messages.ts) and the web app's step labels, which import this module (it is pure and reads only
 * the policy). The step goes to the firm admins (the partner's seat, docs/notices.md "Reminders and
 * escalations") `partnerAfterDays` after the due date, or at once when the plan is made later.
 */
import { DEFAULT_PLAN_POLICY, type PlanPolicy } from './policy';

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** 3 → "three days", 1 → "one day", 12 → "12 days": how the firm's emails and screens count days. */
export function daysInWords(n: number): string {
  return `${WORDS[n] ?? String(n)} ${n === 1 ? 'day' : 'days'}`;
}

/** "Three days overdue or more: escalated to the firm admins" under the default policy. */
export function partnerStepLabel(policy: Pick<PlanPolicy, 'partnerAfterDays'> = DEFAULT_PLAN_POLICY): string {
  const days = daysInWords(policy.partnerAfterDays);
  return `${days[0]!.toUpperCase()}${days.slice(1)} overdue or more: escalated to the firm admins`;
}
