/**
 * The register sink's fast amount scanner must answer exactly what parseAmount answers whenever it
 * answers at all (NaN hands the cell to parseAmount). Compared on listed edge cases and on cells
 * generated from the characters amounts are written with.
 */
import fc from 'fast-check';
import { scanAmount } from '../../../domain/recon/amount-scan';
import { parseAmount } from '../../../domain/recon/amounts';

function agrees(text: string): void {
  const fast = scanAmount(text);
  if (Number.isNaN(fast)) return;
  const slow = parseAmount(text);
  expect({ text, result: slow }).toEqual({ text, result: { ok: true, paise: fast } });
}

describe('scanAmount', () => {
  it('reads the common shapes as parseAmount does', () => {
    const cases: Array<[string, number]> = [
      ['1,23,456.78', 12_345_678], ['12,345,678', 1_234_567_800], ['1234', 123_400], ['1234.5', 123_450],
      ['1234.565', 123_457], ['1234.564', 123_456], ['1234.', 123_400], ['0', 0], ['-0', 0], ['(0)', 0],
      ['-250', -25_000], ['(1,000.00)', -100_000], ['1,000 Cr', -100_000], ['1,000 Dr', 100_000], ['100cr', -10_000],
      ['100 DR', 10_000], ['0012', 1_200], ['1,00,00,000', 1_000_000_000], ['1.9999', 200],
    ];
    for (const [text, paise] of cases) {
      expect({ text, paise: scanAmount(text) }).toEqual({ text, paise });
      agrees(text);
    }
  });

  it('hands every other shape to parseAmount', () => {
    for (const text of ['', '₹ 1,000', 'Rs. 10', '+75', '1,000-', '1,2,3', '12,3456', '123,45,678', ',123', '1,,000', '1,000,',
      '(1,000) Cr', '(-5)', '- 40', '1 000', '1e5', '.5', '1.2.3', '1000cr.', '1,000  Cr', 'Dr', '()', '99999999999999']) {
      expect({ text, paise: scanAmount(text) }).toEqual({ text, paise: Number.NaN });
    }
  });

  it('agrees with parseAmount on generated cells', () => {
    const piece = fc.constantFrom('0', '1', '2', '5', '9', '00', '000', '12', '345', ',', ',', '.', '-', '(', ')', ' ', 'Cr', 'dr', 'CR', 'x', '₹', '+');
    fc.assert(fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), (parts) => {
      agrees(parts.join(''));
    }), { numRuns: 20_000 });
  });

  it('agrees with parseAmount on grouped numbers of every length', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 999 }), (n, grouping, wrap, frac) => {
        const digits = n.toString();
        const grouped = grouping === 0 ? digits
          : grouping === 1 ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
            : grouping === 2 ? digits.replace(/(\d)(?=(\d\d)+\d$)/g, '$1,') : digits.replace(/\B(?=(\d{2})+(?!\d))/g, ',');
        const body = frac % 4 === 0 ? grouped : `${grouped}.${String(frac).padStart(3, '0').slice(0, 1 + (frac % 3))}`;
        agrees([body, `-${body}`, `(${body})`, `${body} Cr`][wrap]!);
      }), { numRuns: 5_000 });
  });
});
