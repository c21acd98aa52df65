/** What the account-link pages say when the API refuses a link. No DOM, so the unit tests run it. */
import { ApiError } from '../http/api-error';

/**
 * A used, expired or superseded reset link (410 `link_expired`) in plain words with what to do next;
 * a token that cannot be one (400: cut off when copied) likewise; anything else as the API said it.
 */
export const RESET_LINK_GONE =
  'This password reset link no longer works: it was already used, a newer link replaced it, or its 30 minutes ran out. Ask for a new link below and use the newest email. If you have just chosen a new password, sign in with it.';

/**
 * `/reset` with no code after it (the link's address cut off when copied, or typed from memory): not
 * a link at all, so nothing to check; what the address needs and how to get a new link.
 */
export const RESET_LINK_INCOMPLETE =
  'This address is not a whole password reset link: the code after /reset/ is missing. Open the link in the email itself (or copy all of it, to its last character), or ask for a new link with "Forgot your password?" on the sign-in page.';

export function resetLinkRefusal(error: unknown): string {
  if (error instanceof ApiError && (error.status === 410 || (error.status === 400 && error.code === 'invalid_input'))) return RESET_LINK_GONE;
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/**
 * Whether a failed link check means the link itself cannot be used, so the page withholds the form:
 * only the API's answer about the link (410 used, expired or replaced; 400 a token it cannot be).
 * A network fault, a 5xx or a 429 says nothing about the link, and the form stays: the API checks
 * the link again when the password is sent.
 */
export function linkCheckRefusesLink(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 410 || error.status === 400);
}

/**
 * Whether to check the link again after `failures` failed checks: up to three times for a network
 * fault or a 5xx, never for a 4xx (the same answer again; a 429 would only count against the wait).
 */
export function retryLinkCheck(failures: number, error: unknown): boolean {
  if (failures >= 3) return false;
  return !(error instanceof ApiError && error.status < 500);
}
