/**
 * The runs tables (Home, a client's page, Reconciliations) name a run's period as the periods list
 * does: the server's `periodLabel`, so a quarterly filer's June run reads as its quarter, not "Jun 2024".
 */
import { periodLabel } from '../../../domain/calendar/period-label';
import { periodText } from '../../../web/src/lib/format';

describe("a run's period in the runs table", () => {
  it("is the server's label: a quarterly filer's quarter by its quarter", () => {
    const quarterly = { period: '2024-06', periodLabel: periodLabel('2024-06', 'quarterly') };
    expect(periodText(quarterly)).toBe('Q1 FY 2024-25 (Apr–Jun 2024)');
    expect(periodText({ period: '2024-06', periodLabel: 'Jun 2024' })).toBe('Jun 2024');
  });

  it('falls back to the month only for a row without a label', () => {
    expect(periodText({ period: '2024-06' })).toBe('Jun 2024');
    expect(periodText({ period: '2024-06', periodLabel: null })).toBe('Jun 2024');
  });
});
