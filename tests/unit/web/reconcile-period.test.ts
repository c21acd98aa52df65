/**
 * The Reconcile page's period for a quarterly (QRMP) filer: it starts on a quarter's last month, never
 * on a month inside a quarter (whose register or 2B the API refuses with `period_not_quarter_end`), and
 * says which month to choose instead when one is picked. Dates are instants, read in IST.
 */
import { defaultReconcilePeriod, reconcilePeriodHint } from '../../../web/src/lib/reconcile-period';

const at = (iso: string) => new Date(iso);

describe("the Reconcile page's period", () => {
  it("starts a quarterly filer on its quarter's last month: the running quarter, or in a quarter's first month the one just ended", () => {
    const days = ['2026-11-20T06:00:00Z', '2026-12-07T06:00:00Z', '2027-01-10T06:00:00Z', '2026-10-01T06:00:00Z', '2026-08-15T06:00:00Z'];
    expect(days.map((d) => defaultReconcilePeriod('quarterly', at(d)))).toEqual(['2026-12', '2026-12', '2026-12', '2026-09', '2026-09']);
  });

  it('starts a monthly filer, or a client not loaded yet, on last month in IST', () => {
    expect(defaultReconcilePeriod('monthly', at('2026-11-20T06:00:00Z'))).toBe('2026-10');
    expect(defaultReconcilePeriod(undefined, at('2026-11-20T06:00:00Z'))).toBe('2026-10');
    // 1 December 00:30 IST is still 30 November in UTC: India's date decides.
    expect(defaultReconcilePeriod('quarterly', at('2026-11-30T19:00:00Z'))).toBe('2026-12');
    expect(defaultReconcilePeriod('monthly', at('2026-11-30T19:00:00Z'))).toBe('2026-11');
  });

  it("names the quarter's last month when a quarterly filer's month inside a quarter is chosen", () => {
    expect(reconcilePeriodHint('2026-11', 'quarterly')).toBe('This client files quarterly: choose Dec 2026, the last month of Q3 FY 2026-27 (Oct–Dec 2026)');
    expect(reconcilePeriodHint('2026-07', 'quarterly')).toBe('This client files quarterly: choose Sep 2026, the last month of Q2 FY 2026-27 (Jul–Sep 2026)');
    expect([reconcilePeriodHint('2026-12', 'quarterly'), reconcilePeriodHint('2026-11', 'monthly'), reconcilePeriodHint('2026-11', undefined)]).toEqual([null, null, null]);
  });

  it("takes the API's answer for the month once it has loaded: a month before a change of frequency reads by the frequency it was filed at", () => {
    // Quarterly today, but monthly for November 2026 (the change applies from January 2027): the API's closesWith is null.
    expect(reconcilePeriodHint('2026-11', 'quarterly', null)).toBeNull();
    // Monthly today, but quarterly for August 2026 (before a change back to monthly): the API names September.
    expect(reconcilePeriodHint('2026-08', 'monthly', '2026-09')).toBe('This client files quarterly: choose Sep 2026, the last month of Q2 FY 2026-27 (Jul–Sep 2026)');
    // Not loaded yet (undefined): today's frequency stands in.
    expect(reconcilePeriodHint('2026-11', 'quarterly', undefined)).toBe('This client files quarterly: choose Dec 2026, the last month of Q3 FY 2026-27 (Oct–Dec 2026)');
  });
});
