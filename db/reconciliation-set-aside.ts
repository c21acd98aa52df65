/**
 * What a reviewer's `ignore` takes out of a run's figures, wherever they are shown: the run's page,
 * its supplier list, the runs lists, the firm-wide view and the exports (docs/reconciliation.md,
 * "Ignored documents"). The rule is the supplier statement's (lineOf,
 * reconciliation-statement.ts): an ignored document the supplier would be asked to correct is set
 * aside, unless a live follow-up of the run still lists it as an outstanding item (its letter still
 * asks about it, and its statement keeps it). And, per supplier, the documents a client chase would
 * list but for the mark (isChased, domain/follow-ups). The stored figures stay the engine's sums (a
 * mark changes no stored figure, docs/reconciliation.md "Manual actions"): which follow-ups are live
 * changes without any action on the run, so these are settled when read.
 *
 * The database sums the ignored rows per run, supplier and what the rule reads of a row (category,
 * accepted, listed by a live follow-up), and the rule decides each group from a row of that group:
 * lineOf's parameter names the only fields it reads, so a group's rows all get the same answer. No
 * row is sent over, so the runs lists can ask this of a page of runs at once.
 */
import type { Knex } from 'knex';
import type { Category, ResultRow } from '../domain/recon';
import { CHASED_CATEGORIES, isChased } from '../domain/follow-ups';
import { LIVE_STATUSES } from './follow-ups';
import { lineOf, TO_CORRECT_CATEGORIES } from './reconciliation-statement';
import { CREDIT_NOTE_ROWS_SQL, creditNoteSql, shownRiskSql } from '../domain/recon/risk-shown';

type Heads = { igst: number; cgst: number; sgst: number; cess: number };
const HEADS = ['igst', 'cgst', 'sgst', 'cess'] as const;

/** What a reviewer's marks set aside in one run (paise and counts; suppliers with none are absent). */
export type SetAside = {
  /** Per supplier GSTIN, the ITC at risk of its documents set aside. */
  risk: ReadonlyMap<string, number>;
  /** The run's total of `risk`. */
  total: number;
  /** The same per tax head. */
  heads: Readonly<Heads>;
  /** Per category, how many of the run's result rows are set aside. */
  counts: Readonly<Partial<Record<Category, number>>>;
  /** Per supplier GSTIN, how many of its documents a client chase would list but for the mark. */
  unchased: ReadonlyMap<string, number>;
  /**
   * Credit notes the books hold that 2B does not show (domain/recon/risk-shown.ts): positive paise
   * per head, per supplier and in total. The stored at-risk figures carry them as negatives; no view
   * counts them as risk, and the run shows them as their own figure.
   */
  creditNotes: { risk: ReadonlyMap<string, number>; heads: Readonly<Heads>; total: number };
};

/**
 * Per supplier GSTIN, what its stored ITC at risk loses to become the shown one: what was set aside,
 * less its credit notes not in 2B (the stored sum carries those as negatives, so leaving them out adds them back).
 */
export function riskLess(aside: SetAside, gstin: string): number {
  return (aside.risk.get(gstin) ?? 0) - (aside.creditNotes.risk.get(gstin) ?? 0);
}

/** The same for the whole run. */
export const riskLessTotal = (aside: SetAside): number => aside.total - aside.creditNotes.total;

/** riskLess for every supplier with a non-zero figure. */
export function riskLessBySupplier(aside: SetAside): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of new Set([...aside.risk.keys(), ...aside.creditNotes.risk.keys()])) {
    const paise = riskLess(aside, g);
    if (paise !== 0) out.set(g, paise);
  }
  return out;
}

const NO_CREDIT_NOTES: SetAside['creditNotes'] = { risk: new Map(), heads: { igst: 0, cgst: 0, sgst: 0, cess: 0 }, total: 0 };
export const NOTHING_SET_ASIDE: SetAside = { risk: new Map(), total: 0, heads: { igst: 0, cgst: 0, sgst: 0, cess: 0 }, counts: {}, unchased: new Map(), creditNotes: NO_CREDIT_NOTES };

/**
 * Only rows of these categories can be set aside or left unchased by a mark: the rest are not read.
 * Read when asked, not when this module loads: the statement's module imports the exports, which import this one.
 */
const markable = (): string[] => [...new Set<string>([...TO_CORRECT_CATEGORIES, ...CHASED_CATEGORIES])];

/** What the rule reads of a row (lineOf's parameter). */
type Marked = Parameters<typeof lineOf>[0];

const unmarked = <R extends Marked>(row: R): R => ({ ...row, userStatus: undefined });

