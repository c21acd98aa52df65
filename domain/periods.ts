/**
 * Periods and their close states (docs/period-close.md). Pure: the api, the activities
 * and the workflow share it.
 *
 * A period is `YYYY-MM`; a quarterly filer's period is named by its quarter's last month
 * (`2025-06` = April–June 2025). The financial year runs April to March.
 */
import { filingOpensOn } from './calendar/filings';
import { periodLabel } from './calendar/period-label';
import { quarterStart } from './calendar/rules';

export const PERIOD_STATES = ['open', 'close_requested', 'closed', 'reopened'] as const;
export type PeriodState = (typeof PERIOD_STATES)[number];

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export type PeriodProblem = 'format' | 'not_quarter_end';

/** Why a period key is not valid for a client of this filing frequency, or null when it is. */
export function periodProblem(period: string, filingFrequency: 'monthly' | 'quarterly'): PeriodProblem | null {
  const match = PERIOD.exec(period);
  if (!match) return 'format';
  if (filingFrequency === 'quarterly' && Number(match[2]) % 3 !== 0) return 'not_quarter_end';
  return null;
}

/** The last month of the quarter a month falls in: the period a quarterly filer names it by (`2025-05` → `2025-06`). */
export function quarterEnd(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return `${year}-${String(Math.ceil(month / 3) * 3).padStart(2, '0')}`;
}

export function isPeriodKey(value: string): boolean {
  return PERIOD.test(value);
}

/**
 * The first GST return period: GST replaced VAT, service tax and excise on 1 July 2017, so no
 * GSTR-2B, GSTR-2A or GST purchase register, and no GST period to close, exists for a month before it.
 */
export const FIRST_GST_PERIOD = '2017-07';

/**
 * What is said of a month before GST, by the API (its 400 on `period`) and by the web app's period
 * fields alike: one wording, so a hint never says something else than the refusal it forestalls.
 */
export const BEFORE_GST_RULE = `GST began in July 2017: a period is ${FIRST_GST_PERIOD} or later`;

/** Whether a period is a month before GST (before `FIRST_GST_PERIOD`): no GST period at all. */
export function beforeGst(period: string): boolean {
  return period < FIRST_GST_PERIOD;
}

/** The month (`YYYY-MM`) an Indian calendar date falls in: `today` is `istDate(now)`, never the UTC date. */
export function monthOf(today: string): string {
  return today.slice(0, 7);
}

/**
 * Why a period cannot take imports on `today` (an IST date), or null: from July 2017 up to the
 * period that is running. A period that has begun is allowed because a register is kept (and a 2A
 * read) while it runs; for a quarterly filer that is the quarter, named by its last month, so in
 * November a quarterly filer imports for `YYYY-12`. A period not yet begun has no documents, no 2B and
 * no return, so it is a typo (2062 for 2026) that would otherwise sit unseen under a period nobody opens.
 */
export function importPeriodProblem(period: string, today: string, filingFrequency: 'monthly' | 'quarterly' = 'monthly'): 'before_gst' | 'future' | null {
  if (beforeGst(period)) return 'before_gst';
  if (firstMonthOf(period, filingFrequency) > monthOf(today)) return 'future';
  return null;
}

/** The first month a period covers: itself, or for a quarterly filer the quarter's first month (`2025-06` → `2025-04`). */
function firstMonthOf(period: string, filingFrequency: 'monthly' | 'quarterly'): string {
  return filingFrequency === 'monthly' ? period : quarterStart(period);
}

/**
 * The first day a period takes imports (an IST date): the 1st of its first month.
 */
export function importableFrom(period: string, filingFrequency: 'monthly' | 'quarterly'): string {
  return `${firstMonthOf(period, filingFrequency)}-01`;
}

/**
 * The first day a period can be closed (an IST date): the day after its last day, which is the day
 * its return can first be filed (domain/calendar/filings.ts `filingOpensOn`, the one definition). A
 * return reports a period that is over, and until then invoices keep arriving, so closing it would
 * lock books that are still being written. A quarterly filer's period is named by the quarter's last
 * month, so the quarter ends with that month: the same day holds.
 */
export function closableFrom(period: string): string {
  return filingOpensOn(period);
}

/**
 * Why a period cannot be closed on `today` (an IST date), or null: from July 2017, a period of the
 * client's (`periodProblem`: a quarterly filer's month inside a quarter is never closed on its own,
 * only with its quarter), once `closableFrom` has come.
 */
export function closePeriodProblem(period: string, today: string, filingFrequency: 'monthly' | 'quarterly' = 'monthly'): 'before_gst' | 'not_quarter_end' | 'not_ended' | null {
  if (beforeGst(period)) return 'before_gst';
  if (periodProblem(period, filingFrequency) === 'not_quarter_end') return 'not_quarter_end';
  if (today < closableFrom(period)) return 'not_ended';
  return null;
}

