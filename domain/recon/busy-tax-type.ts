/**
 * Busy's register layout (docs/reconciliation.md, "Inputs"): a row may carry one total and a tax
 * type such as `L/GST-18%` (local: CGST and SGST) or `I/GST-18%` (interstate: IGST) instead of the
 * heads, which are then back-computed from the total.
 */
const BUSY_TYPE = /^([LI])\s*\/\s*GST\s*-\s*(\d+(?:\.\d+)?)\s*%$/i;

export type BusyHeads = { taxable: number; igst: number; cgst: number; sgst: number };

/** The heads (paise) of a row whose tax type is `typeText` and whose total is `total`, or null when the text is no Busy tax type. */
export function busyHeads(typeText: string, total: number): BusyHeads | null {
  const busy = BUSY_TYPE.exec(typeText);
  if (!busy) return null;
  const rate = Number(busy[2]);
  const taxable = Math.round((total * 100) / (100 + rate));
  const tax = total - taxable;
  if (busy[1]!.toUpperCase() === 'L') {
    const cgst = Math.round(tax / 2);
    return { taxable, igst: 0, cgst, sgst: tax - cgst };
  }
  return { taxable, igst: tax, cgst: 0, sgst: 0 };
}
