/**
 * What a register read takes (options) and gives (rows, mapping, counts, issues), and the cell a
 * reader hands the row sink (register-sink.ts): shared by the CSV and XLSX readers and the sink.
 */
import type { ColumnMapping, RegisterField } from './register-header';
import type { BooksRow, Issue } from './types';

export interface RegisterReadOptions {
  /** File name (or any label) used in row references. */
  source?: string;
  /** User-confirmed mapping: header text (case/space-insensitive) → field. Wins over synonyms. */
  columnMap?: Readonly<Record<string, RegisterField>>;
  /** How many rows to search for the header (default 60). */
  headerSearchRows?: number;
  maxIssues?: number;
  /** Field delimiter of a CSV (default: detected from its first lines). */
  csvDelimiter?: string;
  /**
   * Most source rows (every sheet together) and most cells read; past either the read stops with a
   * fatal `too_many_rows` / `too_many_cells` issue (a file of millions of rows is refused, not held).
   */
  maxRows?: number;
  maxCells?: number;
}

/** Codes of the fatal issues that mean "the file is too large", not "the file is wrong". */
export const TOO_LARGE_CODES: ReadonlySet<string> = new Set(['too_many_rows', 'too_many_cells']);

export interface RegisterReadResult {
  ok: boolean;
  rows: BooksRow[];
  /**
   * Proposed mapping per sheet (show it to the user to confirm; docs/reconciliation.md, "Inputs").
   */
  mapping: Array<{ sheet: string; headerLine: number; columns: ColumnMapping[] }>;
  skipped: { blank: number; totals: number; repeatedHeaders: number; titleRows: number; nonPurchase: number };
  /** Number of source lines that were merged into a document with other lines (split item rows). */
  mergedLines: number;
  /** The texts above the header (title block, group headings), a few hundred at most: what the file says it is. */
  titleText: string[];
  warnings: Issue[];
  errors: Issue[];
}

/** A cell as a reader gives it. */
export type Cell = string | number | Date | boolean | null;
