/**
 * Retention of closed periods' data, as pure functions (docs/data-export-and-erasure.md,
 * "Retention"). The api shows the plan they compute, and the nightly retention workflow purges
 * exactly the items this plan marks `due`; nothing else decides what is deleted or when.
 *
 * A firm chooses, per data class, how many months after the **due date of the annual return** of a
 * period's financial year its data is kept (null: kept, the default). GST records must be kept at
 * least 72 months from that date (CGST Act s.36); the minimum per class comes from the seeded
 * statutory rules (table `retention_rules`), never from code, because the statute can change.
 */
import { dateOf, daysInMonth, isIsoDate, plusDays } from './calendar/dates';
import { financialYear } from './calendar/rules';

/** What retention can purge: the parsed contents of uploaded returns and registers; reconciliation result rows. */
export const RETENTION_CLASSES = ['source_files', 'reconciliation_results'] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/** The API's field name of each class (camelCase), in the settings body and the plan. */
export const RETENTION_CLASS_FIELDS: Record<RetentionClass, string> = { source_files: 'sourceFiles', reconciliation_results: 'reconciliationResults' };

/** One seeded statutory rule: the least a class must be kept, counted from the annual return's due date. */
export type RetentionRule = {
  dataClass: RetentionClass;
  minMonths: number;
  /** The annual return of financial year Y (April Y to March Y+1) is due on `anchorDay` of the month `anchorMonthsAfterYearEnd` months after March Y+1. */
  anchorMonthsAfterYearEnd: number;
  anchorDay: number;
  /** The law it follows, and which version of it (shown in the api and the docs). */
  reference: string;
  version: string;
};

/** Months after the annual return's due date, per class; null keeps the data (the default). */
export type RetentionSettings = Record<RetentionClass, number | null>;

export const DEFAULT_RETENTION_SETTINGS: RetentionSettings = { source_files: null, reconciliation_results: null };

/** The longest setting accepted: a century is "keep" in all but name. */
export const MAX_RETENTION_MONTHS = 1200;

/** What the plan needs to know of one period of one client. */
export type RetentionPeriod = {
  clientId: string;
  period: string;
  state: 'open' | 'close_requested' | 'closed' | 'reopened';
  /** Classes already purged for this period, with when (ISO instant). */
  purged: Partial<Record<RetentionClass, string>>;
};

export type RetentionItemStatus =
  /** The firm keeps this class (no retention period set). */
  | 'kept'
  /** Not closed: only a closed period's data is ever purged (reopened work is live work). */
  | 'not_closed'
  /** Kept until `keepUntil`; purged on `purgeOn`. */
  | 'scheduled'
  /** `purgeOn` has come: the next nightly run purges it. */
  | 'due'
  | 'purged';

export type RetentionItem = {
  clientId: string;
  period: string;
  financialYear: string;
  dataClass: RetentionClass;
  annualReturnDueDate: string;
  /** The months applied (the firm's setting, never below the statutory minimum); null when kept. */
  retainMonths: number | null;
  /** The last day the data is kept; null when kept. */
  keepUntil: string | null;
  /** The day (IST) from which the nightly run purges it; null when kept. */
  purgeOn: string | null;
  status: RetentionItemStatus;
  purgedAt: string | null;
};

export type RetentionPlanInput = {
  settings: RetentionSettings;
  rules: RetentionRule[];
  periods: RetentionPeriod[];
  /** The Indian calendar day the plan is for (the nightly run's day). */
  today: string;
  /**
   * Annual return due dates moved by a notified extension, by financial year (`2017-18` → date).
   * An extension moves the statutory clock later, never earlier.
   */
  annualReturnDueDates?: Record<string, string>;
};

