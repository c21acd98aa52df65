/**
 * How the exports write money, dates and times for an Indian reader (docs/reconciliation.md, "The
 * workbook"): lakh and crore grouping, a minus sign (red in a spreadsheet) for negatives,
 * DD-MM-YYYY dates and times in IST whatever the server's own zone is.
 */

/**
 * The spreadsheet number format for an amount: Indian grouping with two decimals, negatives with a
 * minus sign and in red. Excel allows only two conditions in a format and LibreOffice drops the
 * minus sign of a third, conditional section, so no one format groups every magnitude: each cell
 * gets the format for its own magnitude instead (literal commas at the lakh and crore places), in
 * two plain sections (positive; negative) that both programs read alike.
 */
export function indianMoneyFormat(rupees: number): string {
  return indianFormat(rupees, '0.00');
}

/** The same grouping for a count of documents (no decimals): 1,23,456. */
export function indianCountFormat(count: number): string {
  return indianFormat(count, '0');
}

function indianFormat(value: number, units: '0' | '0.00'): string {
  // The digits as shown (rounded first: 99,999.999 shows as 1,00,000.00).
  const shown = units === '0' ? Math.round(Math.abs(value)) : Math.round(Math.abs(value) * 100) / 100;
  const digits = Math.trunc(shown).toString().length;
  // Below a lakh Indian and western grouping agree; above it every comma is a literal one (no
  // grouping flag, which would add western commas), two digits apart, and the format has exactly
  // as many commas as the number needs, so no comma is left dangling in front of it.
  const body = digits <= 5 ? `#,##${units}` : `${'##\\,'.repeat(Math.ceil((digits - 3) / 2))}##${units}`;
  return `${body};[Red]-${body}`;
}

export const PERCENT_FORMAT = '0.0%;[Red]-0.0%';
export const DATE_FORMAT = 'dd-mm-yyyy';

const inr = new Intl.NumberFormat('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1,23,456.78 written out in text (a difference in words), with a minus sign. */
export const formatRupeesText = (rupees: number): string => inr.format(rupees);

/** YYYY-MM-DD → DD-MM-YYYY (anything else unchanged). */
export const indianDate = (iso: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso.split('-').reverse().join('-') : iso);

/** An instant as `dd-mm-yyyy hh:mm` in India (IST, UTC+05:30, no daylight saving). */
export function istDateTime(at: Date): string {
  const ist = new Date(at.getTime() + 330 * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(ist.getUTCDate())}-${two(ist.getUTCMonth() + 1)}-${ist.getUTCFullYear()} ${two(ist.getUTCHours())}:${two(ist.getUTCMinutes())}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2024-06` → `June 2024`. */
export function periodName(period: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  return m && month ? `${month} ${m[1]}` : period;
}
