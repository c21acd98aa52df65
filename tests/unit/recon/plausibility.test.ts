/** Plausibility of an import's dates (domain/recon/plausibility.ts): the window, "mostly", and the kinds. */
import { plausibilityWarnings, plausibleWindow } from '../../../domain/recon/plausibility';

const many = (date: string, n: number) => Array.from({ length: n }, () => date);

describe('plausibility of an import', () => {
  it('allows the period and the earlier periods of the look-back (two financial years before)', () => {
    expect(plausibleWindow('2024-06')).toEqual({ from: '2022-04-01', to: '2024-06-30' });
    expect(plausibleWindow('2025-02')).toEqual({ from: '2022-04-01', to: '2025-02-28' });
    expect(plausibilityWarnings({ kind: 'purchase_register', period: '2024-06', dates: [...many('2024-06-05', 3), ...many('2022-04-01', 5)] })).toEqual([]);
  });

  it('warns when most documents are dated after the period or before the window', () => {
    const later = plausibilityWarnings({ kind: 'purchase_register', period: '2024-06', dates: [...many('2024-07-01', 6), ...many('2024-06-30', 4)] });
    expect(later).toEqual([expect.objectContaining({ code: 'dates_outside_period', count: 6 })]);
    expect(later[0]!.message).toMatch(/6 of 10 documents are dated after the period \(2024-06-30\).*register/);
    const earlier = plausibilityWarnings({ kind: 'gstr2b', period: '2024-06', dates: many('2022-03-31', 2) });
    expect(earlier[0]!.message).toMatch(/before 2022-04-01.*GSTR-2B/);
  });

  it('says nothing when half or fewer are outside, or when there are no dates', () => {
    expect(plausibilityWarnings({ kind: 'purchase_register', period: '2024-06', dates: [...many('2024-08-01', 5), ...many('2024-06-01', 5)] })).toEqual([]);
    expect(plausibilityWarnings({ kind: 'gstr2a', period: '2024-06', dates: [] })).toEqual([]);
  });
});
