/**
 * The users page's "Send password reset link" (web/src/lib/password-reset.ts): who gets the button,
 * what the dialog promises, and the API's refusals shown as they came, a 429 with its Retry-After.
 */
import { ApiError } from '../../../web/src/http/api-error';
import { maySendReset, resetConfirmText, resetRefusalText, waitText } from '../../../web/src/lib/password-reset';

describe('send password reset link', () => {
  it('is offered for active users other than the admin themself', () => {
    const me = { id: 'a' };
    expect([{ id: 'a', active: true }, { id: 'b', active: true }, { id: 'c', active: false }].map((u) => maySendReset(u, me))).toEqual([false, true, false]);
  });

  it('says in the dialog that the link goes to the user\'s own address and ends earlier links', () => {
    expect(resetConfirmText({ name: 'Priya Iyer', email: 'priya@iyer.example' })).toBe(
      'Email Priya Iyer a link to choose a new password? It goes to priya@iyer.example only, works once for 30 minutes, and any earlier link stops working. Their password stays as it is until they use it.',
    );
  });

  it('shows a 422 in the API\'s own words', () => {
    const inactive = new ApiError(422, 'user_inactive', 'This user is deactivated; reactivate them before sending a reset link.');
    expect(resetRefusalText(inactive)).toBe('This user is deactivated; reactivate them before sending a reset link.');
  });

  it('adds the wait a 429 names: the Retry-After header first, else the body\'s retryAfterSeconds', () => {
    const message = 'Too many attempts; try again later.';
    expect([
      resetRefusalText(new ApiError(429, 'rate_limited', message, { retryAfterSeconds: 9 }, 2400)),
      resetRefusalText(new ApiError(429, 'rate_limited', message, { retryAfterSeconds: 61 })),
      resetRefusalText(new ApiError(429, 'rate_limited', message)),
    ]).toEqual([`${message} Try again in 40 minutes.`, `${message} Try again in 2 minutes.`, message]);
  });

  it('words a wait rounded up, never as zero', () => {
    expect([0, 1, 60, 61, 3599, 3600, 3601, 7200].map(waitText)).toEqual(['1 minute', '1 minute', '1 minute', '2 minutes', '1 hour', '1 hour', '2 hours', '2 hours']);
  });
});
