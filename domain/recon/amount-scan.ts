/**
 * The common shapes of an amount cell read in one pass over its character codes, with no regular
 * expression, substring or result object: `1,23,456.78`, `1234.5`, `-250`, `(1,000.00)`,
 * `1,000 Cr` / `1,000 Dr`. A register of a lakh rows has seven amount cells a row, and parseAmount's
 * general path (currency markers, suffixes, grouping checks by regular expression) cost more than
 * the rest of the row's reading.
 *
 * `scanAmount` answers exactly what `parseAmount(text)` answers for the shapes it accepts; for
 * anything else (currency markers, other suffixes, spaces, bad grouping, very long numbers) it
 * returns NaN and the caller asks parseAmount, which also words the error. The two are compared on
 * generated cells in tests/unit/recon/amount-scan.test.ts.
 */

const ZERO = 48;
const NINE = 57;
const COMMA = 44;
const DOT = 46;
/** More integer digits than this go to parseAmount (its "too large" check; ours stays exact). */
const MAX_INT_DIGITS = 13;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/**
 * Paise of a plain number `d[,d…][.d…]` between `from` and `to` (exclusive), or NaN when it is not
 * one or its digit grouping is neither Indian (`1,23,45,678`) nor Western (`12,345,678`).
 */
function scanNumber(s: string, from: number, to: number): number {
  let rupees = 0;
  let digits = 0;
  // Digit groups between commas: the first group's length, the current one's, and whether every
  // group after the first is 3 long (Western) or every middle group 2 and the last 3 (Indian).
  let groups = 1;
  let first = 0;
  let run = 0;
  let western = true;
  let middleTwos = true;
  let i = from;
  for (; i < to; i += 1) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      rupees = rupees * 10 + (c - ZERO);
      digits += 1;
      run += 1;
      continue;
    }
    if (c === COMMA) {
      if (run === 0) return NaN;
      if (groups === 1) first = run;
      else {
        if (run !== 3) western = false;
        if (run !== 2) middleTwos = false;
      }
      groups += 1;
      run = 0;
      continue;
    }
    if (c === DOT) break;
    return NaN;
  }
  if (digits === 0 || digits > MAX_INT_DIGITS) return NaN;
  if (groups > 1) {
    // The last group: Western wants 3 like the others; Indian wants 3 after middle groups of 2.
    if (run !== 3) return NaN;
    const indian = first <= 2 && middleTwos;
    if (!(indian || (western && first <= 3))) return NaN;
  }
  let paise = rupees * 100;
  if (i < to) {
    // Fraction: digits only; two decimals kept, half away from zero on the third.
    let k = 0;
    for (i += 1; i < to; i += 1, k += 1) {
      const c = s.charCodeAt(i);
      if (!isDigit(c)) return NaN;
      if (k === 0) paise += (c - ZERO) * 10;
      else if (k === 1) paise += c - ZERO;
      else if (k === 2 && c - ZERO >= 5) paise += 1;
    }
  }
  return paise;
}

/** True when `s` ends in `cr`/`dr` (any case) at `end`. */
function crDrAt(s: string, end: number): 'cr' | 'dr' | null {
  if (end < 2) return null;
  const r = s.charCodeAt(end - 1) | 0x20;
  if (r !== 0x72) return null; // r
  const c = s.charCodeAt(end - 2) | 0x20;
  if (c === 0x63) return 'cr';
  if (c === 0x64) return 'dr';
  return null;
}

/**
 * Paise of an already trimmed, non-empty amount text in one of the common shapes, or NaN when
 * parseAmount must decide. A `Cr` suffix is negative, as parseAmount reads it by default.
 */
export function scanAmount(s: string): number {
  const n = s.length;
  if (n === 0) return NaN;
  const c0 = s.charCodeAt(0);
  let negative = false;
  let from = 0;
  let to = n;
  if (c0 === 0x28) {
    // `(1,000.00)`: only a plain number inside.
    if (s.charCodeAt(n - 1) !== 0x29) return NaN;
    negative = true;
    from = 1;
    to = n - 1;
  } else if (c0 === 0x2d) {
    negative = true;
    from = 1;
  } else {
    const suffix = crDrAt(s, n);
    if (suffix !== null) {
      to = n - 2;
      if (to > 0 && s.charCodeAt(to - 1) === 0x20) to -= 1;
      if (suffix === 'cr') negative = true;
    }
  }
  if (from >= to || !isDigit(s.charCodeAt(from))) return NaN;
  const paise = scanNumber(s, from, to);
  if (paise !== paise) return NaN;
  return negative && paise !== 0 ? -paise : paise;
}
