/**
 * GSTIN checks as the user types. The rule itself is the domain's pure module (the same code the
 * API validates with); this file only turns its verdicts into sentences for the form.
 */
import { gstinProblem, STATE_CODES } from '../../../domain/gstin';

const MESSAGES = {
  length: 'A GSTIN has 15 characters.',
  format: 'Not in the GSTIN format: state code, PAN, entity number, Z, check character.',
  state_code: 'The first two digits are not a state code.',
  check_character: 'The last character (check character) does not match: probably a typing mistake.',
} as const;

/** null when valid, else a sentence for the field. */
export function gstinMessage(raw: string): string | null {
  const problem = gstinProblem(raw);
  return problem ? MESSAGES[problem] : null;
}

export function stateOf(gstin: string): string | null {
  return STATE_CODES[gstin.trim().slice(0, 2)] ?? null;
}

/** GST state codes and names (for state pickers). */
export const STATES: Readonly<Record<string, string>> = STATE_CODES;