/**
 * Whether the statement leaves the row out only because a reviewer ignored it: lineOf gives it no
 * line, and would give it one without the mark. The rule itself is lineOf's alone.
 */
export function setAsideByReviewer(row: Marked, keep: ReadonlySet<string>): boolean {
  return row.userStatus === 'ignored' && lineOf(row, keep) === null && lineOf(unmarked(row), keep) !== null;
}

/** Whether a client chase leaves the row out only because of its mark (the rule is isChased's alone). */
const unchasedByReviewer = (row: ResultRow): boolean => !isChased(row) && isChased(unmarked(row));

/** The result rows (run, row id) that live follow-ups list as outstanding items (client requests and supplier chases alike). */
function listedLive(trx: Knex | Knex.Transaction) {
  return trx('follow_up_items as i')
    .join('follow_ups as f', 'f.id', 'i.follow_up_id')
    .distinct('f.reconciliation_run_id as run_id', 'i.result_id')
    .where('i.status', 'outstanding')
    .whereIn('f.status', LIVE_STATUSES)
    .whereNotNull('i.result_id')
    .whereNotNull('f.reconciliation_run_id');
}

/** The run's result rows that its live follow-ups list as outstanding items: lineOf's `keep`. */
export async function listedByLiveFollowUps(trx: Knex | Knex.Transaction, runId: string): Promise<Set<string>> {
  const rows: Array<{ result_id: string }> = await listedLive(trx).where('f.reconciliation_run_id', runId);
  return new Set(rows.map((r) => r.result_id));
}

/** SQL: a stored result row aliased `r` that a reviewer ignored (the partial index's predicate, migration 030). */
export const IGNORED_ROWS_SQL = "(r.row->>'userStatus') = 'ignored'";

type Group = { run_id: string; supplier_gstin: string; category: Category; accepted: boolean; kept: boolean; rows: number } & Record<(typeof HEADS)[number], string>;

/**
 * Each run's set-aside figures (runs with none are absent). A row is ignored only by an `ignore`
 * decision of its client and period, made on that run or applied again from an earlier one, and
 * decisions are never deleted (docs/reconciliation.md, "Manual actions"): a run whose period has
 * none has no ignored row, and its rows are not read. Otherwise only its ignored rows are, by the
 * partial index of ignored rows (migration 030), of the categories a mark can take out.
 */
export async function setAsideOfRuns(trx: Knex | Knex.Transaction, runIds: readonly string[]): Promise<Map<string, SetAside>> {
  const out = new Map<string, SetAside>();
  if (runIds.length === 0) return out;
  const decided = trx('reconciliation_runs as x').select('x.id').whereIn('x.id', [...runIds])
    .whereExists((q) => q.select(trx.raw('1')).from('reconciliation_decisions as d').whereRaw('d.client_id = x.client_id and d.period = x.period').where('d.action', 'ignore'));
  // Only the shown part of a row's at-risk (its credit-note reversal is no risk, and is counted by creditNotesOfRuns).
  const sum = (h: string) => trx.raw(`coalesce(sum(${shownRiskSql(h)}), 0)::text as ${h}`);
  const groups: Group[] = await trx('reconciliation_results as r')
    .leftJoin(listedLive(trx).as('k'), (j) => j.on('k.run_id', 'r.run_id').andOn('k.result_id', trx.raw("r.row->>'id'")))
    .select('r.run_id', 'r.supplier_gstin', 'r.category', trx.raw("coalesce((r.row->>'accepted')::boolean, false) as accepted"), trx.raw('(k.result_id is not null) as kept'), trx.raw('count(*)::int as rows'), ...HEADS.map(sum))
    .whereIn('r.run_id', decided)
    .whereIn('r.category', markable())
    // Literal (no bound value), as the partial index's predicate is (migration 030), so the planner can prove the index holds every row asked for.
    .whereRaw(IGNORED_ROWS_SQL)
    .groupByRaw('1, 2, 3, 4, 5');
  for (const g of groups) {
    // A row of the group, as the rule reads it: ignored, of its category and acceptance, listed or not.
    const row = { id: g.kept ? 'listed' : 'not listed', category: g.category, accepted: g.accepted, userStatus: 'ignored' as const };
    const keep = new Set(['listed']);
    const aside = (out.get(g.run_id) ?? fresh()) as SetAside & {
      risk: Map<string, number>; heads: Heads; counts: Partial<Record<Category, number>>; unchased: Map<string, number>;
    };
    const gstin = g.supplier_gstin;
    // isChased reads a row's category and mark only (domain/follow-ups/mismatch-items.ts).
    if (unchasedByReviewer(row as ResultRow)) aside.unchased.set(gstin, (aside.unchased.get(gstin) ?? 0) + g.rows);
    if (setAsideByReviewer(row, keep)) {
      const paise = HEADS.reduce((t, h) => t + Number(g[h]), 0);
      for (const h of HEADS) aside.heads[h] += Number(g[h]);
      aside.counts[g.category] = (aside.counts[g.category] ?? 0) + g.rows;
      if (paise !== 0) aside.risk.set(gstin, (aside.risk.get(gstin) ?? 0) + paise);
      aside.total += paise;
    }
    out.set(g.run_id, aside);
  }
  for (const [runId, notes] of await creditNotesOfRuns(trx, runIds)) out.set(runId, { ...(out.get(runId) ?? fresh()), creditNotes: notes });
  return out;
}

