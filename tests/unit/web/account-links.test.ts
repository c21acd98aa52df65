/** The reset page's link check: only the API's answer about the link withholds the form; faults are asked again. */
import { ApiError } from '../../../web/src/http/api-error';
import { linkCheckRefusesLink, resetLinkRefusal, retryLinkCheck } from '../../../web/src/lib/account-links';

const answer = (status: number, code: string) => new ApiError(status, code, `${code} said`);

describe('the reset link check as the page opens', () => {
  it('withholds the form only for an answer about the link itself', () => {
    const cases: Array<[unknown, boolean]> = [
      [answer(410, 'link_expired'), true],
      [answer(400, 'invalid_input'), true],
      [answer(429, 'rate_limited'), false],
      [answer(500, 'internal'), false],
      [answer(503, 'unavailable'), false],
      [new TypeError('Failed to fetch'), false],
    ];
    for (const [error, refuses] of cases) expect({ error: String(error), refuses: linkCheckRefusesLink(error) }).toEqual({ error: String(error), refuses });
  });

  it('asks again up to three times for a network fault or a 5xx, never for a 4xx', () => {
    expect([0, 1, 2, 3].map((n) => retryLinkCheck(n, new TypeError('Failed to fetch')))).toEqual([true, true, true, false]);
    expect([0, 2].map((n) => retryLinkCheck(n, answer(503, 'unavailable')))).toEqual([true, true]);
    for (const status of [400, 404, 410, 429]) expect({ status, retry: retryLinkCheck(0, answer(status, 'x')) }).toEqual({ status, retry: false });
  });

  it('says a used, replaced, expired or cut-off link plainly with what to do next, anything else as the API said it', () => {
    const said = 'This password reset link no longer works: it was already used, a newer link replaced it, or its 30 minutes ran out. Ask for a new link below and use the newest email. If you have just chosen a new password, sign in with it.';
    expect(resetLinkRefusal(answer(410, 'link_expired'))).toBe(said);
    expect(resetLinkRefusal(answer(400, 'invalid_input'))).toBe(said);
    expect(resetLinkRefusal(answer(429, 'rate_limited'))).toBe('rate_limited said');
  });
});
