/**
 * Money as integer paise. Parsing accepts what Indian registers contain (docs/reconciliation.md,
 * "Inputs"): Indian and Western digit grouping, ₹ / Rs. / INR prefixes, negatives as `-1,000`,
 * `(1,000.00)`, `1,000-` or with a `Cr` / `Dr` suffix, blanks meaning 0, numbers stored as text.
 * Decimal strings are converted digit by digit so that no binary floating-point value ever holds
 * money.
 */
import type { Heads } from './types';

export type AmountResult = { ok: true; paise: number } | { ok: false; reason: string };

export interface ParseAmountOptions {
  /**
   * How a `Cr` suffix is read. In a purchase register, purchase and tax ledgers are debits, so a
   * `Cr` amount is a reversal (negative). The party column (Gross Total) is the opposite; callers
   * that read it should take the magnitude.
   */
  crIsNegative?: boolean;
}

/** Indian grouping: last 3 digits, then pairs (`1,23,45,678`); Western: triples (`12,345,678`). */
const INDIAN_GROUPED = /^\d{1,2}(,\d{2})*,\d{3}$/;
const WESTERN_GROUPED = /^\d{1,3}(,\d{3})+$/;
const PLAIN_DIGITS = /^\d+$/;

/**
 * Largest paise magnitude accepted: ₹10 lakh crore (₹10^13), far above any one document, and small
 * enough that a document's amounts summed over several lines stay exact integers (below 2^53, about
 * ₹90 lakh crore). The old bound (10^17 paise) was above 2^53, so a larger number read from a
 * spreadsheet or JSON lost its last digits instead of being refused (docs/reconciliation.md, "Inputs").
 */
export const MAX_PAISE = 1e15;

export function parseAmount(input: unknown, options: ParseAmountOptions = {}): AmountResult {
  if (input === null || input === undefined) return { ok: true, paise: 0 };
  if (typeof input === 'number') return paiseFromNumber(input);
  if (typeof input !== 'string') return { ok: false, reason: 'not a number' };
  let s = input.trim();
  if (s === '' || s === '-' || s === '--') return { ok: true, paise: 0 };
  let negative = false;
  // Currency markers before or after the sign.
  s = s.replace(/^(?:₹|rs\.?|inr)\s*/i, '');
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  const suffix = /\s*(cr|dr)\.?$/i.exec(s);
  if (suffix) {
    const isCr = suffix[1]!.toLowerCase() === 'cr';
    if (isCr && options.crIsNegative !== false) negative = !negative;
    s = s.slice(0, suffix.index).trim();
  }
  if (s.startsWith('-')) {
    negative = !negative;
    s = s.slice(1).trim();
  } else if (s.endsWith('-')) {
    negative = !negative;
    s = s.slice(0, -1).trim();
  } else if (s.startsWith('+')) {
    s = s.slice(1).trim();
  }
  s = s.replace(/^(?:₹|rs\.?|inr)\s*/i, '');
  if (s === '') return { ok: false, reason: 'no digits' };
  const dot = s.indexOf('.');
  let intPart = dot >= 0 ? s.slice(0, dot) : s;
  const fracPart = dot >= 0 ? s.slice(dot + 1) : '';
  if (intPart === '') intPart = '0';
  if (intPart.includes(',')) {
    if (!INDIAN_GROUPED.test(intPart) && !WESTERN_GROUPED.test(intPart)) {
      return { ok: false, reason: `digit grouping not understood in "${input}"` };
    }
    intPart = intPart.replace(/,/g, '');
  }
  intPart = intPart.replace(/\s/g, '');
  if (!PLAIN_DIGITS.test(intPart) || (fracPart !== '' && !PLAIN_DIGITS.test(fracPart))) {
    return { ok: false, reason: `not an amount: "${input}"` };
  }
  // Round half away from zero on the third decimal, in integer arithmetic.
  const frac3 = (fracPart + '000').slice(0, 3);
  let paise = Number(intPart) * 100 + Number(frac3.slice(0, 2));
  if (Number(frac3.charAt(2)) >= 5) paise += 1;
  if (!Number.isSafeInteger(paise) || paise > MAX_PAISE) return { ok: false, reason: 'amount too large' };
  return { ok: true, paise: negative && paise !== 0 ? -paise : paise };
}

/**
 * `parseAmount(v)` for a value read from portal JSON, where amounts are numbers: a number goes
 * straight to `paiseFromNumber`, without parseAmount's default options object (the 2A and 2B
 * readers read lakhs of amounts and are kept free of per-document garbage). Same answers.
 */
export function parseJsonAmount(v: unknown): AmountResult {
  return typeof v === 'number' ? paiseFromNumber(v) : parseAmount(v);
}

/** JSON numbers carry rupees with up to 2 decimals; n*100 is then within 1e-6 of an integer. */
export function paiseFromNumber(n: number): AmountResult {
  if (!Number.isFinite(n)) return { ok: false, reason: 'not a finite number' };
  const paise = Math.round(Math.abs(n) * 100);
  if (paise > MAX_PAISE) return { ok: false, reason: 'amount too large' };
  return { ok: true, paise: n < 0 && paise !== 0 ? -paise : paise };
}

/** Format paise as rupees with Indian grouping, e.g. 12345678 → "1,23,456.78". */
export function formatPaise(paise: number): string {
  const negative = paise < 0;
  const abs = Math.abs(paise);
  const rupees = Math.floor(abs / 100).toString();
  const frac = (abs % 100).toString().padStart(2, '0');
  let grouped: string;
  if (rupees.length <= 3) {
    grouped = rupees;
  } else {
    const last3 = rupees.slice(-3);
    let head = rupees.slice(0, -3);
    const parts: string[] = [];
    while (head.length > 2) {
      parts.unshift(head.slice(-2));
      head = head.slice(0, -2);
    }
    if (head) parts.unshift(head);
    grouped = `${parts.join(',')},${last3}`;
  }
  return `${negative ? '-' : ''}${grouped}.${frac}`;
}

/** Rupees string → paise, throwing: for fixtures and configuration, not for untrusted input. */
export function rupees(value: string | number): number {
  const r = parseAmount(value);
  if (!r.ok) throw new Error(r.reason);
  return r.paise;
}

export function zeroHeads(): Heads {
  return { igst: 0, cgst: 0, sgst: 0, cess: 0 };
}

export function totalOfHeads(h: Heads): number {
  return h.igst + h.cgst + h.sgst + h.cess;
}

/** In-place `target += sign × source`, to keep accumulation loops allocation-free. */
export function addHeadsInto(target: Heads, source: Heads, sign = 1): void {
  target.igst += sign * source.igst;
  target.cgst += sign * source.cgst;
  target.sgst += sign * source.sgst;
  target.cess += sign * source.cess;
}
