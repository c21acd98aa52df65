/**
 * How a return's period is named to people (docs/calendar.md, "Periods"). The key stays `YYYY-MM`,
 * the period's last month, because filings, extensions and follow-ups are keyed by it; but a CA reads
 * a quarterly return by its quarter of the financial year and an annual return by the year, and
 * "Mar 2026" for GSTR-9 or "Dec 2025" for a QRMP GSTR-1 reads as a month that it is not.
 *
 *   monthly    `2025-11` → "Nov 2025"
 *   quarterly  `2025-12` → "Q3 FY 2025-26 (Oct–Dec 2025)"  (Q1 is April–June)
 *   annual     `2026-03` → "FY 2025-26"
 *
 * The cadence comes from the rule that makes the deadline, not from the return's name: the same
 * GSTR-3B key `2025-12` is December for a monthly filer and the October–December quarter under QRMP.
 */
import { financialYear, fitsCadence, periodParts, type Cadence } from './rules';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const monthName = (month: number) => MONTHS[month - 1]!;

/** The quarter of the financial year a month ends (April–June is Q1, January–March Q4). */
export function fyQuarter(period: string): 1 | 2 | 3 | 4 {
  const { month } = periodParts(period);
  return ((Math.floor((month - 1) / 3) + 3) % 4 + 1) as 1 | 2 | 3 | 4;
}

/** The label of a period key under its cadence; a key that does not fit the cadence is a caller's bug. */
export function periodLabel(period: string, cadence: Cadence): string {
  if (!fitsCadence(period, cadence)) throw new Error(`${period} is not a period of the ${cadence} cadence (quarters end in 03/06/09/12, financial years in 03)`);
  const { year, month } = periodParts(period);
  if (cadence === 'monthly') return `${monthName(month)} ${year}`;
  if (cadence === 'annual') return `FY ${financialYear(period)}`;
  // A quarter of the financial year never straddles a calendar year (Jan–Mar is the FY's fourth).
  return `Q${fyQuarter(period)} FY ${financialYear(period)} (${monthName(month - 2)}–${monthName(month)} ${year})`;
}
