/**
 * Normalisation shared by both sides before matching (docs/reconciliation.md, "Normalisation"):
 * GSTIN clean-up, the three invoice-number keys, place of supply, yes/no flags and the sign of a
 * document type. These functions run once per document on 1-lakh-row inputs, so they scan character
 * codes instead of chaining regular expressions.
 */
import { STATE_CODES, normaliseGstin, gstinProblem, type GstinProblem } from '../gstin';
import type { DocType } from './types';

/**
 * docs/reconciliation.md, "Normalisation" (GSTIN): trim, drop internal spaces and dots, upper-case
 * (then the shared GSTIN normaliser).
 */
export function cleanGstin(raw: string | null | undefined): string {
  if (!raw) return '';
  return normaliseGstin(raw.replace(/[\s.]/g, ''));
}

export interface GstinCheck {
  gstin: string;
  problem: GstinProblem | null;
}

export function checkGstin(raw: string | null | undefined): GstinCheck {
  const gstin = cleanGstin(raw);
  return { gstin, problem: gstin === '' ? null : gstinProblem(gstin) };
}

/** PAN part of a cleaned GSTIN, or '' when the string cannot carry one (wrong length/shape). */
export function panOf(gstin: string): string {
  if (gstin.length !== 15) return '';
  const pan = gstin.slice(2, 12);
  return /^[A-Z]{5}[0-9]{4}[A-Z]$/.test(pan) ? pan : '';
}

/**
 * Whether cleanKey has anything to do: a lower-case letter, a dot, a space or control character,
 * or anything outside printable ASCII (which covers every other white space). A loop over char
 * codes: a regular expression test per number cost more than the rest of the key's preparation.
 */
function needsCleaning(raw: string): boolean {
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c > 0x7e || c === 0x2e || (c >= 0x61 && c <= 0x7a)) return true;
  }
  return false;
}

/**
 * Clean key (docs/reconciliation.md, "Normalisation"): upper-case, no whitespace, no trailing dots.
 */
export function cleanKey(raw: string | null | undefined): string {
  if (!raw) return '';
  // Fast path: most portal numbers are already upper-case ASCII without spaces or dots.
  if (!needsCleaning(raw)) return raw;
  return raw.toUpperCase().replace(/\s+/g, '').replace(/\.+$/, '');
}

export interface CanonicalKey {
  canonical: string;
  /** Last run of digits after leading-zero removal ('' when the number has no digits). */
  tail: string;
  /** All letters before the tail. */
  prefix: string;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}
function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i += 1) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** Is `a`/`b` (two digit fields joined by '-' or '/') the FY token of start year `s`? */
function isTwoFieldFyToken(a: string, b: string, s: number): boolean {
  const full = String(s);
  const next = String(s + 1);
  const aa = full.slice(2);
  const bb = next.slice(2);
  return (a === full && (b === next || b === bb)) || (a === aa && b === bb);
}

function isOneFieldFyToken(f: string, s: number): boolean {
  const full = String(s);
  const next = String(s + 1);
  return f === full + next || f === full + next.slice(2) || f === full.slice(2) + next.slice(2);
}

function stripLeadingZeros(field: string): string {
  // Drop the leading zeros of every digit run (keeping one digit so '000' stays '0').
  let out = '';
  let i = 0;
  while (i < field.length) {
    const c = field.charCodeAt(i);
    if (!isDigit(c)) {
      out += field.charAt(i);
      i += 1;
      continue;
    }
    let j = i;
    while (j < field.length && isDigit(field.charCodeAt(j))) j += 1;
    let k = i;
    while (k < j - 1 && field.charCodeAt(k) === 48) k += 1;
    out += field.slice(k, j);
    i = j;
  }
  return out;
}

/**
 * Canonical key (docs/reconciliation.md, "Normalisation") from a clean key: (a) remove FY tokens of
 * the document's FY and its neighbours when bounded by separators or the string edge, (b) drop
 * leading zeros of every digit run, (c) keep only A–Z0–9, (d) fall back to the clean key when
 * nothing is left. `fyStart` null (no usable date) skips step (a).
 */
// Scratch arrays reused across calls: canonicalKey runs once per document on lakh-row inputs.
const fields: string[] = [];
const seps: string[] = []; // seps[i] is the separator run *before* fields[i]
const keep: boolean[] = [];