/** `date` plus n calendar months; a day past the month's end is clamped (31 December + 2 months = 28/29 February). */
export function addMonthsToDate(date: string, months: number): string {
  if (!isIsoDate(date)) throw new Error(`not a date: ${date}`);
  const index = Number(date.slice(0, 4)) * 12 + (Number(date.slice(5, 7)) - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return dateOf(year, month, Math.min(Number(date.slice(8, 10)), daysInMonth(year, month)));
}

/** The statutory due date of the annual return of the financial year a period falls in, or the later extended one. */
export function annualReturnDueDate(period: string, rule: Pick<RetentionRule, 'anchorMonthsAfterYearEnd' | 'anchorDay'>, extended?: Record<string, string>): string {
  const fy = financialYear(period);
  const yearEnd = `${Number(fy.slice(0, 4)) + 1}-03-31`;
  const shifted = addMonthsToDate(yearEnd, rule.anchorMonthsAfterYearEnd);
  const statutory = dateOf(Number(shifted.slice(0, 4)), Number(shifted.slice(5, 7)), rule.anchorDay);
  const moved = extended?.[fy];
  return moved && moved > statutory ? moved : statutory;
}

/**
 * The law a rule follows, as a citation: the seeded reference ("CGST Act 2017 s.36 (72 months from
 * the annual return due date)") without its closing note in brackets, which restates the minimum the
 * words around it already give. A reference without such a note is its own citation.
 */
export function ruleCitation(reference: string): string {
  return reference.replace(/\s+\([^()]*\)\s*$/, '').trim() || reference;
}

/**
 * A class's minimum in words, one source for the API's refusal and the settings page's hint:
 * "at least 72 months after the annual return's due date, as CGST Act 2017 s.36 requires" (never
 * brackets inside brackets, which a reference with its own note in them made).
 */
export function retentionMinimumWords(rule: Pick<RetentionRule, 'minMonths' | 'reference'>): string {
  return `at least ${rule.minMonths} months after the annual return's due date, as ${ruleCitation(rule.reference)} requires`;
}

/** Why each field of a settings change is refused (empty when acceptable), keyed by the API's field path. */
export function retentionSettingsProblems(settings: RetentionSettings, rules: RetentionRule[]): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const dataClass of RETENTION_CLASSES) {
    const months = settings[dataClass];
    const field = `${RETENTION_CLASS_FIELDS[dataClass]}.retainMonths`;
    const rule = rules.find((r) => r.dataClass === dataClass);
    if (months === null) continue;
    if (!rule) {
      problems[field] = 'no statutory rule is known for this class, so it can only be kept';
    } else if (!Number.isInteger(months) || months > MAX_RETENTION_MONTHS) {
      problems[field] = `a whole number of months up to ${MAX_RETENTION_MONTHS}, or null to keep`;
    } else if (months < rule.minMonths) {
      problems[field] = `${retentionMinimumWords(rule)}; or null to keep`;
    }
  }
  return problems;
}

/**
 * Every (client, period, class) with when it will be purged. Sorted by purge day (kept last), then
 * client, period and class, so the list reads as a timetable. A setting below the rule's minimum
 * (which the api and the database refuse) is raised to the minimum here too: the plan never purges
 * early, whatever the stored value. A class without a rule is kept.
 */
export function retentionPlan(input: RetentionPlanInput): RetentionItem[] {
  if (!isIsoDate(input.today)) throw new Error(`not a day: ${input.today}`);
  const items: RetentionItem[] = [];
  for (const p of input.periods) {
    for (const dataClass of RETENTION_CLASSES) {
      const rule = input.rules.find((r) => r.dataClass === dataClass);
      const setting = input.settings[dataClass];
      const anchor = annualReturnDueDate(p.period, rule ?? { anchorMonthsAfterYearEnd: 9, anchorDay: 31 }, input.annualReturnDueDates);
      const purgedAt = p.purged[dataClass] ?? null;
      const retainMonths = setting === null || !rule ? null : Math.max(setting, rule.minMonths);
      const keepUntil = retainMonths === null ? null : addMonthsToDate(anchor, retainMonths);
      const purgeOn = keepUntil === null ? null : plusDays(keepUntil, 1);
      let status: RetentionItemStatus;
      if (purgedAt) status = 'purged';
      else if (purgeOn === null) status = 'kept';
      else if (p.state !== 'closed') status = 'not_closed';
      else status = purgeOn <= input.today ? 'due' : 'scheduled';
      items.push({ clientId: p.clientId, period: p.period, financialYear: financialYear(p.period), dataClass, annualReturnDueDate: anchor, retainMonths, keepUntil, purgeOn, status, purgedAt });
    }
  }
  return items.sort(
    (a, b) =>
      (a.purgeOn ?? '9999-12-31').localeCompare(b.purgeOn ?? '9999-12-31') ||
      a.clientId.localeCompare(b.clientId) ||
      a.period.localeCompare(b.period) ||
      RETENTION_CLASSES.indexOf(a.dataClass) - RETENTION_CLASSES.indexOf(b.dataClass),
  );
}

/** Items and rows purged per class (a run's totals). */
export type RetentionTotals = Record<RetentionClass, { items: number; rows: number }>;

/** The items the nightly run purges on `today`. */
export function dueRetentionItems(input: RetentionPlanInput): RetentionItem[] {
  return retentionPlan(input).filter((item) => item.status === 'due');
}
