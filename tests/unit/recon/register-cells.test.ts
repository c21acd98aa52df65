/**
 * The register sink's shortcuts (register-cells.ts) answer what the work they skip would answer:
 * a total word is found exactly where the total-row pattern finds one, a text taken as already
 * trimmed is its own trim, and the date memo answers what parseDate answers for every text,
 * including the dd-mm-yyyy texts it remembers by their digits.
 */
import fc from 'fast-check';
import { parseDate } from '../../../domain/recon/dates';
import { CellMemos, dashedDateKey, isTotalWord, isTrimmed, TOTAL_ROW } from '../../../domain/recon/register-cells';

const words = fc.constantFrom(
  'Grand Total', 'grandtotal', 'TOTAL', 'Total:', 'Totals', 'total ', 'Sub-Total', 'SUB  total', 'sub total', 'Subtotal', 'Page Total',
  'page  TOTAL', 'Carried Over', 'carriedover', 'Brought Forward', 'broughtforward', 'Supplier 12 Pvt Ltd', 'Purchase', 'Sub', 'su',
  'To', 'Gr', 'tot', 'Bro', 'Carry', 'Pag', 'ſub total', 'Sub\u00a0Total', 'TOTAL\u212a', '', ' total', 'Ｔotal',
);
const cellText = fc.oneof(words, fc.tuple(words, fc.string({ maxLength: 6 })).map(([a, b]) => a + b), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));

describe('register-cells shortcuts', () => {
  it('isTotalWord finds a total word exactly where the pattern does', () => {
    fc.assert(fc.property(cellText, (t) => {
      if (t === '') return; // the sink asks only about filled cells
      const want = TOTAL_ROW.test(t);
      if (isTotalWord(t) !== want) throw new Error(`${JSON.stringify(t)}: pattern ${want}, isTotalWord ${!want}`);
    }), { numRuns: 20_000 });
  });

  it('isTrimmed holds only for a text that is its own trim', () => {
    const ends = fc.constantFrom(' ', '\t', '\u00a0', '\ufeff', '\u3000', '\u2028', '\u0085', 'a', '1', '"', '~', '\u007f', 'é', '₹', '');
    fc.assert(fc.property(ends, fc.string({ maxLength: 5 }), ends, (a, mid, z) => {
      const t = a + mid + z;
      if (isTrimmed(t) && t.trim() !== t) throw new Error(`${JSON.stringify(t)} taken as trimmed, but trim gives ${JSON.stringify(t.trim())}`);
    }), { numRuns: 20_000 });
    expect(isTrimmed('')).toBe(true);
    expect(isTrimmed('a b')).toBe(true);
  });

  it('the date memo answers parseDate, dd-mm-yyyy texts included', () => {
    const digit = fc.constantFrom('0', '1', '2', '3', '9', '5');
    const dashed = fc.tuple(digit, digit, digit, digit, fc.constantFrom('2024', '2025', '1999', '0000', '9999', '2100', '2023'))
      .map(([a, b, c, d, y]) => `${a}${b}-${c}${d}-${y}`);
    const others = fc.constantFrom('1-4-2024', '01/04/2024', '01-04-24', '2024-04-01', '01-Apr-2024', '45383', ' 01-04-2024', '01-04-2024 ', '0１-04-2024', '01-04-202x', 'ab-cd-efgh', '01.04.2024', '');
    const memos = new CellMemos();
    fc.assert(fc.property(fc.array(fc.oneof(dashed, others), { minLength: 1, maxLength: 20 }), (texts) => {
      for (const t of texts) {
        const want = JSON.stringify(parseDate(t));
        const got = JSON.stringify(memos.date(t));
        if (got !== want) throw new Error(`${JSON.stringify(t)}: parseDate ${want}, memo ${got}`);
      }
    }), { numRuns: 2_000 });
    expect(dashedDateKey('31-12-2024')).toBe(31122024);
    expect(dashedDateKey('31/12/2024')).toBe(-1);
    expect(dashedDateKey('3a-12-2024')).toBe(-1);
  });

  it('the date memo counts serials in the workbook date system set after texts were remembered', () => {
    const memos = new CellMemos();
    expect(JSON.stringify(memos.date('01-04-2024'))).toBe(JSON.stringify(parseDate('01-04-2024')));
    memos.useDateSystem('1904');
    expect(JSON.stringify(memos.date('01-04-2024'))).toBe(JSON.stringify(parseDate('01-04-2024', '1904')));
    expect(JSON.stringify(memos.date(45383))).toBe(JSON.stringify(parseDate(45383, '1904')));
  });
});