const fresh = (): SetAside => ({ ...NOTHING_SET_ASIDE, risk: new Map(), heads: { ...NOTHING_SET_ASIDE.heads }, counts: {}, unchased: new Map() });

/**
 * Each run's credit notes not in 2B (runs with none are absent): the negative part of the stored
 * at-risk of its rows whose books side is a credit note (only those can carry one: a pair's
 * documents share a sign). Read over the run's rows when a view asks, as the set-aside figures are.
 */
async function creditNotesOfRuns(trx: Knex | Knex.Transaction, runIds: readonly string[]): Promise<Map<string, SetAside['creditNotes']>> {
  const sum = (h: string) => trx.raw(`coalesce(sum(${creditNoteSql(h)}), 0)::text as ${h}`);
  const groups: Array<{ run_id: string; supplier_gstin: string } & Record<(typeof HEADS)[number], string>> = await trx('reconciliation_results as r')
    .select('r.run_id', 'r.supplier_gstin', ...HEADS.map(sum))
    .whereIn('r.run_id', [...runIds])
    // Literal, as the partial index's predicate is (migration 029): the planner matches it textually.
    .whereRaw(CREDIT_NOTE_ROWS_SQL)
    .groupBy('r.run_id', 'r.supplier_gstin');
  const out = new Map<string, { risk: Map<string, number>; heads: Heads; total: number }>();
  for (const g of groups) {
    const paise = HEADS.reduce((t, h) => t + Number(g[h]), 0);
    if (paise === 0) continue;
    const notes = out.get(g.run_id) ?? { risk: new Map<string, number>(), heads: { igst: 0, cgst: 0, sgst: 0, cess: 0 }, total: 0 };
    for (const h of HEADS) notes.heads[h] += Number(g[h]);
    notes.risk.set(g.supplier_gstin, (notes.risk.get(g.supplier_gstin) ?? 0) + paise);
    notes.total += paise;
    out.set(g.run_id, notes);
  }
  return out;
}

/** One run's set-aside figures. */
export async function reviewerSetAside(trx: Knex | Knex.Transaction, run: { id: string }): Promise<SetAside> {
  return (await setAsideOfRuns(trx, [run.id])).get(run.id) ?? NOTHING_SET_ASIDE;
}

/** The stored run summary's parts these figures change (engine units: paise). */
type StoredSummary = { run: { itc: Record<string, (Heads & { total: number }) | undefined> }; resultCounts: Record<string, number> } & Record<string, unknown>;

/**
 * The stored summary as a run's views show it (still in paise, for the one converter): the ITC at
 * risk, per head and in total, less what was set aside, which is added as `itc.setAside`; the
 * result counts less the rows set aside, which are counted in `resultCountsSetAside`.
 */
export function summaryLessSetAside<S extends StoredSummary>(stored: S, aside: SetAside): S & { resultCountsSetAside: Partial<Record<Category, number>> } {
  const atRisk = stored.run.itc.atRisk;
  const setAside = { ...aside.heads, total: aside.total };
  const notes = { ...aside.creditNotes.heads, total: aside.creditNotes.total };
  // Stored at-risk carries the credit notes as negatives: adding them back leaves them out (domain/recon/risk-shown.ts).
  const less = (h: keyof typeof setAside) => atRisk![h] - setAside[h] + notes[h];
  const lessHeads = atRisk ? { igst: less('igst'), cgst: less('cgst'), sgst: less('sgst'), cess: less('cess'), total: less('total') } : atRisk;
  const counts = Object.fromEntries(Object.entries(stored.resultCounts).map(([c, n]) => [c, n - (aside.counts[c as Category] ?? 0)]));
  return { ...stored, run: { ...stored.run, itc: { ...stored.run.itc, atRisk: lessHeads, setAside, creditNotesNotIn2b: notes } }, resultCounts: counts, resultCountsSetAside: { ...aside.counts } };
}
