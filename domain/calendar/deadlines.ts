/**
 * A client's deadlines: for a return and period, the three dates of a deadline (statutory due date,
 * extended due date, internal target date) and where each comes from; for a window, every deadline
 * whose effective due date falls in it; and a deadline's status on a given day. Pure: the rules,
 * the extensions, the holiday calendar and the firm's policy are all passed in, so the API, the daily
 * sweep, follow-ups and notices compute the same dates from the same rows.
 */
import { addMonths, frequencyAt, ruleApplies, ruleDueDate, type Cadence, type ClientProfile, type FilingFrequency, type ReturnRule, type ReturnType } from './rules';
import { compareDates, dueInstant, plusDays } from './dates';
import { addDays, type HolidayCalendar } from './working-days';
import { periodLabel } from './period-label';

/**
 * A notified extension: one return and period, for every state (stateCodes null) or some, and for
 * filers of either frequency (filingFrequency null) or one. The frequency matters where monthly and
 * quarterly filers share a period key: GSTR-3B for `2024-12` is December for a monthly filer and
 * the October–December quarter for a QRMP filer, and a notification often gives them different dates.
 */
export type Extension = {
  id: string;
  returnType: ReturnType;
  period: string;
  stateCodes: readonly string[] | null;
  filingFrequency: FilingFrequency | null;
  dueDate: string;
  /** When it was recorded (ISO instant): the latest matching extension wins. */
  recordedAt: string;
};

export type CalendarPolicy = {
  rules: readonly ReturnRule[];
  extensions: readonly Extension[];
  /** The holiday calendar of the client's state (calendarForState). */
  calendar: HolidayCalendar;
  /** The firm's buffer: the target date is this many working days before the effective due date. */
  targetBufferDays: number;
};

export type Deadline = {
  returnType: ReturnType;
  period: string;
  ruleId: string;
  /** The rule's cadence: what the period key stands for (a month, a quarter, a financial year; periodLabel names it). */
  cadence: Cadence;
  /** Statutory due date from the rules. */
  dueDate: string;
  /** From the latest matching extension; null when none. */
  extendedDueDate: string | null;
  extensionId: string | null;
  /** The date that counts: the extended one when there is one. */
  effectiveDueDate: string;
  /** Firm policy: the effective due date minus the buffer, in working days. */
  targetDate: string;
  /** End of the effective due date in IST. */
  dueAt: Date;
};

/**
 * The key of one deadline: a client's return for a period. Filings, alerts and anything another
 * process keys to a deadline (follow-ups, notices) use it; the dates themselves are never copied.
 */
export function deadlineKey(clientId: string, returnType: ReturnType, period: string): string {
  return `${clientId}|${returnType}|${period}`;
}

export const DEFAULT_TARGET_BUFFER_DAYS = 2;
export const DEFAULT_WARNING_DAYS = 7;

/** What decides whether an extension reaches one client's deadline: its state, its frequency in the period, its statutory due date. */
export type ExtensionTarget = { stateCode: string; filingFrequency: FilingFrequency; dueDate: string };

/** Whether an extension names this return, period, state and frequency (whatever its date). */
export function extensionCovers(e: Pick<Extension, 'returnType' | 'period' | 'stateCodes' | 'filingFrequency'>, returnType: ReturnType, period: string, target: Omit<ExtensionTarget, 'dueDate'>): boolean {
  if (e.returnType !== returnType || e.period !== period) return false;
  if (e.stateCodes !== null && !e.stateCodes.includes(target.stateCode)) return false;
  return e.filingFrequency === null || e.filingFrequency === target.filingFrequency;
}

/**
 * Whether an extension applies to a client's deadline: it covers it and does not end before the
 * statutory due date. An extension gives more time; one dated before a client's own due date was
 * meant for other filers (monthly filers' 3B extended to the 22nd says nothing about a QRMP filer
 * due on the 24th), so it does not apply to that client.
 */
export function extensionApplies(e: Pick<Extension, 'returnType' | 'period' | 'stateCodes' | 'filingFrequency' | 'dueDate'>, returnType: ReturnType, period: string, target: ExtensionTarget): boolean {
  return extensionCovers(e, returnType, period, target) && e.dueDate >= target.dueDate;
}

/**
 * The extension that governs a client's return and period: the most recently recorded one that
 * applies to it (extensionApplies). One that does not apply is passed over as if it named other
 * filers, so a monthly filers' extension recorded after a QRMP one leaves the QRMP date standing.
 */
export function extensionFor(extensions: readonly Extension[], returnType: ReturnType, period: string, target: ExtensionTarget): Extension | null {
  let found: Extension | null = null;
  for (const e of extensions) {
    if (!extensionApplies(e, returnType, period, target)) continue;
    if (!found || e.recordedAt > found.recordedAt || (e.recordedAt === found.recordedAt && e.id > found.id)) found = e;
  }
  return found;
}

