/**
 * Day-first date parsing (docs/reconciliation.md, "Inputs"), financial years and return periods
 * (docs/reconciliation.md, "Normalisation"). A date is carried as an ISO string `YYYY-MM-DD`;
 * arithmetic uses a day number (days since 1970-01-01, UTC) so that no time zone can move a date.
 */

export type DateResult = { ok: true; iso: string; day: number } | { ok: false; reason: string };

const MONTHS: Readonly<Record<string, number>> = {
  JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, SEPT: 9, OCT: 10, NOV: 11, DEC: 12,
  JANUARY: 1, FEBRUARY: 2, MARCH: 3, APRIL: 4, JUNE: 6, JULY: 7, AUGUST: 8, SEPTEMBER: 9,
  OCTOBER: 10, NOVEMBER: 11, DECEMBER: 12,
};

const MS_PER_DAY = 86_400_000;
/** Excel serial 25569 is 1970-01-01 (Excel counts from 1899-12-30 because of its 1900 leap bug). */
const EXCEL_EPOCH_OFFSET = 25569;
/**
 * A workbook's date system (`date1904` in its workbook part): old Mac Excel counted days from
 * 1904-01-01, so the same calendar date is 1,462 days smaller a serial there than in a 1900 workbook.
 */
export type DateSystem = '1900' | '1904';
const DATE_1904_SHIFT = 1462;

