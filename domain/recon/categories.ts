/**
 * Stable codes of docs/reconciliation.md, "Categories". These strings are part of the API and of
 * every export: never rename one; add new codes at the end.
 */

export const CATEGORIES = [
  'exact_match',
  'probable_match',
  'mismatch',
  'manual_match',
  'missing_in_2b',
  'missing_in_books',
  'duplicate_in_books',
  'out_of_scope',
  'superseded',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Category → its position in CATEGORIES (index of per-category accumulators). */
export const CATEGORY_INDEX: ReadonlyMap<Category, number> = new Map(CATEGORIES.map((c, i) => [c, i]));

/** Which side(s) a category's rows carry. */
export const CATEGORY_SIDES: Readonly<Record<Category, 'both' | 'books' | 'portal'>> = {
  exact_match: 'both',
  probable_match: 'both',
  mismatch: 'both',
  manual_match: 'both',
  missing_in_2b: 'books',
  missing_in_books: 'portal',
  duplicate_in_books: 'books',
  out_of_scope: 'books',
  superseded: 'portal',
};

/**
 * Flags that travel with any row (docs/reconciliation.md, "Categories"), plus the duplicate and
 * opposite-sign hints ("Normalisation", "Special documents").
 */
export const FLAGS = [
  'rejected_in_ims',
  'amended',
  'matched_on_original_number',
  'period_shift',
  'invalid_gstin',
  'supplier_not_filed_3b',
  'supplier_not_filed_gstr1',
  'supplier_cancelled',
  'derived_amounts',
  'books_date_fallback',
  'itc_not_eligible',
  'possible_duplicate',
  'same_number_different_amounts',
  'same_number_opposite_sign',
] as const;
export type Flag = (typeof FLAGS)[number];

/** Why a row is `probable_match` (or how it was paired). */
export const MATCH_REASONS = [
  'canonical_number',
  'rounding',
  'date_within_window',
  'amended_original',
  'fuzzy_number',
  'amount_only',
  'pan_level',
] as const;
export type MatchReason = (typeof MATCH_REASONS)[number];

/** Probable-match reasons that are never auto-accepted (docs/reconciliation.md, "Defaults"). */
export const NEVER_AUTO_ACCEPTED: ReadonlySet<MatchReason> = new Set<MatchReason>([
  'fuzzy_number',
  'amount_only',
  'amended_original',
]);

/** Why a books row is `out_of_scope` (docs/reconciliation.md, "Special documents"). */
export const OUT_OF_SCOPE_REASONS = ['no_supplier_gstin', 'zero_tax', 'import_of_services'] as const;
export type OutOfScopeReason = (typeof OUT_OF_SCOPE_REASONS)[number];

/**
 * The passes (docs/reconciliation.md, "The passes") (plus manual links, made outside this engine).
 */
export const PASSES = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'manual'] as const;
export type Pass = (typeof PASSES)[number];

/** Fields that can appear in a row's `differences`. */
export const DIFFERENCE_FIELDS = [
  'taxableValue', 'igst', 'cgst', 'sgst', 'cess', 'taxHeads', 'invoiceNumber', 'invoiceDate',
  'placeOfSupply', 'reverseCharge', 'supplierGstin', 'docType', 'portCode',
] as const;
export type DifferenceField = (typeof DIFFERENCE_FIELDS)[number];

/** Fields whose difference is informational (never turns a pair into a mismatch). */
export const INFORMATIONAL_FIELDS: ReadonlySet<DifferenceField> = new Set<DifferenceField>(['docType', 'invoiceNumber']);
