/**
 * Recurring GST returns as data. A rule says which return, for which clients (scheme, filing
 * frequency, QRMP state group, turnover band), for which periods (cadence, months of the quarter,
 * validity) and when it is due (months after the period's last month, day of that month). The rows
 * themselves live in the database (seeded by a migration; a changed due day is a new row with a
 * new validity), so nothing here branches on a form name.
 */
import { dateOf } from './dates';
import { qrmpGroup, type QrmpGroup } from './states';

export const RETURN_TYPES = ['GSTR-1', 'IFF', 'GSTR-3B', 'CMP-08', 'GSTR-4', 'GSTR-9', 'GSTR-9C'] as const;
export type ReturnType = (typeof RETURN_TYPES)[number];

export type Cadence = 'monthly' | 'quarterly' | 'annual';
export type Scheme = 'regular' | 'composition';
export type FilingFrequency = 'monthly' | 'quarterly';
/** Aggregate annual turnover of the previous financial year. */
export const TURNOVER_BANDS = ['up_to_2cr', '2cr_to_5cr', 'above_5cr'] as const;
export type TurnoverBand = (typeof TURNOVER_BANDS)[number];

export type ReturnRule = {
  id: string;
  returnType: ReturnType;
  cadence: Cadence;
  scheme: Scheme;
  /** Only for clients filing at this frequency in the period; null: either. */
  filingFrequency: FilingFrequency | null;
  /** Only for GSTINs of this QRMP state group; null: every state. */
  qrmpGroup: QrmpGroup | null;
  /** Monthly rules only: the months of the quarter it covers (1–3); null: all three. */
  monthsOfQuarter: readonly number[] | null;
  /** The due date's month, counted from the period's last month (1 = the next month). */
  dueMonthOffset: number;
  /** The due date's day of that month (clamped to the month's last day). */
  dueDay: number;
  /** Only for clients in these turnover bands; null: every band. */
  turnoverBands: readonly TurnoverBand[] | null;
  /** First and last period (`YYYY-MM`) the rule governs; validTo null: still in force. */
  validFrom: string;
  validTo: string | null;
};

/** A period key: `YYYY-MM`; quarterly periods end in 03/06/09/12, annual ones in 03 (the financial year's end). */
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(value: string): boolean {
  return PERIOD.test(value);
}