function daysInMonth(y: number, m: number): number {
  return m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

export function dayFromYmd(y: number, m: number, d: number): number {
  return Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

export function isoFromDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Day number of an ISO date the engine itself produced (no validation beyond shape). */
export function dayOfIso(iso: string): number {
  return dayFromYmd(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

/**
 * The dates a GST document may carry: from 1 April 2017, the first day of the financial year in
 * which GST began (1 July 2017; a register of that year may still carry its first quarter's
 * vouchers), to 31 March 2079, 62 financial years in all. Any other date (a mistyped year, a
 * number in a date column) is refused like an impossible one. Why 62: the matcher keys a document's
 * FY as its distance from the run's earliest FY, in 62 slots (domain/recon/match/docs.ts,
 * `fySlotOf`); with every date inside this window two documents of different FYs never share a
 * slot, so an invoice number reused in another FY is never taken for a duplicate or a pair
 * (tests/unit/recon/document-date-window.test.ts holds the window to the slots).
 */
export const FIRST_DOCUMENT_DATE = '2017-04-01';
export const LAST_DOCUMENT_DATE = '2079-03-31';
const FIRST_DOCUMENT_DAY = dayOfIso(FIRST_DOCUMENT_DATE);
const LAST_DOCUMENT_DAY = dayOfIso(LAST_DOCUMENT_DATE);

/** Why a real day is refused: outside the window of GST documents. */
function outsideWindow(iso: string): string {
  return `${iso} is outside the dates a GST document may carry (${FIRST_DOCUMENT_DATE} to ${LAST_DOCUMENT_DATE})`;
}

function build(y: number, m: number, d: number): DateResult {
  if (!(m >= 1 && m <= 12)) return { ok: false, reason: `month ${m} does not exist` };
  if (!(d >= 1 && d <= daysInMonth(y, m))) return { ok: false, reason: `day ${d} does not exist in ${y}-${m}` };
  // A year no calendar of ours reaches keeps its reason of old (the readers' golden digests hold it).
  if (y < 1900 || y > 2999) return { ok: false, reason: `year ${y} out of range` };
  const iso = `${y.toString().padStart(4, '0')}-${m.toString().padStart(2, '0')}-${d.toString().padStart(2, '0')}`;
  const day = dayFromYmd(y, m, d);
  if (!(day >= FIRST_DOCUMENT_DAY && day <= LAST_DOCUMENT_DAY)) return { ok: false, reason: outsideWindow(iso) };
  return { ok: true, iso, day };
}

function fullYear(text: string): number {
  const n = Number(text);
  // docs/reconciliation.md, "Normalisation": a two-digit year means 20YY.
  return text.length === 2 ? 2000 + n : n;
}

const DAY_FIRST = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$/;
const DAY_MONTH_NAME = /^(\d{1,2})[-/ .]?([A-Za-z]{3,9})[-/ .,']*(\d{4}|\d{2})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+Z?)?$/;

/**
 * Parse a date written day-first (`05-06-2024`, `05/06/2024`, `5-Jun-24`, `05-Jun-2024`),
 * ISO (`2024-06-05`), an Excel serial number or a JS Date (taken at UTC, as exceljs produces).
 * `03/04/2024` is 3 April, never 4 March. Serials, as numbers or as text, count in `system`.
 */
export function parseDate(input: unknown, system: DateSystem = '1900'): DateResult {
  if (input instanceof Date) {
    if (Number.isNaN(input.getTime())) return { ok: false, reason: 'invalid Date' };
    return build(input.getUTCFullYear(), input.getUTCMonth() + 1, input.getUTCDate());
  }
  if (typeof input === 'number') return fromExcelSerial(input, system);
  if (typeof input !== 'string') return { ok: false, reason: 'no date' };
  const s = input.trim();
  if (s === '') return { ok: false, reason: 'blank date' };
  let m = DAY_FIRST.exec(s);
  if (m) return build(fullYear(m[3]!), Number(m[2]), Number(m[1]));
  m = ISO.exec(s);
  if (m) return build(Number(m[1]), Number(m[2]), Number(m[3]));
  m = DAY_MONTH_NAME.exec(s);
  if (m) {
    const month = MONTHS[m[2]!.toUpperCase()];
    if (month === undefined) return { ok: false, reason: `unknown month "${m[2]}"` };
    return build(fullYear(m[3]!), month, Number(m[1]));
  }
  // Excel serials that arrived as text (a date column exported as General).
  if (/^\d{5}(?:\.\d+)?$/.test(s)) return fromExcelSerial(Number(s), system);
  return { ok: false, reason: `date not understood: "${s}"` };
}

export function fromExcelSerial(serial: number, system: DateSystem = '1900'): DateResult {
  // The 1900 system's serial of the same calendar date, for the day; the window is the text dates'.
  const s1900 = system === '1904' ? serial + DATE_1904_SHIFT : serial;
  // A number that is no date of this century keeps its reason of old (as years above).
  if (!Number.isFinite(s1900) || s1900 < 32874 || s1900 > 73050) return { ok: false, reason: `number ${serial} is not a plausible Excel date` };
  const day = Math.floor(s1900) - EXCEL_EPOCH_OFFSET;
  if (!(day >= FIRST_DOCUMENT_DAY && day <= LAST_DOCUMENT_DAY)) {
    return { ok: false, reason: `number ${serial} is not an Excel date a GST document may carry (${FIRST_DOCUMENT_DATE} to ${LAST_DOCUMENT_DATE})` };
  }
  const iso = isoFromDay(day);
  return { ok: true, iso, day };
}

/** Start year of the Indian financial year (April–March) of an ISO date: 2025-03-31 → 2024. */
export function fyStartYear(iso: string): number {
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  return m >= 4 ? y : y - 1;
}

/** FY label `2024-25` of an ISO date. */
export function fiscalYearOf(iso: string): string {
  const s = fyStartYear(iso);
  return `${s}-${((s + 1) % 100).toString().padStart(2, '0')}`;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
const MMYYYY = /^(0[1-9]|1[0-2])(\d{4})$/;

export function isPeriod(p: string): boolean {
  return PERIOD.test(p);
}

/** `032020` → `2020-03`; null when not a valid `MMYYYY`. */
export function periodFromMmyyyy(mmyyyy: string): string | null {
  const m = MMYYYY.exec(mmyyyy.trim());
  return m ? `${m[2]}-${m[1]}` : null;
}

/** `2020-03` → `032020`. */
export function mmyyyyFromPeriod(period: string): string {
  const m = PERIOD.exec(period);
  if (!m) throw new Error(`not a YYYY-MM period: ${period}`);
  return `${m[2]}${m[1]}`;
}

/** `May'25`, `May-25`, `Nov-2019` (2A's `flprdr1`, the Excel 2B period column) → `YYYY-MM`. */
export function periodFromMonthName(text: string): string | null {
  const m = /^([A-Za-z]{3,9})\s*['’\-/ ]\s*(\d{2}|\d{4})$/.exec(text.trim());
  if (!m) return null;
  const month = MONTHS[m[1]!.toUpperCase()];
  if (month === undefined) return null;
  return `${fullYear(m[2]!)}-${month.toString().padStart(2, '0')}`;
}

/** `YYYY-MM` of an ISO date. */
export function periodOfDate(iso: string): string {
  return iso.slice(0, 7);
}
