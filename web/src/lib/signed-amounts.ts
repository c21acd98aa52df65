/**
 * Amounts of a result row signed as the exports sign them (docs/reconciliation.md, "The workbook"):
 * the API gives a credit note's amounts as written on the note (positive); the CSV, the workbook and
 * the run summary count them negative, so a column adds up to what the documents add to. The screen
 * shows them the same way. The rule is the engine's (signOf in the server's normalise module); a
 * unit test holds the two to one answer for every document type.
 */

/** -1 for a credit note (the supplier's or an ISD's), else 1. */
export function docSign(docType: string | null | undefined): 1 | -1 {
  return docType === 'credit_note' || docType === 'isd_credit_note' ? -1 : 1;
}

type Amounts = { docType: string; taxableValue: number; igst: number; cgst: number; sgst: number; cess: number };

/** The taxable value as the exports show it; null without the document. */
export function signedTaxable(side: Amounts | null | undefined): number | null {
  return side ? docSign(side.docType) * side.taxableValue : null;
}

/** The total tax (every head) as the exports show it; null without the document. */
export function signedTax(side: Amounts | null | undefined): number | null {
  return side ? docSign(side.docType) * (side.igst + side.cgst + side.sgst + side.cess) : null;
}

/** A money field of one side signed as the exports sign it (invoice value included). */
export function signedField(side: Amounts, value: number): number {
  return docSign(side.docType) * value;
}
