/**
 * What the matcher takes and gives: its options (with one fixed shape, `matchOptions`), the result
 * row and its parts, and the two interfaces through which a run hands out its rows (a `RowSink`
 * that sums them as they are decided, `MatchedRows` that builds them when asked for).
 */
import type { Category, DifferenceField, Flag, MatchReason, OutOfScopeReason, Pass } from '../categories';
import type { RowItc } from '../itc';
import type { BooksRow, Heads, Issue, PortalDoc } from '../types';

export interface MatchOptions {
  /** Per-field tolerance in paise (default ₹1.00 = 100; docs/reconciliation.md, "Defaults"). */
  amountTolerance: number;
  /** Maximum date gap in days for fuzzy/amount pairs and for a same-number pair to stay non-material. */
  dateWindowDays: number;
  /** Allow P2 across adjacent financial years (dates still inside the window). */
  adjacentFyMatching: boolean;
  /** Auto-accept probable matches whose reasons are all "safe" (canonical number, rounding, date). */
  autoAcceptProbable: boolean;
  /** Skip P4/P5 (and P6) for a block with more leftovers than this on either side. */
  fuzzyBlockCap: number;
  /** 2A-derived supplier signals, keyed by GSTIN. */
  supplierSignals?: Readonly<Record<string, SupplierSignal>>;
}

export interface SupplierSignal {
  gstr1Filed?: boolean;
  gstr3bFiled?: boolean;
  /** ISO date the registration was cancelled. */
  cancelledOn?: string;
}

export const DEFAULT_MATCH_OPTIONS: Readonly<MatchOptions> = Object.freeze({
  amountTolerance: 100,
  dateWindowDays: 10,
  adjacentFyMatching: true,
  autoAcceptProbable: true,
  fuzzyBlockCap: 2000,
});

export interface Difference {
  field: DifferenceField;
  books: string | number | boolean | null;
  portal: string | number | boolean | null;
  /** books − portal for money (paise) and dates (days); null otherwise. */
  delta: number | null;
  /** Beyond tolerance / window: makes the pair a mismatch. */
  material: boolean;
}

export interface ResultRow {
  /** Deterministic id: `<rowRef>|<portal ref>`. */
  id: string;
  category: Category;
  /** Main reason: the probable-match reason, the first material field of a mismatch, or the out-of-scope reason. */
  reason: MatchReason | OutOfScopeReason | DifferenceField | 'rejected_in_ims' | null;
  /** All probable-match reasons that applied. */
  reasons: readonly MatchReason[];
  pass: Pass | null;
  /**
   * Probable matches: auto-accepted as docs/reconciliation.md, "Defaults" says; exact/manual: true;
   * everything else false.
   */
  accepted: boolean;
  flags: readonly Flag[];
  /** From the portal side; null for books-only rows. */
  itcAvailable: boolean | null;
  supplierGstin: string;
  supplierName: string;
  books: BooksRow | null;
  /** Every source row this result stands for (several when bills of entry were aggregated). */
  booksRowRefs: readonly string[];
  portal: PortalDoc | null;
  differences: readonly Difference[];
  itc: RowItc;
  /** For duplicates: the row it duplicates. For superseded: the amendment's ref. */
  relatedRef?: string;
  /** Amendments whose original is known: amended − original per head (signed). */
  amendmentDelta?: Heads;
  amendmentOfEarlierPeriod?: boolean;
  /** Plain-language hints for the reviewer (e.g. same number, opposite sign). */
  hints: readonly string[];
  /**
   * A user's mark on the row (docs/reconciliation.md, "Manual decisions"): follow up next period,
   * or ignored with a reason. Never set by the passes.
   */
  userStatus?: 'pending' | 'ignored';
  /**
   * The user decisions (docs/reconciliation.md, "Manual decisions") that shaped this row, oldest
   * first. Never set by the passes.
   */
  decisions?: readonly RowDecision[];
}

/** One manual action (docs/reconciliation.md, "Manual decisions") as a result row remembers it. */
export interface RowDecision {
  id: string;
  action: 'link' | 'unlink' | 'accept' | 'pending' | 'ignore' | 'clear';
  note: string | null;
  /** E-mail of the user who decided. */
  by: string;
  /** ISO timestamp. */
  at: string;
}

export interface MatchOutput {
  results: ResultRow[];
  /**
   * IMS-rejected portal documents, kept aside (docs/reconciliation.md, "Special documents"); not
   * part of `results`.
   */
  rejected: PortalDoc[];
  warnings: Issue[];
}

/**
 * Receives each result row's parts as the matcher decides it (in decision order, not result
 * order), so run and supplier summaries are summed without the rows being built.
 */
export interface RowSink {
  /**
   * `category`: the row's category as its index in CATEGORIES; `books`, `portal`: the row's two
   * sides as numbers (itc.ts `SIDE` layout; not present when the row has no such side), read
   * from the matcher's columns and valid only during the call;
   * `booksRows`: the source rows the books side stands for (several for aggregated bills of
   * entry); `filingDate`: the portal document's `supfildt`; `amendment`: amended − original when
   * the original was in an earlier period; `supplier`: the run's id of `supplierGstin` (a small
   * integer, one per distinct GSTIN).
   */
  add(category: number, accepted: boolean, books: Float64Array, booksRows: number, portal: Float64Array,
    filingDate: string | undefined, amendment: Readonly<Heads> | null, supplier: number, supplierGstin: string): void;
}

/**
 * A run's result rows in result order (docs/reconciliation.md, "The report"), built when asked for:
 * decided, not yet objects.
 */
export interface MatchedRows {
  readonly count: number;
  /** Rows [from, to) in result order, built now (each call builds new objects). */
  between(from: number, to: number): ResultRow[];
  /** Gives the tables the rows are built from back to the pool; `between` refuses after this. */
  release(): void;
}

/**
 * The run's options with every field present, in one order: one hidden class for every run, where
 * `{ ...DEFAULT_MATCH_OPTIONS, ...opts }` would give the shape of whatever the caller passed (a
 * stored run's JSON options, say) and de-optimise the phases that read it.
 */
export function matchOptions(opts: Partial<MatchOptions>): MatchOptions {
  const d = DEFAULT_MATCH_OPTIONS;
  return {
    amountTolerance: opts.amountTolerance ?? d.amountTolerance,
    dateWindowDays: opts.dateWindowDays ?? d.dateWindowDays,
    adjacentFyMatching: opts.adjacentFyMatching ?? d.adjacentFyMatching,
    autoAcceptProbable: opts.autoAcceptProbable ?? d.autoAcceptProbable,
    fuzzyBlockCap: opts.fuzzyBlockCap ?? d.fuzzyBlockCap,
    supplierSignals: opts.supplierSignals,
  };
}
