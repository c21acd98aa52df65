/**
 * Run summary (§12.1): counts and taxable/tax totals per category, separately for each side,
 * and the §11 ITC figures. Totals are signed paise (credit notes subtract).
 */
import { totalOfHeads } from './amounts';
import { CATEGORIES, type Category } from './categories';
import { computeItcFigures, type ItcFigures } from './itc';
import type { MatchOptions, ResultRow } from './matcher';
import { signOf } from './normalise';
import type { Issue, PortalDoc } from './types';

export interface SideTotals {
  count: number;
  taxable: number;
  tax: number;
}

export interface RunSummary {
  /** Input counts: every books row and portal document is accounted for exactly once. */
  input: { booksRows: number; portalDocuments: number };
  books: Record<Category, SideTotals> & { all: SideTotals };
  portal: Record<Category, SideTotals> & { all: SideTotals };
  /** IMS-rejected documents kept aside (§9.6). */
  rejected: SideTotals;
  itc: ItcFigures;
  options: MatchOptions;
  warningCount: number;
}

function zero(): SideTotals {
  return { count: 0, taxable: 0, tax: 0 };
}

function table(): Record<Category, SideTotals> & { all: SideTotals } {
  const t = Object.fromEntries(CATEGORIES.map((c) => [c, zero()])) as Record<Category, SideTotals>;
  return Object.assign(t, { all: zero() });
}

export function summariseRun(
  rows: readonly ResultRow[],
  rejected: readonly PortalDoc[],
  options: MatchOptions,
  warnings: readonly Issue[],
): RunSummary {
  const books = table();
  const portal = table();
  let booksRows = 0;
  for (const row of rows) {
    if (row.books) {
      const s = signOf(row.books.docType);
      const cell = books[row.category];
      // A result can stand for several source rows (aggregated bills of entry).
      cell.count += row.booksRowRefs.length;
      cell.taxable += s * row.books.taxableValue;
      cell.tax += s * totalOfHeads(row.books);
      booksRows += row.booksRowRefs.length;
    }
    if (row.portal) {
      const s = signOf(row.portal.docType);
      const cell = portal[row.category];
      cell.count += 1;
      cell.taxable += s * row.portal.taxableValue;
      cell.tax += s * totalOfHeads(row.portal);
    }
  }
  for (const side of [books, portal]) {
    for (const c of CATEGORIES) {
      side.all.count += side[c].count;
      side.all.taxable += side[c].taxable;
      side.all.tax += side[c].tax;
    }
  }
  const rej = zero();
  for (const d of rejected) {
    const s = signOf(d.docType);
    rej.count += 1;
    rej.taxable += s * d.taxableValue;
    rej.tax += s * totalOfHeads(d);
  }
  return {
    input: { booksRows, portalDocuments: portal.all.count + rej.count },
    books,
    portal,
    rejected: rej,
    itc: computeItcFigures(rows, rejected),
    options,
    warningCount: warnings.length,
  };
}
