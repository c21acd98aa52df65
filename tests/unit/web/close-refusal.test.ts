/**
 * The period page's words for a close asked before the period is over (web/src/lib/close-window.ts,
 * used by web/src/lib/close-refusal.ts), and what the app offers before then: the API's `closable`, decided
 * on the server's date in India, with `closableFrom` as the hint.
 */
import { closeRefusalOf as closeRefusal } from '../../../web/src/lib/close-refusal';
import { ApiError } from '../../../web/src/http/api-error';
import { awaitsCloseWindow, closeNotYet, nextStep, notEndedRefusal } from '../../../web/src/lib/close-window';

describe('a close refused because the period is not over', () => {
  it('says when the period can be closed, as an Indian date', () => {
    expect(notEndedRefusal('2027-01-01')).toEqual({
      title: 'The period is not over yet',
      message: 'This period can be closed from 01-01-2027, once its last day is over (invoices for it may still arrive until then).',
    });
  });

  it('still reads when the API left the date out', () => {
    expect(notEndedRefusal(undefined).message).toBe('This period can be closed once its last day is over (invoices for it may still arrive until then): ask again after it ends.');
  });

  it("is what the period page shows for the API's 422 period_not_ended", () => {
    const refused = new ApiError(422, 'period_not_ended', 'Period 2026-12 has not ended yet', { period: '2026-12', closableFrom: '2027-01-01', fields: { period: 'not over yet' } });
    expect(closeRefusal(refused)).toEqual({
      title: 'The period is not over yet',
      message: 'This period can be closed from 01-01-2027, once its last day is over (invoices for it may still arrive until then).',
    });
  });
});

describe('the close offered only once the period is over', () => {
  it("waits while the API says the period is not closable, whatever the browser's date", () => {
    expect([closeNotYet({ closable: false, closableFrom: '2027-01-01' }), closeNotYet({ closable: true, closableFrom: '2027-01-01' })]).toEqual(['can be closed from 01-01-2027', null]);
  });

  it("tells a preparer on home when a reconciled period can be closed, and that it can once it is over", () => {
    const reconciled = (closable: boolean) => ({ latestRun: { runId: 'r', status: 'completed' as const, completedAt: '2026-12-05T10:00:00Z' }, closableFrom: '2027-01-01', closable });
    expect([nextStep(reconciled(false), true), nextStep(reconciled(true), true), nextStep(reconciled(false), false)]).toEqual([
      'Reconciled: can be closed from 01-01-2027',
      'Reconciled: ready to ask for the close',
      'Reconciled',
    ]);
  });

  it('rechecks with the server only while a period that could be asked for its close waits for its window', () => {
    const p = (state: 'open' | 'reopened' | 'close_requested' | 'closed', closable: boolean) => ({ state, closable, closableFrom: '2027-01-01' });
    expect([
      awaitsCloseWindow([p('open', true), p('open', false)]),
      awaitsCloseWindow([p('reopened', false)]),
      awaitsCloseWindow([p('open', true), p('reopened', true)]),
      // A waiting request or a closed period is not offered a close: nothing to recheck for.
      awaitsCloseWindow([p('close_requested', false), p('closed', false)]),
      awaitsCloseWindow([]),
    ]).toEqual([true, true, false, false, false]);
  });

  it("points a quarterly filer's month inside a quarter to its quarter, and never waits for it to turn closable", () => {
    const inside = { closable: false, closableFrom: '2027-01-01', closesWith: '2026-12' };
    expect(closeNotYet(inside)).toBe('closed with its quarter, Q3 FY 2026-27 (Oct–Dec 2026)');
    expect(nextStep({ latestRun: { runId: 'r', status: 'completed', completedAt: '2026-12-05T10:00:00Z' }, ...inside }, true)).toBe('Reconciled: closed with its quarter, Q3 FY 2026-27 (Oct–Dec 2026)');
    expect(closeNotYet({ closable: false, closableFrom: null, closesWith: null })).toBe('before GST: not a GST period');
    expect([
      awaitsCloseWindow([{ state: 'open', ...inside }]),
      awaitsCloseWindow([{ state: 'open', closable: false, closableFrom: null, closesWith: null }]),
      awaitsCloseWindow([{ state: 'open', closable: false, closableFrom: '2027-01-01', closesWith: null }]),
    ]).toEqual([false, false, true]);
  });
});