export function canonicalKey(clean: string, fyStart: number | null): CanonicalKey {
  fields.length = 0;
  seps.length = 0;
  keep.length = 0;
  // Split into alphanumeric fields and the separator runs between them.
  let i = 0;
  let pendingSep = '';
  while (i < clean.length) {
    const c = clean.charCodeAt(i);
    if (isAlnum(c)) {
      let j = i;
      while (j < clean.length && isAlnum(clean.charCodeAt(j))) j += 1;
      fields.push(clean.slice(i, j));
      seps.push(pendingSep);
      pendingSep = '';
      i = j;
    } else {
      pendingSep += clean.charAt(i);
      i += 1;
    }
  }
  for (let f = 0; f < fields.length; f += 1) keep.push(true);
  if (fyStart !== null) {
    for (let f = 0; f < fields.length; f += 1) {
      const a = fields[f]!;
      if (!allDigits(a)) continue;
      const b = fields[f + 1];
      const sep = seps[f + 1];
      if (b !== undefined && (sep === '-' || sep === '/') && allDigits(b)) {
        let hit = false;
        for (let s = fyStart - 1; s <= fyStart + 1 && !hit; s += 1) hit = isTwoFieldFyToken(a, b, s);
        if (hit) {
          keep[f] = false;
          keep[f + 1] = false;
          f += 1;
          continue;
        }
      }
      if (a.length === 4 || a.length === 6 || a.length === 8) {
        for (let s = fyStart - 1; s <= fyStart + 1; s += 1) {
          if (isOneFieldFyToken(a, s)) {
            keep[f] = false;
            break;
          }
        }
      }
    }
  }
  let canonical = '';
  let tail = '';
  let prefix = '';
  let lettersSoFar = '';
  for (let f = 0; f < fields.length; f += 1) {
    if (!keep[f]) continue;
    const field = stripLeadingZeros(fields[f]!);
    canonical += field;
    // Track the last digit run and the letters seen before it.
    let p = 0;
    while (p < field.length) {
      const c = field.charCodeAt(p);
      if (isDigit(c)) {
        let q = p;
        while (q < field.length && isDigit(field.charCodeAt(q))) q += 1;
        tail = field.slice(p, q);
        prefix = lettersSoFar;
        p = q;
      } else {
        lettersSoFar += field.charAt(p);
        p += 1;
      }
    }
  }
  if (tail === '') prefix = lettersSoFar;
  if (canonical === '') canonical = clean;
  return { canonical, tail, prefix };
}

/*
 * canonicalOnly: `canonicalKey(clean, fyStart).canonical` in one character-code pass, without
 * splitting into field strings (the matcher needs only the canonical key for the duplicate check
 * and P2; tail/prefix are computed by canonicalKey when P4/P6 ask). Fields are index ranges into
 * `clean`; FY tokens of the last FY asked for are built once and compared in place.
 */

/** canonicalOnly's work arrays and FY-token cache: a caller that computes many keys keeps one (a run's interner does). */
export class CanonicalScratch {
  fldStart = new Int32Array(64);
  fldEnd = new Int32Array(64);
  fldSepOk = new Uint8Array(64);
  fldKeep = new Uint8Array(64);
  tokFy = NaN;
  /** Per candidate start year s (fyStart−1 … fyStart+1): full, next, aa, bb, full+next, full+bb, aa+bb. */
  tokens: string[] = [];

  fyTokens(fyStart: number): string[] {
    if (fyStart === this.tokFy && this.tokens.length > 0) return this.tokens;
    const t: string[] = [];
    for (let s = fyStart - 1; s <= fyStart + 1; s += 1) {
      const full = String(s);
      const next = String(s + 1);
      const aa = full.slice(2);
      const bb = next.slice(2);
      t.push(full, next, aa, bb, full + next, full + bb, aa + bb);
    }
    this.tokFy = fyStart;
    this.tokens = t;
    return t;
  }

  /** Room for one more field than `nf`. */
  grow(nf: number): void {
    if (nf < this.fldStart.length) return;
    const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.fldStart = grow(this.fldStart, new Int32Array(nf * 2));
    this.fldEnd = grow(this.fldEnd, new Int32Array(nf * 2));
    this.fldSepOk = grow(this.fldSepOk, new Uint8Array(nf * 2));
    this.fldKeep = grow(this.fldKeep, new Uint8Array(nf * 2));
  }
}

