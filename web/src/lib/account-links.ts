/** What the account-link pages say when the API refuses a link. No DOM, so the unit tests run it. */
import { ApiError } from '../http/api-error';

/** A used, expired or superseded reset link (410 `link_expired`) in words with what to do; anything else as the API said it. */
export function resetLinkRefusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 410) return 'This link has expired or was already used. Ask for a new one.';
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}
