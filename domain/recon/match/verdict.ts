/**
 * The verdict on a pair (docs/reconciliation.md, "Classifying a pair" and "Defaults"), in one place
 * for the row planner (which needs only the category, to sum the summaries without building rows)
 * and the row builder (which lists the differences and reasons the same conditions found).
 * `verdict` reads both documents' money records and returns one integer: which fields differ, which
 * of those are material, and the pair's category and acceptance. Nothing is allocated; the builder
 * turns the bits into objects.
 */
import { CATEGORIES, type Category, type DifferenceField, type MatchReason, NEVER_AUTO_ACCEPTED } from '../categories';
import { CG, IG, M_DAY, M_PACK, MANUAL, MONEY_STRIDE, P1, P2, P3, P4, P5, P6, PACK_ID_BITS, PACK_OVERFLOW, SG, T_BOE, TX, CS } from './codes';
import { amountAt, type Docs, portText, posText } from './docs';
import type { MatchOptions } from './options';

/**
 * The fields a pair can differ in, in the order its `differences` list them. Bit k of a
 * verdict says field k differs; bit MATERIAL_SHIFT + k that the difference is material. The
 * money fields come first, in the money record's order (TX…CS), so field k is money slot k.
 */
export const DIFF_FIELDS: readonly DifferenceField[] = [
  'taxableValue', 'igst', 'cgst', 'sgst', 'cess', 'taxHeads', 'invoiceDate', 'placeOfSupply', 'reverseCharge', 'portCode',
  'supplierGstin', 'invoiceNumber', 'docType',
];
export const D_TAX_HEADS = 1 << 5;
export const D_DATE = 1 << 6;
export const D_POS = 1 << 7;
export const D_RCM = 1 << 8;
export const D_PORT = 1 << 9;
export const D_GSTIN = 1 << 10;
export const D_NUMBER = 1 << 11;
export const D_DOC_TYPE = 1 << 12;
/** The five money fields' bits. */
const D_MONEY = 0b11111;
const FIELD_MASK = (1 << DIFF_FIELDS.length) - 1;
export const MATERIAL_SHIFT = 13;
/** Category (as pairCategory numbers it) × 2 + accepted, from this bit up. */
const CLASS_SHIFT = 26;

/** The categories a pair can have, numbered as in CATEGORIES (their first four). */
const PAIR_CATEGORIES: readonly Category[] = CATEGORIES.slice(0, 4);
const EXACT = 0;
const PROBABLE = 1;
const MISMATCH = 2;
const MANUAL_MATCH = 3;

/** The reason each pass gives its pairs (P3 amended original, P4 fuzzy number, …), by pass code. */
const PASS_REASON: readonly (MatchReason | null)[] = [null, null, null, 'amended_original', 'fuzzy_number', 'amount_only', 'pan_level', null];
/**
 * Passes whose pairs are never auto-accepted (docs/reconciliation.md, "Defaults"), by pass code.
 */
const NEVER_ACCEPTED_PASS: readonly boolean[] = PASS_REASON.map((r) => r !== null && NEVER_AUTO_ACCEPTED.has(r));

/** IGST only (inter-state), as the tax-heads check reads a money record. */
export function interState(s: Docs, at: number): boolean {
  return amountAt(s, at + IG) > 0 && amountAt(s, at + CG) + amountAt(s, at + SG) === 0;
}

function intraState(s: Docs, at: number): boolean {
  return amountAt(s, at + CG) + amountAt(s, at + SG) > 0 && amountAt(s, at + IG) === 0;
}

/**
 * The verdict on books document b paired with portal document p. Money beyond one paisa
 * differs (a rounding reason), beyond the tolerance it is material; dates differ when the days
 * do and are material beyond the window; IGST against CGST+SGST, place of supply, reverse
 * charge, port code (bills of entry) and GSTIN (everything else) are material when they differ;
 * the number and the document type only inform.
 */
