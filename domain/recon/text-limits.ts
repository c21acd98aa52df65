/**
 * The longest text a document may keep of each kind (docs/security-limits.md, "Cells and texts").
 * Every reader refuses a document whose kept text is longer, with a row error naming the row and the
 * field, so the file is refused (400 `invalid_file`) and nothing is stored: one giant cell would
 * otherwise ride along with its document into every reconciliation run, where names and numbers are
 * normalised, compared and written out again, and hold the worker for minutes.
 *
 * The limits are generous for what the fields hold: GST allows an invoice number 16 characters, but
 * registers' voucher numbers run longer; a legal name is a few hundred characters at most.
 */
export const TEXT_LIMITS = {
  /** Invoice, voucher, note and bill-of-entry numbers. */
  number: 100,
  /** Supplier names. */
  name: 1000,
  /** Codes and words: GSTIN, place of supply, port code, voucher and document types, flags, dates, IRN, reasons. */
  code: 200,
} as const;

/** Excel's own limit for one cell's text: a workbook with a longer string was not written by Excel. */
export const XLSX_CELL_CHARS = 32_767;

/** The row error's message for a text over its limit. */
export function tooLongMessage(length: number, max: number): string {
  return `${length} characters, more than the ${max} this field may have`;
}
