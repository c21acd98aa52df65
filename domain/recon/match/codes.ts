/**
 * The matcher's codes and packed layouts: document types, families and their compatibility
 * (docs/reconciliation.md, "Pools and pairing"), flags as bits, document states, passes, the
 * categories the passes set, the 32-byte money record per document, and the composite hash key of
 * the keyed passes.
 */
import { FLAGS, type Flag, type OutOfScopeReason, type Pass } from '../categories';
import { signOf } from '../normalise';
import type { DocType } from '../types';

/** Family of compatible types: documents of different families never meet. */
export const FAMILY: Readonly<Record<DocType, number>> = {
  invoice: 0, debit_note: 0, credit_note: 1, isd_invoice: 2, isd_credit_note: 3, bill_of_entry: 4,
};
/** The family with the opposite sign (for the "same number, opposite sign" hint). */
export const OPPOSITE_FAMILY: readonly number[] = [1, 0, 3, 2, -1];
export const DOC_TYPE_CODE: Readonly<Record<DocType, number>> = {
  invoice: 0, debit_note: 1, credit_note: 2, isd_invoice: 3, isd_credit_note: 4, bill_of_entry: 5,
};

/**
 * Block id 0: bills of entry, blocked by their number rather than by GSTIN (docs/reconciliation.md,
 * "Pools and pairing").
 */
export const BOE_BLOCK = 0;

/**
 * Composite hash keys are plain numbers: (block, family, interned key string, FY slot) packed
 * into 50 bits. Numeric Map keys avoid building and hashing a concatenated string per document
 * per pass, which dominated the run time on 1-lakh inputs.
 */
export const FAM_SPACE = 8;
export const KEY_SPACE = 2 ** 23;
export const FY_SPACE = 64;
export const ANY_FY = FY_SPACE - 1;
export const MAX_BLOCKS = 2 ** 18;
/** Day numbers in the result order's packed key (see sortResultsPacked). */
export const DAY_SPACE = 2 ** 20;

/** Document type by code (DOC_TYPE_CODE order). */
export const DOC_TYPE_BY_CODE: readonly DocType[] = ['invoice', 'debit_note', 'credit_note', 'isd_invoice', 'isd_credit_note', 'bill_of_entry'];
export const T_INVOICE = 0;
export const T_DEBIT_NOTE = 1;
export const T_BOE = 5;
/** Family by type code. */
export const FAMILY_OF_CODE: readonly number[] = DOC_TYPE_BY_CODE.map((t) => FAMILY[t]);
export const SIGN_OF_CODE: readonly number[] = DOC_TYPE_BY_CODE.map(signOf);

/**
 * Type compatibility (docs/reconciliation.md, "Pools and pairing") on type codes, books type first.
 * A books debit note meets only a portal debit note.
 */
export function compatible(books: number, portal: number): boolean {
  return books === portal || (books === T_INVOICE && portal === T_DEBIT_NOTE);
}

/*
 * Flags as bits of a per-document bitmask. Bits follow the flags' string order, so reading the
 * bits low to high gives the sorted flag list a result row carries; the list for each distinct
 * mask is built once per run and shared by every row with that mask (rows are read-only).
 */
export const FLAG_BY_BIT: readonly Flag[] = [...FLAGS].sort();
export const FLAG_BIT = new Map<Flag, number>(FLAG_BY_BIT.map((f, i) => [f, 1 << i]));
export function bit(f: Flag): number {
  return FLAG_BIT.get(f)!;
}
export const F_REJECTED_IN_IMS = bit('rejected_in_ims');
export const F_AMENDED = bit('amended');
export const F_ORIGINAL_NUMBER = bit('matched_on_original_number');
export const F_PERIOD_SHIFT = bit('period_shift');
export const F_INVALID_GSTIN = bit('invalid_gstin');
export const F_NOT_FILED_3B = bit('supplier_not_filed_3b');
export const F_NOT_FILED_GSTR1 = bit('supplier_not_filed_gstr1');
export const F_CANCELLED = bit('supplier_cancelled');
export const F_DERIVED = bit('derived_amounts');
export const F_DATE_FALLBACK = bit('books_date_fallback');
export const F_NOT_ELIGIBLE = bit('itc_not_eligible');
export const F_POSSIBLE_DUP = bit('possible_duplicate');
export const F_DIFFERENT_AMOUNTS = bit('same_number_different_amounts');
export const F_OPPOSITE_SIGN = bit('same_number_opposite_sign');

