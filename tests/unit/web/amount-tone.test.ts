/** A colour only for a real amount: ₹0.00 at risk or to confirm is no shortfall, and never "-₹0.00". */
import { amountTone, isZeroRupees } from '../../../web/src/lib/amount-tone';
import { formatRupees } from '../../../web/src/lib/format';

describe('colouring amounts', () => {
  it('colours only an amount that is not zero to the paisa', () => {
    const cases: Array<[number | null | undefined, string | undefined]> = [
      [0, undefined],
      [-0, undefined],
      [0.004, undefined],
      [-0.004, undefined],
      [null, undefined],
      [undefined, undefined],
      [Number.NaN, undefined],
      [0.005, 'red.8'],
      [0.01, 'red.8'],
      [-12.5, 'red.8'],
      [180000, 'red.8'],
    ];
    expect(cases.map(([value]) => [value, amountTone(value, 'red.8')])).toEqual(cases);
    expect([isZeroRupees(0), isZeroRupees(1)]).toEqual([true, false]);
  });

  it('writes a zero difference as ₹0.00, never with a minus sign', () => {
    expect([formatRupees(-0), formatRupees(-0.001), formatRupees(Math.round((100.001 - 100.004) * 100) / 100)]).toEqual(['₹0.00', '₹0.00', '₹0.00']);
    expect(formatRupees(-0.01)).toBe('-₹0.01');
  });
});
