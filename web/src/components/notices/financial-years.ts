/**
 * The financial years a GST notice may cover, for the intake's multi-select: from 2017-18 (GST began
 * on 1 July 2017) to the current one in India, newest first, written as the API takes them
 * (`YYYY-YY`, docs/notices.md "Routes").
 */
import { todayInIndia } from '../../lib/format';

export const FIRST_GST_YEAR = 2017;

/** "2024-25" for a start year of 2024. */
export const financialYearOf = (startYear: number) => `${startYear}-${String((startYear + 1) % 100).padStart(2, '0')}`;

export function financialYears(now: Date = new Date()): string[] {
  const today = todayInIndia(now);
  const year = Number(today.slice(0, 4));
  // April starts a financial year.
  const current = Number(today.slice(5, 7)) >= 4 ? year : year - 1;
  const list: string[] = [];
  for (let y = current; y >= FIRST_GST_YEAR; y -= 1) list.push(financialYearOf(y));
  return list;
}