/**
 * Whether a close can be asked on `today` (an IST date, the server's): the `closable` the API shows
 * beside `closableFrom`, so the web app need not trust the browser's clock. The period and time rules
 * only (`closePeriodProblem`, with the filing frequency in force for the period): whether a close is
 * asked also depends on the period's state.
 */
export function isClosable(period: string, today: string, filingFrequency: 'monthly' | 'quarterly' = 'monthly'): boolean {
  return closePeriodProblem(period, today, filingFrequency) === null;
}

/**
 * The close window the API shows for a month (docs/period-close.md, "When a period can be closed"):
 * `closesWith` is the quarter-end period a quarterly filer's month inside a quarter is closed with
 * (null otherwise), and `closableFrom` is that quarter's first closing day, or null for a month
 * before GST (no period at all).
 */
export function closeWindow(period: string, today: string, filingFrequency: 'monthly' | 'quarterly' = 'monthly'): { closable: boolean; closableFrom: string | null; closesWith: string | null } {
  const problem = closePeriodProblem(period, today, filingFrequency);
  const closesWith = problem === 'not_quarter_end' ? quarterEnd(period) : null;
  return { closable: problem === null, closableFrom: problem === 'before_gst' ? null : closableFrom(closesWith ?? period), closesWith };
}

/**
 * How a period is named to people: a quarterly filer's quarter-end period by its quarter
 * ("Q3 FY 2026-27 (Oct–Dec 2026)", as the calendar and follow-ups name it), any other month by itself.
 */
export function periodName(period: string, filingFrequency: 'monthly' | 'quarterly'): string {
  return periodLabel(period, periodProblem(period, filingFrequency) === null && filingFrequency === 'quarterly' ? 'quarterly' : 'monthly');
}

/**
 * The allowed transitions of docs/period-close.md ("States"). `close_requested` returns to the state it came from (open or
 * reopened) on rejection, withdrawal, a stale approval or expiry, so a reopened period stays marked
 * as such until it is closed again. The database refuses any other change (migration 005).
 */
export const PERIOD_TRANSITIONS: ReadonlyArray<readonly [PeriodState, PeriodState]> = [
  ['open', 'close_requested'],
  ['reopened', 'close_requested'],
  ['close_requested', 'open'],
  ['close_requested', 'reopened'],
  ['close_requested', 'closed'],
  ['closed', 'reopened'],
];

export function canTransition(from: PeriodState, to: PeriodState): boolean {
  return PERIOD_TRANSITIONS.some(([f, t]) => f === from && t === to);
}

/** Where a period goes when its close request ends without approval. */
export function stateAfterUnapprovedRequest(reopenCount: number): PeriodState {
  return reopenCount > 0 ? 'reopened' : 'open';
}

/**
 * The last instant corrections for a period's financial year can still go into a return: the end of
 * 30 November (IST) after the financial year ends (CGST Act s.16(4) and s.39(9) cut-offs). Reopening a
 * period past it needs an explicit confirmation (docs/period-close.md, "Periods").
 */
export function correctionCutoff(period: string): Date {
  const match = PERIOD.exec(period);
  if (!match) throw new Error(`not a period: ${period}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const fyEndYear = month >= 4 ? year + 1 : year; // FY April (year) – March (year + 1)
  return new Date(`${fyEndYear}-11-30T23:59:59.999+05:30`);
}

/** The returns whose filing ends a financial year's corrections: the annual return (GSTR-9; GSTR-4 under composition). */
export const ANNUAL_RETURNS = ['GSTR-9', 'GSTR-4'] as const;

/** The period key of the financial year a period falls in, as the calendar names annual returns: its March (`2025-06` → `2026-03`). */
export function financialYearPeriod(period: string): string {
  const match = PERIOD.exec(period);
  if (!match) throw new Error(`not a period: ${period}`);
  const year = Number(match[1]);
  return `${Number(match[2]) >= 4 ? year + 1 : year}-03`;
}

export type CorrectionCutoff = { at: Date; annualReturn: { returnType: string; filedOn: string } | null };

/**
 * The cut-off that governs a reopen: 30 November after the financial year or the furnishing of the
 * year's annual return, whichever is earlier (s.16(4), s.34(2), s.39(9)). A filing is known by its
 * date only, so the year's corrections end when that day begins (IST): on the filing day itself a
 * reopen already asks for the confirmation rather than miss one.
 */
export function correctionCutoffWith(period: string, annualReturn: { returnType: string; filedOn: string } | null): CorrectionCutoff {
  const november = correctionCutoff(period);
  if (!annualReturn) return { at: november, annualReturn: null };
  const filed = new Date(`${annualReturn.filedOn}T00:00:00.000+05:30`);
  return filed.getTime() < november.getTime() ? { at: filed, annualReturn } : { at: november, annualReturn: null };
}

/**
 * JSON with object keys sorted at every level, so equal evidence always hashes the same whatever
 * order the database or a driver returned the fields in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
