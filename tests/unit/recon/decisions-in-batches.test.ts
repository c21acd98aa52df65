import { applyDecisionsInBatches } from '../../../activities/reconciliation-decisions';
import { matchOptions, reconcile, summariseRun, summariseSuppliers, type ReconcileResult, type ResultRow } from '../../../domain/recon';
import { applyDecisions, booksDocKey, portalDocKey, type StoredDecision } from '../../../domain/recon/manual';
import type { RowDecision } from '../../../domain/recon/matcher';
import { generateReconData } from '../../../ops/bench/recon-data';

// The batch path (applyDecisionsInBatches: only the rows the decisions name are held) against
// applyDecisions over every row and the summaries summed over them, on generated documents.
const data = generateReconData({ n: 6000, seed: 11, period: '2024-06', recipientGstin: '27ABCDE1234F1Z5' });
const options = matchOptions({ amountTolerance: 100, dateWindowDays: 10, autoAcceptProbable: false });
const run = (): ReconcileResult => reconcile(data.books, data.portal, options);

let n = 0;
function decision(action: RowDecision['action'], row: { books: ResultRow['books']; portal: ResultRow['portal'] }): StoredDecision {
  n += 1;
  return {
    id: `d${n}`, action, note: action === 'ignore' ? 'a duplicate of a credit note' : null, by: 'staff@example.test', at: '2024-07-10T10:00:00.000Z',
    booksKey: row.books ? booksDocKey(row.books) : null, portalKey: row.portal ? portalDocKey(row.portal) : null,
  } as StoredDecision;
}

function decisionsFor(rows: readonly ResultRow[]): StoredDecision[] {
  const of = (category: string): ResultRow[] => rows.filter((r) => r.category === category);
  const booksOnly = of('missing_in_2b');
  const portalOnly = of('missing_in_books');
  const exact = of('exact_match');
  const probable = of('probable_match');
  expect([booksOnly.length, portalOnly.length, exact.length, probable.length].every((c) => c >= 6)).toBe(true);
  return [
    // Links of leftovers (one of them to a document the engine pairs: that pair is broken first).
    decision('link', { books: booksOnly[0]!.books, portal: portalOnly[0]!.portal }),
    decision('link', { books: booksOnly[1]!.books, portal: portalOnly[1]!.portal }),
    decision('link', { books: booksOnly[2]!.books, portal: exact[0]!.portal }),
    decision('unlink', exact[1]!),
    decision('unlink', exact[2]!),
    decision('accept', probable[0]!),
    decision('accept', exact[3]!), // stale: not a probable match
    decision('pending', booksOnly[3]!),
    decision('ignore', portalOnly[3]!),
    // A document gone from the run: stale.
    { ...decision('unlink', exact[4]!), booksKey: 'no such document' },
    // The last row of the run, and the first.
    decision('pending', rows[rows.length - 1]!),
    decision('unlink', rows[0]!),
  ];
}

/** The engine's result, counting the rows it builds. */
function counting(engine: ReconcileResult, count: (rows: number) => void): ReconcileResult {
  return {
    get results() { return engine.results; },
    rowCount: engine.rowCount,
    rowsBetween: (from, to) => {
      const rows = engine.rowsBetween(from, to);
      count(rows.length);
      return rows;
    },
    release: () => engine.release(),
    rejected: engine.rejected, summary: engine.summary, suppliers: engine.suppliers, warnings: engine.warnings,
  };
}

describe('re-applying manual decisions a batch at a time', () => {
  it('gives the rows, order, summaries and warnings of applyDecisions over all rows', () => {
    const all = run();
    const decisions = decisionsFor(all.results);
    const full = applyDecisions(all.results, decisions, options);
    expect(full.stale.length).toBe(2);
    const batched = applyDecisionsInBatches(run(), decisions, options);
    expect(batched.rowCount).toBe(full.results.length);
    // Ranges across the named rows' slots, then everything.
    for (const [from, to] of [[0, 1], [0, 2500], [1999, 4001], [full.results.length - 3, full.results.length]] as const) {
      expect(batched.rowsBetween(from, to)).toEqual(full.results.slice(from, to));
    }
    expect(batched.summary).toEqual(summariseRun(full.results, all.rejected, options, batched.warnings));
    expect(batched.suppliers).toEqual(summariseSuppliers(full.results, options.supplierSignals));
    expect(batched.warnings.at(-1)).toMatchObject({ code: 'manual_decision_stale', count: 2 });
    expect(batched.results).toEqual(full.results);
  });

  it('every range of rows matches, one row at a time', () => {
    const all = run();
    const decisions = decisionsFor(all.results);
    const full = applyDecisions(all.results, decisions, options).results;
    const batched = applyDecisionsInBatches(run(), decisions, options);
    const one: ResultRow[] = [];
    for (let i = 0; i < batched.rowCount; i += 1) one.push(...batched.rowsBetween(i, i + 1));
    expect(one.map((r) => r.id)).toEqual(full.map((r) => r.id));
    expect(one).toEqual(full);
  });

  it('builds the rows twice: to find the named rows, then as they are written (the summaries summed on the way)', () => {
    const all = run();
    const decisions = decisionsFor(all.results).filter((d) => d.booksKey !== 'no such document');
    const full = applyDecisions(all.results, decisions, options);
    const engine = run();
    let built = 0;
    const counted = counting(engine, (rows) => (built += rows));
    const batched = applyDecisionsInBatches(counted, decisions, options);
    // Only the first pass so far, ending with the batch of the last named row (the run's last row here).
    expect(built).toBe(engine.rowCount);
    const written: ResultRow[] = [];
    for (let from = 0; from < batched.rowCount; from += 2000) written.push(...batched.rowsBetween(from, Math.min(batched.rowCount, from + 2000)));
    expect(written).toEqual(full.results);
    expect(batched.summary).toEqual(summariseRun(full.results, all.rejected, options, batched.warnings));
    expect(batched.suppliers).toEqual(summariseSuppliers(full.results, options.supplierSignals));
    expect(built).toBe(2 * engine.rowCount);
  });

  it('stops looking once every decision\'s rows are found', () => {
    const all = run();
    const decisions = [decision('pending', all.results[2]!), decision('pending', all.results[5]!)];
    const engine = run();
    let built = 0;
    const counted = counting(engine, (rows) => (built += rows));
    const batched = applyDecisionsInBatches(counted, decisions, options);
    expect(built).toBe(2000);
    expect(batched.summary).toEqual(summariseRun(applyDecisions(all.results, decisions, options).results, all.rejected, options, batched.warnings));
    expect(batched.results).toEqual(applyDecisions(all.results, decisions, options).results);
  });
});
