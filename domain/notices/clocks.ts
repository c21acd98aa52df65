/**
 * The clocks a manager weighs besides the reply date: the penalty-saving window of a show cause
 * notice, the appeal deadline after an order (with the one month a late appeal may be condoned),
 * and whether the department issued the notice inside its own limitation period. Pure.
 */
import { compareDates, dateOf, plusDays } from '../calendar';
import type { NoticeForm } from './catalogue';

/** `section` and `financialYears`: the section a penalty-saving or limitation clock runs under and the years it is about. */
export type Clock = { kind: 'penalty_saving' | 'appeal_due' | 'condonation_end' | 'limitation_end'; date: string; note: string; section?: '73' | '74' | '74A'; financialYears?: string[] };

/** The same day n months later; a day past the month's end clamps to its last day. */
export function addMonths(date: string, months: number): string {
  const total = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 + months;
  return dateOf(Math.floor(total / 12), (total % 12) + 1, Number(date.slice(8, 10)));
}

/** The annual return of a financial year (`2024-25`) is due on 31 December after it ends. */
export function annualReturnDue(financialYear: string): string {
  return `${Number(financialYear.slice(0, 4)) + 1}-12-31`;
}

export type ClockFacts = { servedOn: string; issuedOn: string | null; sections: string[]; financialYears: string[]; orderDate: string | null };

export type DemandSection = '73' | '74' | '74A';

/** The first financial year s.74A governs; s.73/74 govern the years up to 2023-24 (the DRC-01 row of the domain's form catalogue). */
export const SECTION_74A_FROM = '2024-25';

const namedSections = (sections: string[]) => sections.map((s) => s.replace(/^s\.?\s*/i, '').toUpperCase());

/**
 * The demand section that governs one financial year: s.74A from FY 2024-25, whatever the notice
 * names; for earlier years s.74 when the notice names it (fraud or suppression), else s.73. Without a
 * year (a notice that states none), the section it names.
 */
export function sectionForYear(financialYear: string | null, sections: string[]): DemandSection {
  const named = namedSections(sections);
  if (financialYear === null) return named.includes('74A') ? '74A' : named.includes('74') ? '74' : '73';
  if (financialYear >= SECTION_74A_FROM) return '74A';
  return named.includes('74') ? '74' : '73';
}

/** Each financial year of the notice with its own section (a notice with no year: one entry, `null`). */
export function yearSections(facts: Pick<ClockFacts, 'sections' | 'financialYears'>): Array<{ financialYear: string | null; section: DemandSection }> {
  const years = [...new Set(facts.financialYears)].sort();
  return years.length === 0 ? [{ financialYear: null, section: sectionForYear(null, facts.sections) }] : years.map((fy) => ({ financialYear: fy, section: sectionForYear(fy, facts.sections) }));
}

/**
 * The last day the department could issue a show cause notice for a financial year: s.73 three years
 * from the annual return's due date less three months; s.74 five years less six months; s.74A 42 months.
 */
export function limitationEnd(section: DemandSection, financialYear: string): string {
  const months = section === '73' ? 33 : section === '74' ? 54 : 42;
  return addMonths(annualReturnDue(financialYear), months);
}

const PENALTY_SAVING: Record<DemandSection, { days: number; note: string }> = {
  '73': { days: 30, note: 'tax and interest paid by this date: no penalty (s.73)' },
  '74': { days: 30, note: 'paid by this date: penalty falls to 25% (s.74)' },
  '74A': { days: 60, note: 'paid by this date: reduced penalty (s.74A)' },
};

/**
 * A notice covering years under different sections (FY 2023-24 and 2024-25, say) gets one
 * penalty-saving clock per section, naming its years, and one limitation clock per year: each year
 * is decided under its own section, and a year outside limitation is challengeable on its own.
 */
export function noticeClocks(form: NoticeForm, facts: ClockFacts): Clock[] {
  const clocks: Clock[] = [];
  const years = yearSections(facts);
  if (form.clocks.includes('penalty_saving')) {
    for (const section of ['73', '74', '74A'] as const) {
      const covered = years.filter((y) => y.section === section);
      if (covered.length === 0) continue;
      const fys = covered.flatMap((y) => (y.financialYear ? [y.financialYear] : []));
      const { days, note } = PENALTY_SAVING[section];
      clocks.push({ kind: 'penalty_saving', date: plusDays(facts.servedOn, days), note: fys.length && years.length > 1 ? `${note}, FY ${fys.join(', ')}` : note, section, financialYears: fys });
    }
  }
  const orderDate = facts.orderDate ?? (form.clocks.includes('appeal') && form.form === 'DRC-07' ? facts.servedOn : null);
  if (orderDate) {
    clocks.push({ kind: 'appeal_due', date: addMonths(orderDate, 3), note: 'APL-01 within 3 months of the order’s communication' });
    clocks.push({ kind: 'condonation_end', date: addMonths(orderDate, 4), note: 'one more month only if the appellate authority accepts the delay' });
  }
  if (form.clocks.includes('limitation')) {
    const limits = years
      .flatMap((y) => (y.financialYear ? [{ ...y, financialYear: y.financialYear, date: limitationEnd(y.section, y.financialYear) }] : []))
      .sort((a, b) => compareDates(a.date, b.date) || a.financialYear.localeCompare(b.financialYear));
    for (const y of limits) {
      clocks.push({ kind: 'limitation_end', date: y.date, note: `last day for the department's notice on FY ${y.financialYear} under s.${y.section}`, section: y.section, financialYears: [y.financialYear] });
    }
  }
  return clocks;
}

/** Flags a notice issued after the department's limitation period for any year it covers, each year under its own section. */
export function outsideLimitation(form: NoticeForm, facts: ClockFacts): boolean {
  if (!form.clocks.includes('limitation')) return false;
  const issued = facts.issuedOn ?? facts.servedOn;
  return yearSections(facts).some((y) => y.financialYear !== null && compareDates(issued, limitationEnd(y.section, y.financialYear)) > 0);
}