function build(rule: ReturnRule, period: string, profile: ClientProfile, policy: CalendarPolicy): Deadline {
  const dueDate = ruleDueDate(rule, period);
  const extension = extensionFor(policy.extensions, rule.returnType, period, { stateCode: profile.stateCode, filingFrequency: frequencyAt(profile, period), dueDate });
  const effectiveDueDate = extension?.dueDate ?? dueDate;
  const buffer = profile.targetBufferDays ?? policy.targetBufferDays;
  return {
    returnType: rule.returnType,
    period,
    ruleId: rule.id,
    cadence: rule.cadence,
    dueDate,
    extendedDueDate: extension?.dueDate ?? null,
    extensionId: extension?.id ?? null,
    effectiveDueDate,
    targetDate: addDays(effectiveDueDate, -buffer, 'working', policy.calendar),
    dueAt: dueInstant(effectiveDueDate),
  };
}

/** The rule in force for a return, period and client; when rows overlap, the most recently valid wins. */
function ruleFor(profile: ClientProfile, returnType: ReturnType, period: string, rules: readonly ReturnRule[]): ReturnRule | null {
  let found: ReturnRule | null = null;
  for (const rule of rules) {
    if (rule.returnType !== returnType || !ruleApplies(rule, profile, period)) continue;
    if (!found || rule.validFrom > found.validFrom) found = rule;
  }
  return found;
}

/**
 * The dates of one deadline: {dueDate, extendedDueDate, targetDate} (and the effective date and
 * instant), or null when the return does not apply to this client for this period. Follow-ups and
 * notices call this with the rows current at the time, so an extension recorded later moves them.
 */
export function deadlineFor(profile: ClientProfile, returnType: ReturnType, period: string, policy: CalendarPolicy): Deadline | null {
  const rule = ruleFor(profile, returnType, period, policy.rules);
  return rule ? build(rule, period, profile, policy) : null;
}

/** A client's statutory due date for a return and period (no extension), or null when the return does not apply. */
export function statutoryDueDate(profile: ClientProfile, returnType: ReturnType, period: string, rules: readonly ReturnRule[]): string | null {
  const rule = ruleFor(profile, returnType, period, rules);
  return rule ? ruleDueDate(rule, period) : null;
}

/**
 * A client's return period as people read it: periodLabel by the cadence of the rule in force for
 * that client and period (the GSTR-3B key `2025-12` is December or a QRMP quarter), or null when the
 * return does not apply. Follow-ups name the deadline they feed with it, as the calendar does.
 */
export function returnPeriodLabel(profile: ClientProfile, returnType: ReturnType, period: string, rules: readonly ReturnRule[]): string | null {
  const rule = ruleFor(profile, returnType, period, rules);
  return rule ? periodLabel(period, rule.cadence) : null;
}

/**
 * Which clients an extension reaches: `affected`, those it applies to; `notApplied`, those it
 * covers (return, period, state, frequency) whose statutory due date is already later, so it does
 * not apply to them (extensionApplies).
 */
export function extensionReach(e: Pick<Extension, 'returnType' | 'period' | 'stateCodes' | 'filingFrequency' | 'dueDate'>, clients: readonly ClientProfile[], rules: readonly ReturnRule[]): { affected: number; notApplied: number } {
  const reach = { affected: 0, notApplied: 0 };
  for (const profile of clients) {
    const dueDate = statutoryDueDate(profile, e.returnType, e.period, rules);
    if (dueDate === null) continue;
    const target = { stateCode: profile.stateCode, filingFrequency: frequencyAt(profile, e.period), dueDate };
    if (extensionApplies(e, e.returnType, e.period, target)) reach.affected += 1;
    else if (extensionCovers(e, e.returnType, e.period, target)) reach.notApplied += 1;
  }
  return reach;
}

/** How far before a window a period can end and still be due in it (annual returns fall due nine months on; extensions add more). */
const LOOKBACK_MONTHS = 24;

/** Every deadline of a client whose effective due date is within [from, to], ordered by that date. */
export function deadlinesInWindow(profile: ClientProfile, from: string, to: string, policy: CalendarPolicy): Deadline[] {
  const found: Deadline[] = [];
  const last = to.slice(0, 7);
  const returnTypes = [...new Set(policy.rules.map((r) => r.returnType))];
  for (let period = addMonths(from.slice(0, 7), -LOOKBACK_MONTHS); period <= last; period = addMonths(period, 1)) {
    for (const returnType of returnTypes) {
      const deadline = deadlineFor(profile, returnType, period, policy);
      if (deadline && deadline.effectiveDueDate >= from && deadline.effectiveDueDate <= to) found.push(deadline);
    }
  }
  return found.sort((a, b) => compareDates(a.effectiveDueDate, b.effectiveDueDate) || a.returnType.localeCompare(b.returnType) || a.period.localeCompare(b.period));
}

export const DEADLINE_STATUSES = ['upcoming', 'due_soon', 'overdue', 'filed'] as const;
export type DeadlineStatus = (typeof DEADLINE_STATUSES)[number];

/**
 * A deadline's status on an Indian calendar date: filed once a filing is recorded; overdue once its
 * effective due date has passed; due soon from warningDays calendar days before it; else upcoming.
 */
export function deadlineStatus(effectiveDueDate: string, filed: boolean, today: string, warningDays: number): DeadlineStatus {
  if (filed) return 'filed';
  if (today > effectiveDueDate) return 'overdue';
  if (today >= plusDays(effectiveDueDate, -warningDays)) return 'due_soon';
  return 'upcoming';
}
