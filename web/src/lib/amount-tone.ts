/**
 * When an amount gets a colour: only when it is a real amount. ₹0.00 at risk or to confirm is no
 * shortfall, and a red or orange zero reads as one; an amount that rounds to zero paise is zero.
 * Pure, so the unit tests run it.
 */

/** Less than half a paisa either way shows as ₹0.00. */
export function isZeroRupees(value: number | null | undefined): boolean {
  return value === null || value === undefined || !Number.isFinite(value) || Math.abs(value) < 0.005;
}

/** `tone` for an amount that is not zero; no colour (the text's own) for zero or nothing. */
export function amountTone(value: number | null | undefined, tone: string): string | undefined {
  return isZeroRupees(value) ? undefined : tone;
}
