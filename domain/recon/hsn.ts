/**
 * HSN (goods) and SAC (services) code checks (docs/reconciliation.md, "GSTIN, state codes and
 * HSN"). HSN is not in GSTR-2B, so these checks serve the books import and GSTR-1 work, never
 * matching.
 */

export type HsnKind = 'goods' | 'services';

export type HsnResult =
  | { ok: true; code: string; kind: HsnKind; warning?: string }
  | { ok: false; code: string; problem: string };

/**
 * Validate an HSN/SAC code. Goods: 4, 6 or 8 digits (2 accepted as legacy data with a warning);
 * services start with `99` and have 4 or 6 digits. Spaces and dots are removed first because
 * registers often print `8471.30.10`; anything else non-numeric is refused.
 */
export function checkHsn(raw: string): HsnResult {
  const code = raw.trim().replace(/[\s.]/g, '');
  if (code === '') return { ok: false, code, problem: 'blank' };
  if (!/^\d+$/.test(code)) return { ok: false, code, problem: 'digits only' };
  if (code.startsWith('00')) return { ok: false, code, problem: 'chapter 00 does not exist' };
  if (code.startsWith('99')) {
    if (code.length === 4 || code.length === 6) return { ok: true, code, kind: 'services' };
    return { ok: false, code, problem: 'SAC codes have 4 or 6 digits' };
  }
  if (code.length === 4 || code.length === 6 || code.length === 8) return { ok: true, code, kind: 'goods' };
  if (code.length === 2) return { ok: true, code, kind: 'goods', warning: 'two-digit chapter code (legacy)' };
  return { ok: false, code, problem: 'HSN codes have 4, 6 or 8 digits' };
}

/** Turnover above which 6 digits are required (₹5 crore), in paise. */
const SIX_DIGIT_THRESHOLD_PAISE = 5_00_00_000 * 100;

/**
 * Minimum number of HSN digits on an invoice since April 2021, from the supplier's previous-year
 * aggregate turnover (paise): up to ₹5 crore → 4, above → 6, exports → 8.
 */
export function minimumHsnDigits(previousYearTurnoverPaise: number, isExport = false): 4 | 6 | 8 {
  if (isExport) return 8;
  return previousYearTurnoverPaise > SIX_DIGIT_THRESHOLD_PAISE ? 6 : 4;
}

/** True when a valid code carries at least the required digits (we never shorten a code to fit). */
export function meetsMinimumDigits(raw: string, required: 4 | 6 | 8): boolean {
  const r = checkHsn(raw);
  return r.ok && r.code.length >= required;
}