/** Document states. */
export const FREE = 0;
export const PAIRED = 1;
/** Duplicate, out of scope, superseded. */
export const EXCLUDED = 2;
/** Merged into another books row (bills of entry). */
export const MERGED = 3;

/** Passes by code (0: none). */
export const PASS_BY_CODE: readonly (Pass | null)[] = [null, 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'manual'];
export const P1 = 1;
export const P2 = 2;
export const P3 = 3;
export const P4 = 4;
export const P5 = 5;
export const P6 = 6;
/** A pair a user linked (docs/reconciliation.md, "Manual decisions"): never made by the passes. */
export const MANUAL = 7;

/** Categories the passes set in the `category` column (0: none; see singleCode). */
export const C_OUT_OF_SCOPE = 1;
export const C_DUPLICATE = 2;
export const C_SUPERSEDED = 3;
export const OUT_REASON_BY_CODE: readonly (OutOfScopeReason | null)[] = [null, 'import_of_services', 'no_supplier_gstin', 'zero_tax'];

/*
 * Amounts live in one Int32Array per run, eight 4-byte slots (32 bytes) per document, so a
 * document's figures are half a cache line and the record is not a box per field. A slot holds its
 * value when the value is a 32-bit integer (|paise| < 2^31, about ₹2.1 crore; days, FYs and the
 * packed slot always are); any other number (a larger amount, a date's NaN, −0) is kept exactly in
 * the run's `wide` maps under the slot's index, the slot holding WIDE (`amountAt`/`putAmount`,
 * docs.ts). The record was 64 bytes of Float64Array (docs/performance.md, Memory). The sixth slot
 * is the FY; the last two repeat the day and pack what deciding a pair compares (type, reverse
 * charge, ITC available, place of supply, port code): deciding the result rows reads each
 * partner's figures from this one record instead of a dozen columns (`verdict`).
 */
export const MONEY_STRIDE = 8;
/** A slot whose value is in the run's `wide` map (INT32_MIN: never a fast-path value). */
export const WIDE = -2147483648;
/** log2 of the slots per map of a run's wide values (Docs.wide: half V8's 2^24-entry Map limit). */
export const WIDE_SHARD_BITS = 23;
export const TX = 0;
export const IG = 1;
export const CG = 2;
export const SG = 3;
export const CS = 4;
/**
 * The document's FY (start year; NaN for a date that does not parse, 0 with no date). This slot
 * held igst + cgst + sgst + cess, which is now summed where it is read (`taxOf`, docs.ts): the FY
 * was a column of its own, eight bytes a document more (docs/performance.md, Memory).
 */
export const M_FY = 5;
/** The amounts (TX…CS): what aggregating bills of entry sums. */
export const MONEY_FIELDS = 5;
/** The day number again (as the `day` column). */
export const M_DAY = 6;
/**
 * Packed: type code (bits 0–2), reverse charge (3), ITC available (4), place-of-supply id
 * (5–16), port-code id (17–28). Ids are the interner's (0: blank); PACK_OVERFLOW means "one of
 * many; compare the strings". (The GSTIN block, which the 64-bit record kept above bit 29, is the
 * `gstinId` column.)
 */
export const M_PACK = 7;
export const PACK_ID_BITS = 4095;
export const PACK_OVERFLOW = PACK_ID_BITS;
export const PACK_AVAIL = 16;

/** Composite hash key (block, family, interned key id, FY slot) as one number of up to 50 bits. */
export function ck(block: number, fam: number, keyId: number, fySlot: number): number {
  return ((block * FAM_SPACE + fam) * KEY_SPACE + keyId) * FY_SPACE + fySlot;
}
