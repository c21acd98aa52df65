/**
 * Password rules: 12 to 128 characters, not the account's email (or its local part), and not in
 * the bundled list of common passwords (zxcvbn-ts's list of about 49,000 leaked favourites).
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { normaliseEmail } from '../../domain/email';

const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

export type PasswordProblem = 'too_short' | 'too_long' | 'same_as_email' | 'too_common';

export function passwordProblem(password: string, email: string): PasswordProblem | null {
  if (password.length < 12) return 'too_short';
  if (password.length > 128) return 'too_long';
  const lower = password.toLowerCase();
  // The address as every lookup compares it (domain/email.ts), so "Ravi@X" is refused as "ravi@x".
  const mail = normaliseEmail(email);
  if (lower === mail || lower === mail.split('@')[0]) return 'same_as_email';
  if (COMMON.has(lower)) return 'too_common';
  return null;
}

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: 'must be at least 12 characters',
  too_long: 'must be at most 128 characters',
  same_as_email: 'must not be the email address',
  too_common: 'is too common; choose one that is not on lists of leaked passwords',
};