export function verdict(s: Docs, o: MatchOptions, b: number, p: number): number {
  const money = s.money;
  const tol = o.amountTolerance;
  const x = b * MONEY_STRIDE;
  const y = p * MONEY_STRIDE;
  let diff = 0;
  let material = 0;
  for (let k = TX; k <= CS; k += 1) {
    const delta = Math.abs(amountAt(s, x + k) - amountAt(s, y + k));
    if (delta > 1) {
      diff |= 1 << k;
      if (delta > tol) material |= 1 << k;
    }
  }
  if ((interState(s, x) && intraState(s, y)) || (intraState(s, x) && interState(s, y))) {
    diff |= D_TAX_HEADS;
    material |= D_TAX_HEADS;
  }
  const bDay = amountAt(s, x + M_DAY);
  const pDay = amountAt(s, y + M_DAY);
  if (bDay !== pDay) {
    diff |= D_DATE;
    if (Math.abs(bDay - pDay) > o.dateWindowDays) material |= D_DATE;
  }
  // The rest from the packed slot (type, reverse charge, place of supply, port code; never WIDE).
  const bLow = money[x + M_PACK]!;
  const pLow = money[y + M_PACK]!;
  // Place of supply: equal ids, equal texts (0: none), but for the overflow id.
  const bPos = (bLow >>> 5) & PACK_ID_BITS;
  const pPos = (pLow >>> 5) & PACK_ID_BITS;
  if (bPos !== 0 && pPos !== 0 && (bPos !== pPos || bPos === PACK_OVERFLOW) && posText(s, b) !== posText(s, p)) diff |= D_POS;
  if (((bLow ^ pLow) & 8) !== 0) diff |= D_RCM;
  if ((bLow & 7) === T_BOE) {
    const bPort = (bLow >>> 17) & PACK_ID_BITS;
    const pPort = (pLow >>> 17) & PACK_ID_BITS;
    if (bPort !== 0 && pPort !== 0 && (bPort !== pPort || bPort === PACK_OVERFLOW) && portText(s, b) !== portText(s, p)) diff |= D_PORT;
  } else if (s.gstinId[b] !== s.gstinId[p]) {
    diff |= D_GSTIN; // different GSTIN blocks: different cleaned GSTINs
  }
  material |= diff & (D_POS | D_RCM | D_PORT | D_GSTIN);
  // Interned ids: equal exactly when the clean keys are equal (both −1 when both are blank).
  if (s.cleanId[b] !== s.cleanId[p]) diff |= D_NUMBER;
  if (((bLow ^ pLow) & 7) !== 0) diff |= D_DOC_TYPE;

  const pass = s.pass[b]!;
  let cls: number;
  if (pass === MANUAL) cls = MANUAL_MATCH * 2 + 1;
  else if (material !== 0 || pass === P6) cls = MISMATCH * 2;
  else if (pass === P1 && (diff & (D_MONEY | D_DATE)) === 0) cls = EXACT * 2 + 1;
  // docs/reconciliation.md, "Defaults": auto-accepted when the firm says so, unless the pass's own
  // reason never is.
  else cls = PROBABLE * 2 + (o.autoAcceptProbable && !NEVER_ACCEPTED_PASS[pass] ? 1 : 0);
  return diff | (material << MATERIAL_SHIFT) | (cls << CLASS_SHIFT);
}

/** The pair's category as its index in CATEGORIES. */
export function verdictCategoryIndex(v: number): number {
  return v >>> (CLASS_SHIFT + 1);
}

export function verdictCategory(v: number): Category {
  return PAIR_CATEGORIES[v >>> (CLASS_SHIFT + 1)]!;
}

export function verdictAccepted(v: number): boolean {
  return ((v >>> CLASS_SHIFT) & 1) === 1;
}

/** Whether field k (DIFF_FIELDS order) differs, and whether that difference is material. */
export function differs(v: number, k: number): boolean {
  return (v & (1 << k)) !== 0;
}

export function isMaterial(v: number, k: number): boolean {
  return ((v >>> MATERIAL_SHIFT) & (1 << k)) !== 0;
}

/** Bits of the fields that differ (DIFF_FIELDS order). */
export function differences(v: number): number {
  return v & FIELD_MASK;
}

/** The first material field (DIFF_FIELDS order), or null. */
export function firstMaterial(v: number): DifferenceField | null {
  const m = (v >>> MATERIAL_SHIFT) & FIELD_MASK;
  return m === 0 ? null : DIFF_FIELDS[31 - Math.clz32(m & -m)]!;
}

/**
 * The probable-match reasons that applied to a pair of pass `pass` (all of them, in the order a
 * row lists them): the pass's own (P3–P6), a canonical number (P2, P6), rounding, a date
 * within the window; a P2 pair with none of these is a canonical-number match. null: none.
 */
export function pairReasons(v: number, pass: number): MatchReason[] | null {
  let reasons: MatchReason[] | null = null;
  if (pass === P3 || pass === P4 || pass === P5 || pass === P6) reasons = [PASS_REASON[pass]!];
  if ((v & D_NUMBER) !== 0 && (pass === P2 || pass === P6)) reasons = addReason(reasons, 'canonical_number');
  if ((v & D_MONEY) !== 0) reasons = addReason(reasons, 'rounding');
  if ((v & D_DATE) !== 0) reasons = addReason(reasons, 'date_within_window');
  if (pass === P2 && reasons === null) reasons = ['canonical_number'];
  return reasons;
}

function addReason(reasons: MatchReason[] | null, r: MatchReason): MatchReason[] {
  if (reasons === null) return [r];
  reasons.push(r);
  return reasons;
}
