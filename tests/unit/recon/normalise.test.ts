import {
  billOfEntryKey, canonicalKey, canonicalOnly, cleanGstin, cleanKey, invoiceKeys, isFuzzyNumberMatch, osaDistance, panOf,
  parsePlaceOfSupply, parseYesNo, signOf,
} from '../../../domain/recon';
import fc from 'fast-check';
import { SUP_A } from './builders';

const key = (raw: string, fy: number | null) => canonicalKey(cleanKey(raw), fy);

describe('clean key (docs/reconciliation.md, "Normalisation")', () => {
  it('upper-cases, drops all whitespace and trailing dots', () => {
    expect(cleanKey(' inv / 12 .. ')).toBe('INV/12');
    expect(cleanKey('a\tb\nc.')).toBe('ABC');
    expect(cleanKey('1.5')).toBe('1.5');
  });

  it('cleans exactly the numbers the clean-key rule applies to (white space anywhere, any case, trailing dots)', () => {
    // The rule as a regular expression, the way it reads in the reference: clean when a number has
    // white space, a lower-case letter, a dot or anything outside printable ASCII.
    const reference = (raw: string) => (/[\sa-z.]|[^\x20-\x7e]/.test(raw) ? raw.toUpperCase().replace(/\s+/g, '').replace(/\.+$/, '') : raw);
    const chars = fc.constantFrom('A', 'z', 'q', '0', '9', '/', '-', '.', ' ', '\t', '\n', '\u00a0', '\u2003', '\u0007', '\u007f', 'é', '~', '|');
    fc.assert(fc.property(fc.array(chars, { maxLength: 12 }).map((a) => a.join('')), (raw) => {
      expect(cleanKey(raw)).toBe(reference(raw));
    }), { numRuns: 2_000 });
  });
});

describe('canonical key (docs/reconciliation.md, "Normalisation")', () => {
  it.each([
    ['MS/24-25/0101', 2024, 'MS101', '101', 'MS'],
    ['ms-2024-25-101', 2024, 'MS101', '101', 'MS'],
    ['0101', 2024, '101', '101', ''],
    ['INV/DEL/112/1819', 2018, 'INVDEL112', '112', 'INVDEL'],
    ['TRI/18-19/2186', 2018, 'TRI2186', '2186', 'TRI'],
    ['BILL-23-00040', 2024, 'BILL2340', '40', 'BILL'],
    ['INV0012', 2024, 'INV12', '12', 'INV'],
    ['A/007/B', 2024, 'A7B', '7', 'A'],
  ])('%s (FY %i) → %s', (raw, fy, canonical, tail, prefix) => {
    expect(key(raw, fy)).toEqual({ canonical, tail, prefix });
  });

  it.each([
    '2024-2025', '2024/2025', '20242025', '2024-25', '2024/25', '202425', '24-25', '24/25', '2425',
  ])('removes the FY token %s when bounded by separators', (token) => {
    expect(key(`INV/${token}/7`, 2024).canonical).toBe('INV7');
  });

  it('removes the neighbouring FYs too, but not a far one', () => {
    expect(key('INV/23-24/7', 2024).canonical).toBe('INV7');
    expect(key('INV/25-26/7', 2024).canonical).toBe('INV7');
    expect(key('INV/21-22/7', 2024).canonical).toBe('INV21227');
  });

  it('leaves FY-looking digits alone when not bounded by separators', () => {
    expect(key('INV-24-2567', 2024).canonical).toBe('INV242567');
    expect(key('INV12425', 2024).canonical).toBe('INV12425');
  });

  it('without a date no FY token is removed', () => {
    expect(key('INV/24-25/7', null).canonical).toBe('INV24257');
  });

  it('falls back to the clean key when nothing is left', () => {
    expect(key('24-25', 2024).canonical).toBe('24-25');
    expect(key('//', 2024).canonical).toBe('//');
  });

  it('different numbers can collide canonically (why P2 is never exact)', () => {
    expect(key('A-1-23', 2024).canonical).toBe(key('A-12-3', 2024).canonical);
  });

  it('invoiceKeys returns all three keys', () => {
    expect(invoiceKeys('ms/24-25/0101.', 2024)).toEqual({ clean: 'MS/24-25/0101', canonical: 'MS101', tail: '101', prefix: 'MS' });
  });
});