function regionIs(str: string, from: number, to: number, tok: string): boolean {
  if (to - from !== tok.length) return false;
  for (let k = 0; k < tok.length; k += 1) if (str.charCodeAt(from + k) !== tok.charCodeAt(k)) return false;
  return true;
}

function regionAllDigits(str: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let k = from; k < to; k += 1) if (!isDigit(str.charCodeAt(k))) return false;
  return true;
}

export function canonicalOnly(clean: string, fyStart: number | null, scratch: CanonicalScratch = new CanonicalScratch()): string {
  const n = clean.length;
  let nf = 0;
  let i = 0;
  let sepFrom = 0;
  while (i < n) {
    if (!isAlnum(clean.charCodeAt(i))) {
      i += 1;
      continue;
    }
    let j = i + 1;
    while (j < n && isAlnum(clean.charCodeAt(j))) j += 1;
    scratch.grow(nf);
    const { fldStart, fldEnd, fldSepOk, fldKeep } = scratch;
    fldStart[nf] = i;
    fldEnd[nf] = j;
    // The separator run before this field is exactly '-' or '/'.
    const sc = i - sepFrom === 1 ? clean.charCodeAt(sepFrom) : 0;
    fldSepOk[nf] = sc === 45 || sc === 47 ? 1 : 0;
    fldKeep[nf] = 1;
    nf += 1;
    i = j;
    sepFrom = j;
  }
  const { fldStart, fldEnd, fldSepOk, fldKeep } = scratch;
  if (fyStart !== null) {
    const t = scratch.fyTokens(fyStart);
    const ns = t.length / 7;
    for (let f = 0; f < nf; f += 1) {
      const a0 = fldStart[f]!;
      const a1 = fldEnd[f]!;
      if (!regionAllDigits(clean, a0, a1)) continue;
      if (f + 1 < nf && fldSepOk[f + 1] === 1 && regionAllDigits(clean, fldStart[f + 1]!, fldEnd[f + 1]!)) {
        const b0 = fldStart[f + 1]!;
        const b1 = fldEnd[f + 1]!;
        let hit = false;
        for (let k = 0; k < ns && !hit; k += 1) {
          const o = k * 7;
          hit = (regionIs(clean, a0, a1, t[o]!) && (regionIs(clean, b0, b1, t[o + 1]!) || regionIs(clean, b0, b1, t[o + 3]!)))
            || (regionIs(clean, a0, a1, t[o + 2]!) && regionIs(clean, b0, b1, t[o + 3]!));
        }
        if (hit) {
          fldKeep[f] = 0;
          fldKeep[f + 1] = 0;
          f += 1;
          continue;
        }
      }
      const len = a1 - a0;
      if (len === 4 || len === 6 || len === 8) {
        for (let k = 0; k < ns; k += 1) {
          const o = k * 7;
          if (regionIs(clean, a0, a1, t[o + 4]!) || regionIs(clean, a0, a1, t[o + 5]!) || regionIs(clean, a0, a1, t[o + 6]!)) {
            fldKeep[f] = 0;
            break;
          }
        }
      }
    }
  }
  // Kept fields with the leading zeros of every digit run dropped (one digit kept).
  let out = '';
  for (let f = 0; f < nf; f += 1) {
    if (fldKeep[f] === 0) continue;
    const e = fldEnd[f]!;
    let p = fldStart[f]!;
    let seg = p;
    while (p < e) {
      if (!isDigit(clean.charCodeAt(p))) {
        p += 1;
        continue;
      }
      let j = p + 1;
      while (j < e && isDigit(clean.charCodeAt(j))) j += 1;
      let k = p;
      while (k < j - 1 && clean.charCodeAt(k) === 48) k += 1;
      if (k > p) {
        out += clean.slice(seg, p);
        seg = k;
      }
      p = j;
    }
    out += seg === fldStart[f] && e - seg === n ? clean : clean.slice(seg, e);
  }
  return out === '' ? clean : out;
}

/**
 * The three keys (docs/reconciliation.md, "Normalisation") for a raw number and the document's FY
 * start year.
 */
export function invoiceKeys(raw: string, fyStart: number | null): { clean: string } & CanonicalKey {
  const clean = cleanKey(raw);
  return { clean, ...canonicalKey(clean, fyStart) };
}

/**
 * Bill-of-entry key (docs/reconciliation.md, "Special documents"): digits only, leading zeros
 * dropped.
 */
