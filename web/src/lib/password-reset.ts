/**
 * The words of a firm admin's "Send password reset link" (users page; docs/web-app.md): who may be
 * sent one, what the confirm dialog says, and the API's refusals as they came. Pure, so unit tests run it.
 */
import { ApiError } from '../http/api-error';

/** Only an active user can be sent a link: the API refuses a deactivated one (422 `user_inactive`). */
export function maySendReset(user: { id: string; active: boolean }, me: { id: string }): boolean {
  return user.active && user.id !== me.id;
}

/** The confirm dialog: the link goes to the user's own mailbox, never to the admin, and ends earlier links. */
export function resetConfirmText(user: { name: string; email: string }): string {
  return `Email ${user.name} a link to choose a new password? It goes to ${user.email} only, works once for 30 minutes, and any earlier link stops working. Their password stays as it is until they use it.`;
}

/** "1 minute", "59 minutes", "2 hours": a wait as a person reads it, rounded up (never "0 minutes"). */
export function waitText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.ceil(minutes / 60);
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}

/**
 * The API's refusal as it came: its own message, and for a 429 how long its `Retry-After` says to
 * wait (the header first, the body's `retryAfterSeconds` when a proxy dropped the header).
 */
export function resetRefusalText(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : 'Something went wrong.';
  if (error.status === 429) {
    const fromBody = typeof error.details.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : null;
    const seconds = error.retryAfterSeconds ?? fromBody;
    return seconds === null ? error.message : `${error.message} Try again in ${waitText(seconds)}.`;
  }
  return error.message;
}
