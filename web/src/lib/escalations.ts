/**
 * What an internal alert of a follow-up's plan is about, as a sentence for the firm's people (the
 * API sends the reason's code). The words are the escalation emails' own, from the domain
 * (domain/follow-ups/escalation-text.ts): one source, so the page and the email never disagree; a
 * code this build does not know yet still reads as words, never as a code.
 */
import { escalationSentence } from '../../../domain/follow-ups/escalation-text';

export function escalationReasonText(code: string): string {
  return escalationSentence(code);
}
