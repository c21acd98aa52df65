/**
 * What each internal alert of a follow-up's plan is about, in the firm's words: one source for the
 * escalation emails (messages.ts) and the web app's alert list, which imports this module (it is
 * pure and holds no more than these words). Typed by the plan's reasons, so a new reason without
 * its words fails the typecheck. A step's days are counted from the value the plan uses (policy.ts),
 * in the words the notices' steps use, so the words say when the step actually came.
 */
import { daysInWords } from '../notices/step-text';
import { FIRM_ADMINS_TOLD_DAYS_AFTER_DUE } from './policy';
import type { EscalationReason } from './schedule';

export const ESCALATION_TEXT: Record<EscalationReason, string> = {
  reminders_unanswered: 'two reminders went unanswered: please call the client',
  due_tomorrow: 'due tomorrow and still incomplete',
  due_passed: 'the due date passed with items outstanding',
  overdue: `${daysInWords(FIRM_ADMINS_TOLD_DAYS_AFTER_DUE)} overdue`,
  cadence_exhausted: 'the automatic reminders are used up: the client will get no more messages',
};

/** The reason's words, or a code this build does not know turned into words (never shown as a code). */
export function escalationWords(code: string): string {
  return (ESCALATION_TEXT as Record<string, string | undefined>)[code] ?? code.replace(/_+/g, ' ').trim();
}

/** The reason as a sentence on its own (capitalised, with a full stop), as a list of alerts shows it. */
export function escalationSentence(code: string): string {
  const words = escalationWords(code);
  return words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}.` : 'An alert to the firm.';
}