describe('fuzzy number rule (docs/reconciliation.md, "The fuzzy-number rule")', () => {
  const fz = (a: string, b: string) => isFuzzyNumberMatch(key(a, 2024), key(b, 2024));
  it.each([
    ['INV1001', 'INV1010'],
    ['INV5', 'IVN5'],
    ['2186', 'TRI/18-19/2186'],
    ['101', 'MS/24-25/0101'],
    ['ABCD12', 'ABCE12'],
  ])('%s ~ %s', (a, b) => expect(fz(a, b)).toBe(true));

  it.each([
    ['12', '120'],
    ['SI/1', 'SI/10'],
    ['SI1', 'SI10'],
    ['100', '1000'],
    ['12', '112'],
    ['AB101', 'CD101'],
    ['INV12', 'INV345'],
  ])('%s !~ %s', (a, b) => expect(fz(a, b)).toBe(false));

  it('computes the optimal-string-alignment distance', () => {
    expect(osaDistance('INV1001', 'INV1010')).toBe(1);
    expect(osaDistance('ABC', 'ABC')).toBe(0);
    expect(osaDistance('CA', 'ABC')).toBe(3);
    expect(osaDistance('', 'ABC')).toBe(3);
    expect(osaDistance('KITTEN', 'SITTING')).toBe(3);
  });
});

describe('GSTIN, PAN, POS, flags', () => {
  it('cleans internal spaces and dots before the shared normaliser', () => {
    expect(cleanGstin(` ${SUP_A.slice(0, 5).toLowerCase()} ${SUP_A.slice(5, 10)}.${SUP_A.slice(10)} `)).toBe(SUP_A);
    expect(cleanGstin(undefined)).toBe('');
  });

  it('extracts a PAN only from a 15-character GSTIN with a PAN shape', () => {
    expect(panOf(SUP_A)).toBe('AAJCM4455Q');
    expect(panOf('27AAJCM')).toBe('');
    expect(panOf('27123456789012Z')).toBe('');
  });

  it.each([
    ['27', '27'], [27, '27'], ['7', '07'], ['27-Maharashtra', '27'], ['Maharashtra', '27'],
    ['tamil nadu', '33'], ['Jammu & Kashmir', '01'], ['96', '96'], ['Other Countries', '96'],
  ])('place of supply %p → %s', (raw, code) => expect(parsePlaceOfSupply(raw)).toBe(code));

  it.each(['', '55', 'Atlantis', null])('place of supply %p is not understood', (raw) => {
    expect(parsePlaceOfSupply(raw)).toBeNull();
  });

  it.each([['Y', true], ['yes', true], ['TRUE', true], ['1', true], [1, true], ['N', false], ['No', false], ['false', false], ['0', false], ['maybe', null], ['', null]])(
    'yes/no %p → %p', (raw, v) => expect(parseYesNo(raw)).toBe(v),
  );

  it('signs documents by type', () => {
    expect(signOf('invoice')).toBe(1);
    expect(signOf('debit_note')).toBe(1);
    expect(signOf('bill_of_entry')).toBe(1);
    expect(signOf('isd_invoice')).toBe(1);
    expect(signOf('credit_note')).toBe(-1);
    expect(signOf('isd_credit_note')).toBe(-1);
  });

  it('bill-of-entry key keeps digits only, without leading zeros', () => {
    expect(billOfEntryKey('BE/0012345')).toBe('12345');
    expect(billOfEntryKey(12345)).toBe('12345');
    expect(billOfEntryKey('000')).toBe('0');
  });
});

describe('canonicalOnly', () => {
  it('equals canonicalKey(…).canonical on random numbers built from FY-token-like pieces', () => {
    let seed = 1;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = ['0', '00', '1', '2', '4', '5', '2024', '25', '2025', '24', '2023', '202425', '20242025', '242025', '2425',
      '/', '-', '/', '-', 'A', 'B', 'CN', '.', '_', ' ', '//', '--', '0001', '2526', 'INV'];
    const fys = [null, 2024, 2023, 2025, Number.NaN, 99, 2000];
    let mismatches = 0;
    for (let n = 0; n < 50_000; n += 1) {
      let str = '';
      const len = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < len; k += 1) str += pieces[Math.floor(rnd() * pieces.length)];
      const fy = fys[Math.floor(rnd() * fys.length)]!;
      if (canonicalOnly(str, fy) !== canonicalKey(str, fy).canonical) mismatches += 1;
    }
    expect(mismatches).toBe(0);
    expect(canonicalOnly('ABC/2024-25/000123', 2024)).toBe('ABC123');
    expect(canonicalOnly('2024-25', 2024)).toBe('2024-25');
  });
});
