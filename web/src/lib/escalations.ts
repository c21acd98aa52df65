/**
 * What an internal alert of a follow-up's plan is about, as a sentence for the firm's people (the
 * API sends the reason's code). Typed by the domain's reasons, so a new reason without a sentence
 * fails the typecheck; a code this build does not know yet still reads as words, never as a code.
 */
import type { EscalationReason } from '../../../domain/follow-ups/schedule';

const REASON: Record<EscalationReason, string> = {
  reminders_unanswered: 'Two reminders went unanswered: call the client.',
  due_tomorrow: 'Due tomorrow and still incomplete.',
  due_passed: 'The due date passed with items outstanding.',
  overdue: 'Three days overdue.',
  cadence_exhausted: 'The automatic reminders are used up: the client gets no more messages.',
};

export function escalationReasonText(code: string): string {
  const known = (REASON as Record<string, string | undefined>)[code];
  if (known) return known;
  const words = code.replace(/_+/g, ' ').trim();
  return words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}.` : 'An alert to the firm.';
}
