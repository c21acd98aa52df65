/**
 * The Reconcile page's period for a quarterly (QRMP) filer: it starts on a quarter's last month, never
 * on a month inside a quarter (whose register or 2B the API refuses with `period_not_quarter_end`), and
 * says which month to choose instead when one is picked. Dates are instants, read in IST.
 */
import { BEFORE_GST_RULE } from '../../../domain/periods';
import { defaultReconcilePeriod, reconcilePeriodDescription, reconcilePeriodHint } from '../../../web/src/lib/reconcile-period';

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

  it('never steers to a month before GST: it says the rule the API refuses with, for any frequency', () => {
    const now = at('2026-12-07T06:00:00Z');
    const hints = [reconcilePeriodHint('2017-05', 'quarterly', undefined, now), reconcilePeriodHint('2016-01', 'quarterly', undefined, now), reconcilePeriodHint('2017-06', 'monthly', undefined, now), reconcilePeriodHint('2017-05', 'quarterly', '2017-06', now)];
    expect(hints).toEqual([BEFORE_GST_RULE, BEFORE_GST_RULE, BEFORE_GST_RULE, BEFORE_GST_RULE]);
    expect(BEFORE_GST_RULE).toBe('GST began in July 2017: a period is 2017-07 or later');
    // The first GST month is a period like any other.
    expect([reconcilePeriodHint('2017-07', 'monthly', undefined, now), reconcilePeriodHint('2017-09', 'quarterly', undefined, now)]).toEqual([null, null]);
    expect(reconcilePeriodHint('2017-08', 'quarterly', undefined, now)).toBe('This client files quarterly: choose Sep 2017, the last month of Q2 FY 2017-18 (Jul–Sep 2017)');
  });

  it('says a period has not begun yet (the API answers 422 period_not_begun), from the day it takes uploads', () => {
    const now = at('2026-12-07T06:00:00Z');
    expect(reconcilePeriodHint('2027-03', 'quarterly', undefined, now)).toBe('Q4 FY 2026-27 (Jan–Mar 2027) has not begun yet: files for it can be uploaded from 01-01-2027. Check the year and month');
    expect(reconcilePeriodHint('2027-02', 'quarterly', undefined, now)).toBe('Q4 FY 2026-27 (Jan–Mar 2027) has not begun yet: files for it can be uploaded from 01-01-2027. Check the year and month');
    expect(reconcilePeriodHint('2027-01', 'monthly', undefined, now)).toBe('Jan 2027 has not begun yet: files for it can be uploaded from 01-01-2027. Check the year and month');
    // The running period has begun: a quarterly filer's running quarter, a monthly filer's running month.
    expect([reconcilePeriodHint('2026-12', 'quarterly', undefined, now), reconcilePeriodHint('2026-12', 'monthly', undefined, now)]).toEqual([null, null]);
    // 1 January 00:30 IST is still 31 December in UTC: India's date decides.
    expect(reconcilePeriodHint('2027-01', 'monthly', undefined, at('2026-12-31T19:00:00Z'))).toBeNull();
  });

  it("tells only a quarterly filer how its periods are named; a monthly filer's field says nothing by default", () => {
    expect(reconcilePeriodDescription(null, 'monthly')).toBeNull();
    expect(reconcilePeriodDescription(null, undefined)).toBeNull();
    expect(reconcilePeriodDescription(null, 'quarterly')).toBe("A quarterly filer's period is the quarter's last month");
    expect(reconcilePeriodDescription(BEFORE_GST_RULE, 'monthly')).toBe(BEFORE_GST_RULE);
  });
});
