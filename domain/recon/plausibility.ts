/**
 * Is this file the period's? (docs/reconciliation.md, "Imports", plausibility.) A run carries
 * books and portal documents of earlier periods — late bookings, late filings — back to the start
 * of the financial year two years before the period's (the look-back of "Pools and pairing"), so a
 * document dated in that window is normal. A file whose documents are mostly dated after the
 * period, or before the window, is most likely another period's register or 2B uploaded under
 * this one: the import is kept, with a warning the API shows before anyone runs it.
 */
import { fyStartYear } from './dates';
import type { Issue } from './types';

/** Codes of the warnings computed here: the run request and the period view repeat them. */
export const PLAUSIBILITY_CODES: ReadonlySet<string> = new Set(['dates_outside_period']);

/** Financial years before the period's that a run looks back into (docs/reconciliation.md, "Pools and pairing"). */
export const LOOK_BACK_YEARS = 2;

export type PlausibilityInput = {
  kind: 'purchase_register' | 'gstr2b' | 'gstr2a';
  /** The import's period, `YYYY-MM`. */
  period: string;
  /** ISO dates of the file's documents (invoice or note dates). */
  dates: Iterable<string>;
};

/** The first and last day a document of `period` may carry: the look-back's first 1 April, the period's last day. */
export function plausibleWindow(period: string): { from: string; to: string } {
  const from = `${fyStartYear(`${period}-01`) - LOOK_BACK_YEARS}-04-01`;
  const [y, m] = period.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from, to: `${period}-${String(last).padStart(2, '0')}` };
}

const NOUN: Record<PlausibilityInput['kind'], string> = { purchase_register: 'register', gstr2b: 'GSTR-2B', gstr2a: 'GSTR-2A' };

/** The warnings for a file of `period` whose documents carry `dates`: none when most dates fit. */
export function plausibilityWarnings(input: PlausibilityInput): Issue[] {
  const { from, to } = plausibleWindow(input.period);
  let total = 0;
  let before = 0;
  let after = 0;
  for (const d of input.dates) {
    total += 1;
    if (d < from) before += 1;
    else if (d > to) after += 1;
  }
  const outside = before + after;
  // "Mostly": more than half. A file of late bookings (all earlier, inside the window) passes.
  if (total === 0 || outside * 2 <= total) return [];
  const where = after > 0 && before > 0 ? `after ${to} or before ${from}` : after > 0 ? `after the period (${to})` : `before ${from}`;
  return [{
    code: 'dates_outside_period',
    count: outside,
    message: `${outside} of ${total} documents are dated ${where}, outside ${input.period} and the earlier periods a run carries: check that this ${NOUN[input.kind]} is ${input.period}'s before running it.`,
  }];
}
