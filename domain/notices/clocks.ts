/**
 * The clocks a manager weighs besides the reply date: the penalty-saving window of a show cause
 * notice, the appeal deadline after an order (with the one month a late appeal may be condoned),
 * and whether the department issued the notice inside its own limitation period. Pure.
 */
import { compareDates, dateOf, plusDays } from '../calendar';
import type { NoticeForm } from './catalogue';

export type Clock = { kind: 'penalty_saving' | 'appeal_due' | 'condonation_end' | 'limitation_end'; date: string; note: string };

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

/** Which demand section governs: s.74A for FY 2024-25 onwards, else s.74 when named, else s.73. */
export function demandSection(facts: Pick<ClockFacts, 'sections' | 'financialYears'>): '73' | '74' | '74A' {
  const named = facts.sections.map((s) => s.replace(/^s\.?\s*/i, '').toUpperCase());
  if (named.includes('74A') || facts.financialYears.some((fy) => fy >= '2024-25')) return '74A';
  return named.includes('74') ? '74' : '73';
}

/**
 * The last day the department could issue a show cause notice for a financial year: s.73 three years
 * from the annual return's due date less three months; s.74 five years less six months; s.74A 42 months.
 */
export function limitationEnd(section: '73' | '74' | '74A', financialYear: string): string {
  const months = section === '73' ? 33 : section === '74' ? 54 : 42;
  return addMonths(annualReturnDue(financialYear), months);
}

export function noticeClocks(form: NoticeForm, facts: ClockFacts): Clock[] {
  const clocks: Clock[] = [];
  const section = demandSection(facts);
  if (form.clocks.includes('penalty_saving')) {
    const days = section === '74A' ? 60 : 30;
    const end = plusDays(facts.servedOn, days);
    const note = section === '73' ? 'tax and interest paid by this date: no penalty (s.73)' : section === '74' ? 'paid by this date: penalty falls to 25% (s.74)' : 'paid by this date: reduced penalty (s.74A)';
    clocks.push({ kind: 'penalty_saving', date: end, note });
  }
  const orderDate = facts.orderDate ?? (form.clocks.includes('appeal') && form.form === 'DRC-07' ? facts.servedOn : null);
  if (orderDate) {
    clocks.push({ kind: 'appeal_due', date: addMonths(orderDate, 3), note: 'APL-01 within 3 months of the order’s communication' });
    clocks.push({ kind: 'condonation_end', date: addMonths(orderDate, 4), note: 'one more month only if the appellate authority accepts the delay' });
  }
  if (form.clocks.includes('limitation') && facts.financialYears.length > 0) {
    const earliest = [...facts.financialYears].sort()[0]!;
    clocks.push({ kind: 'limitation_end', date: limitationEnd(section, earliest), note: `last day for the department's notice on FY ${earliest} under s.${section}` });
  }
  return clocks;
}

/** Flags a notice issued after the department's limitation period for any year it covers. */
export function outsideLimitation(form: NoticeForm, facts: ClockFacts): boolean {
  if (!form.clocks.includes('limitation')) return false;
  const issued = facts.issuedOn ?? facts.servedOn;
  const section = demandSection(facts);
  return facts.financialYears.some((fy) => compareDates(issued, limitationEnd(section, fy)) > 0);
}