export function billOfEntryKey(raw: string | number | null | undefined): string {
  if (raw === null || raw === undefined) return '';
  const digits = String(raw).replace(/\D/g, '').replace(/^0+(?=\d)/, '');
  return digits;
}

const osaRows: Int32Array[] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transposition). Used only on
 * short canonical keys of P4 candidates.
 */
export function osaDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rows of the table, reused between calls: the fuzzy passes compute a distance for
  // every candidate pair, and three new arrays per call were most of what they allocated.
  if (osaRows[0]!.length < m + 1) for (let k = 0; k < 3; k += 1) osaRows[k] = new Int32Array(2 * (m + 1));
  let prev2 = osaRows[0]!.fill(0, 0, m + 1);
  let prev = osaRows[1]!;
  let cur = osaRows[2]!;
  for (let j = 0; j <= m; j += 1) prev[j] = j;
  for (let i = 1; i <= n; i += 1) {
    cur[0] = i;
    for (let j = 1; j <= m; j += 1) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        v = Math.min(v, prev2[j - 2]! + 1);
      }
      cur[j] = v;
    }
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[m]!;
}

/**
 * The fuzzy-number rule (docs/reconciliation.md, "The fuzzy-number rule"). Tail match: equal
 * non-empty numeric tails and equal (or one empty) alpha prefixes. One edit: both canonical keys ≥
 * 4 characters, OSA distance exactly 1, and numeric tails with the same number of digits — which is
 * what keeps `12`/`120`, `SI1`/`SI10` and `100`/`1000` apart. Substring similarity is deliberately
 * absent.
 */
export function isFuzzyNumberMatch(a: CanonicalKey, b: CanonicalKey): boolean {
  if (a.tail !== '' && a.tail === b.tail && (a.prefix === b.prefix || a.prefix === '' || b.prefix === '')) {
    return true;
  }
  if (a.canonical.length < 4 || b.canonical.length < 4) return false;
  if (a.tail.length !== b.tail.length) return false;
  if (Math.abs(a.canonical.length - b.canonical.length) > 1) return false;
  return osaDistance(a.canonical, b.canonical) === 1;
}

/**
 * +1 for documents that add credit, −1 for those that reduce it (docs/reconciliation.md,
 * "Normalisation").
 */
export function signOf(docType: DocType): 1 | -1 {
  return docType === 'credit_note' || docType === 'isd_credit_note' ? -1 : 1;
}

function stateKey(name: string): string {
  return name.toLowerCase().replace(/&/g, 'and').replace(/[^a-z]/g, '');
}

const STATE_BY_NAME: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const [code, name] of Object.entries(STATE_CODES)) m.set(stateKey(name), code);
  // Names seen in portal Excel files and registers that differ from our table.
  const aliases: Array<[string, string]> = [
    ['Andhra Pradesh', '37'], ['Andhra Pradesh (New)', '37'], ['Dadra and Nagar Haveli', '26'],
    ['Daman and Diu', '25'], ['Orissa', '21'], ['Pondicherry', '34'], ['Uttaranchal', '05'],
    ['Other Countries', '96'], ['Other Country', '96'], ['Foreign Country', '96'], ['Jammu and Kashmir', '01'],
    ['Andaman and Nicobar', '35'], ['Chattisgarh', '22'], ['Telengana', '36'],
  ];
  for (const [name, code] of aliases) m.set(stateKey(name), code);
  return m;
})();

/** Place of supply → two-digit code: accepts `27`, `7`, `27-Maharashtra`, `Maharashtra`. */
export function parsePlaceOfSupply(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  const s = String(raw).trim();
  if (s === '') return null;
  const lead = /^(\d{1,2})(?:\s*[-–:]\s*.*|\s+.*)?$/.exec(s);
  if (lead) {
    const code = lead[1]!.padStart(2, '0');
    return code in STATE_CODES || code === '96' ? code : null;
  }
  return STATE_BY_NAME.get(stateKey(s)) ?? null;
}

/** `Y/N`, `Yes/No`, `true/false`, `1/0` → boolean; null when blank or unknown. */
export function parseYesNo(raw: unknown): boolean | null {
  if (raw === true || raw === false) return raw;
  if (raw === 1) return true;
  if (raw === 0) return false;
  if (typeof raw !== 'string') return null;
  const s = raw.trim().toLowerCase();
  if (s === 'y' || s === 'yes' || s === 'true' || s === '1') return true;
  if (s === 'n' || s === 'no' || s === 'false' || s === '0') return false;
  return null;
}