export function periodParts(period: string): { year: number; month: number } {
  const match = PERIOD.exec(period);
  if (!match) throw new Error(`not a period: ${period}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

export function periodOf(year: number, month: number): string {
  const index = year * 12 + (month - 1);
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function addMonths(period: string, n: number): string {
  const { year, month } = periodParts(period);
  return periodOf(year, month + n);
}

/** The month's position in its quarter (April, July, October, January are 1). */
export function monthOfQuarter(period: string): number {
  return ((periodParts(period).month - 1) % 3) + 1;
}

/** The first month of the quarter a month is in (the quarter boundary frequency changes happen at). */
export function quarterStart(period: string): string {
  return addMonths(period, 1 - monthOfQuarter(period));
}

/** The financial year (`2025-26`) a month falls in: April to March. */
export function financialYear(period: string): string {
  const { year, month } = periodParts(period);
  const start = month >= 4 ? year : year - 1;
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/** Whether a period key has the shape of the cadence (quarter ends; March for a financial year). */
export function fitsCadence(period: string, cadence: Cadence): boolean {
  const { month } = periodParts(period);
  if (cadence === 'quarterly') return month % 3 === 0;
  if (cadence === 'annual') return month === 3;
  return true;
}

export type FrequencyChange = {
  /** First month (a quarter's first month) the new frequency applies to. */
  fromPeriod: string;
  frequency: FilingFrequency;
  /** What the client filed at before this change. */
  previousFrequency: FilingFrequency;
};

/** What a client's calendar depends on. */
export type ClientProfile = {
  stateCode: string;
  scheme: Scheme;
  /** The frequency now, and the dated changes that made it so (history stays right across a change). */
  filingFrequency: FilingFrequency;
  frequencyChanges: readonly FrequencyChange[];
  /** Unknown bands count as 2cr_to_5cr: GSTR-9 shown, GSTR-9C not. */
  turnoverBand: TurnoverBand | null;
  /** The client's own buffer before the due date, overriding the firm's; null: the firm's. */
  targetBufferDays: number | null;
};

/**
 * The filing frequency in force for a month: the earliest change after it says what came before it;
 * past every change, the client's frequency (which the latest change set).
 */
export function frequencyAt(profile: Pick<ClientProfile, 'filingFrequency' | 'frequencyChanges'>, month: string): FilingFrequency {
  let next: FrequencyChange | null = null;
  for (const change of profile.frequencyChanges) if (change.fromPeriod > month && (!next || change.fromPeriod < next.fromPeriod)) next = change;
  return next ? next.previousFrequency : profile.filingFrequency;
}

/**
 * The first month a frequency chosen on this date applies to, when no quarter is named: QRMP is opted
 * into (or out of) for a quarter between the first day of the previous quarter's second month and
 * the last day of the quarter's first month. So a choice made in a quarter's first month applies to
 * that quarter; one made in its second or third month, to the next quarter.
 */
export function frequencyChangeFrom(today: string): string {
  const month = today.slice(0, 7);
  return monthOfQuarter(month) === 1 ? month : addMonths(quarterStart(month), 3);
}

/** The client's profile once a frequency change is recorded (a change from the same quarter is replaced): its frequency is the latest change's. */
export function withFrequencyChange<P extends Pick<ClientProfile, 'filingFrequency' | 'frequencyChanges'>>(profile: P, change: { fromPeriod: string; frequency: FilingFrequency }): P {
  const others = profile.frequencyChanges.filter((c) => c.fromPeriod !== change.fromPeriod);
  const previousFrequency = frequencyAt({ ...profile, frequencyChanges: others }, change.fromPeriod);
  const frequencyChanges = [...others, { ...change, previousFrequency }].sort((a, b) => a.fromPeriod.localeCompare(b.fromPeriod));
  return { ...profile, frequencyChanges, filingFrequency: frequencyChanges.at(-1)!.frequency };
}

/**
 * QRMP (quarterly GSTR-1 and GSTR-3B, rule 61A of the CGST Rules) is open only to a registered
 * person whose aggregate turnover in the previous financial year was up to ₹5 crore. The turnover
 * band is today's fact, so it governs the frequency in force from the latest change on; periods
 * before that keep their history. Composition taxpayers file CMP-08 whatever the frequency says.
 */
export const QRMP_TURNOVER_RULE = 'QRMP (quarterly filing) is open only to a taxpayer whose aggregate turnover in the previous financial year was up to ₹5 crore (rule 61A)';

/** The QRMP turnover rule's refusal for a profile, or null when the profile keeps it. */
export function qrmpTurnoverProblem(profile: Pick<ClientProfile, 'scheme' | 'filingFrequency' | 'turnoverBand'>): string | null {
  return profile.scheme === 'regular' && profile.filingFrequency === 'quarterly' && profile.turnoverBand === 'above_5cr' ? QRMP_TURNOVER_RULE : null;
}

/** Whether a rule governs this client for this period (the period's shape, validity and the client's facts). */
export function ruleApplies(rule: ReturnRule, profile: ClientProfile, period: string): boolean {
  if (!fitsCadence(period, rule.cadence)) return false;
  if (period < rule.validFrom || (rule.validTo !== null && period > rule.validTo)) return false;
  if (rule.monthsOfQuarter && !rule.monthsOfQuarter.includes(monthOfQuarter(period))) return false;
  if (rule.scheme !== profile.scheme) return false;
  if (rule.filingFrequency && frequencyAt(profile, period) !== rule.filingFrequency) return false;
  if (rule.qrmpGroup && qrmpGroup(profile.stateCode) !== rule.qrmpGroup) return false;
  if (rule.turnoverBands && !rule.turnoverBands.includes(profile.turnoverBand ?? '2cr_to_5cr')) return false;
  return true;
}

/** The statutory due date of a rule's period. */
export function ruleDueDate(rule: ReturnRule, period: string): string {
  const due = periodParts(addMonths(period, rule.dueMonthOffset));
  return dateOf(due.year, due.month, rule.dueDay);
}

/** The rules of a return that can govern a period (its shape and the rule's validity), whoever the client. */
export function rulesForPeriod(rules: readonly ReturnRule[], returnType: ReturnType, period: string): ReturnRule[] {
  return rules.filter(
    (r) =>
      r.returnType === returnType &&
      fitsCadence(period, r.cadence) &&
      (!r.monthsOfQuarter || r.monthsOfQuarter.includes(monthOfQuarter(period))) &&
      period >= r.validFrom &&
      (r.validTo === null || period <= r.validTo),
  );
}

/** Whether some rule of this return type can have this period at all (used to refuse nonsense input). */
export function periodFitsReturn(rules: readonly ReturnRule[], returnType: ReturnType, period: string): boolean {
  return rules.some((r) => r.returnType === returnType && fitsCadence(period, r.cadence) && (!r.monthsOfQuarter || r.monthsOfQuarter.includes(monthOfQuarter(period))));
}
