/**
 * The result rows' writer alone (storedRows and insertResultRows, on a real PostgreSQL): rows whose
 * documents are the loaded import documents are sent without them and get the import rows' stored
 * `doc` in the move. What it stores must be what writing every row whole stored before: the same
 * rows, each row's jsonb the same text byte for byte. The documents include bills of entry (their
 * summed lines are a new object, sent whole), IMS-rejected portal documents (the match numbers the
 * others only), texts COPY and JSON escape, and amounts whose JSON is awkward; the rows are the
 * engine's alone and with manual decisions re-applied (whose rows are new objects).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { applyDecisionsInBatches } from '../../../activities/reconciliation-decisions';
import { loadRunDocuments } from '../../../activities/reconciliation-load';
import { emptyCounts, storedRows } from '../../../activities/reconciliation-rows';
import { insertResultRows, type ResultSource, type StoredResult } from '../../../db/recon-rows';
import { inFirmJobTransaction } from '../../../db/tenant';
import { matchOptions, reconcile, type BooksRow, type PortalDoc, type ReconcileResult, type ResultRow } from '../../../domain/recon';
import { booksDocKey, portalDocKey, type StoredDecision } from '../../../domain/recon/manual';
import { warmUpDocuments } from '../../../domain/recon/warm-up';
import { generateReconData } from '../../../ops/bench/recon-data';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { AWKWARD_TEXTS, storeRunImports, type RunImports } from '../../harness/run-imports';

jest.setTimeout(180_000);

const PERIOD = '2024-06';
const options = matchOptions({ amountTolerance: 100, dateWindowDays: 10, autoAcceptProbable: false });

const DECISIONS = 6;

/** Decisions on rows of several kinds (links, unlinks, an accept, marks), as users make them. */
function decisionsFor(rows: readonly ResultRow[]): StoredDecision[] {
  const of = (category: string): ResultRow[] => rows.filter((r) => r.category === category);
  const [booksOnly, portalOnly, exact, probable] = [of('missing_in_2b'), of('missing_in_books'), of('exact_match'), of('probable_match')];
  let n = 0;
  const decision = (action: StoredDecision['action'], row: { books: ResultRow['books']; portal: ResultRow['portal'] } | undefined): StoredDecision[] => {
    if (!row) return [];
    n += 1;
    return [{
      id: `d${n}`, action, note: action === 'ignore' ? 'a duplicate' : null, by: 'a@example.test', at: new Date(Date.UTC(2024, 6, 1, 0, n)).toISOString(),
      booksKey: row.books ? booksDocKey(row.books) : null, portalKey: row.portal ? portalDocKey(row.portal) : null,
    }];
  };
  const decided = [
    ...decision('link', booksOnly[0] && portalOnly[0] ? { books: booksOnly[0].books, portal: portalOnly[0].portal } : undefined),
    ...decision('unlink', exact[0]),
    ...decision('unlink', exact[1]),
    ...decision('accept', probable[0]),
    ...decision('pending', booksOnly[1]),
    ...decision('ignore', portalOnly[1]),
  ];
  if (decided.length !== DECISIONS) throw new Error(`the generated rows gave ${decided.length} decisions, not ${DECISIONS}`);
  return decided;
}

describe('result rows stored with their documents from the import rows (the row writer alone)', () => {
  let db: TestDatabase;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await db.drop();
  });

  async function newRun(ids: RunImports): Promise<string> {
    const [run] = await db.owner('reconciliation_runs')
      .insert({ firm_id: firm.id, client_id: firm.clients[0]!.id, period: PERIOD, register_import_id: ids.register_import_id, gstr2b_import_id: ids.gstr2b_import_id, workflow_id: `docs-${randomUUID()}` })
      .returning('id');
    return (run as { id: string }).id;
  }

  const stored = async (runId: string): Promise<string[]> => {
    const rows: Array<{ line: string }> = await db.owner.raw(
      `select seq || E'\\t' || category || E'\\t' || supplier_gstin || E'\\t' || row::text as line from reconciliation_results where run_id = ? order by seq`, [runId],
    ).then((r: { rows: Array<{ line: string }> }) => r.rows);
    return rows.map((r) => r.line);
  };

  /** What the writer stored before: every row whole. */
  const whole = (outcome: ReconcileResult): ResultSource => ({
    count: outcome.rowCount,
    between: (from, to) => outcome.rowsBetween(from, to).map((row) => ({ category: row.category, supplierGstin: row.supplierGstin, row })),
  });

  it('stores every row as writing it whole did, byte for byte, with and without manual decisions', async () => {
    const client = firm.clients[0]!;
    const generated = generateReconData({ n: 6_000, seed: 5, recipientGstin: client.gstin });
    const extra = warmUpDocuments(800, 5);
    const books: BooksRow[] = [...generated.books, ...extra.books];
    const portal: PortalDoc[] = [...generated.portal, ...extra.portal];
    AWKWARD_TEXTS.forEach((text, k) => {
      books[k * 7] = { ...books[k * 7]!, supplierName: text };
      portal[k * 11] = { ...portal[k * 11]!, supplierName: text };
    });
    // Amounts whose shortest JSON is long or exponent-free only just.
    books[3] = { ...books[3]!, taxableValue: 0.1 + 0.2, igst: 123_456_789_012.34 };
    portal[5] = { ...portal[5]!, taxableValue: 1e15 + 0.5, cess: 5e-7 };
    // A bill of entry in two lines: the match sums them into a new object (its row is sent whole).
    const boe = books.find((b) => b.docType === 'bill_of_entry' && b.billOfEntryNumber)!;
    books.push({ ...boe, rowRef: `${boe.rowRef}-line-2`, taxableValue: 100_000, igst: 18_000, cgst: 0, sgst: 0, cess: 0 });
    // IMS-rejected documents among the others: the match numbers only the ones not rejected.
    for (let k = 40; k < portal.length; k += 97) portal[k] = { ...portal[k]!, rejected: true };
    const ids = await storeRunImports(db, firm, books, portal);

    const variants: Array<[string, (lb: BooksRow[], lp: PortalDoc[]) => ReconcileResult]> = [
      ['the engine\'s rows', (lb, lp) => reconcile(lb, lp, options)],
      ['with manual decisions', (lb, lp) => applyDecisionsInBatches(reconcile(lb, lp, options), decisionsFor(reconcile(lb, lp, options).results), options)],
    ];
    for (const [name, outcomeOf] of variants) {
      const before = await newRun(ids);
      const after = await newRun(ids);
      const sent = { books: 0, portal: 0, wholeBooks: 0, wholePortal: 0, expectedBooks: 0, expectedPortal: 0 };
      let counts = emptyCounts();
      await inFirmJobTransaction(db.app, firm.id, 'test', async (trx: Knex.Transaction) => {
        const loaded = await loadRunDocuments(trx, ids);
        const scope = { firmId: firm.id, clientId: client.id, period: PERIOD };
        await insertResultRows(trx, { ...scope, runId: before }, whole(outcomeOf(loaded.books, loaded.portal)));
        const loadedBooks = new Set<unknown>(loaded.books);
        const loadedPortal = new Set<unknown>(loaded.portal);
        const outcome = outcomeOf(loaded.books, loaded.portal);
        counts = emptyCounts();
        const source = storedRows(outcome, loaded.books, loaded.portal, counts);
        const counted: ResultSource = {
          count: source.count,
          between(from, to) {
            const rows = source.between(from, to);
            const engineRows = outcome.rowsBetween(from, to);
            rows.forEach((r: StoredResult, k) => {
              const row = engineRows[k]!;
              // Every side that is a loaded document unchanged goes by reference, and no other.
              if (row.books !== null && loadedBooks.has(row.books)) sent.expectedBooks += 1;
              if (row.portal !== null && loadedPortal.has(row.portal)) sent.expectedPortal += 1;
              if (r.booksSeq !== undefined) {
                sent.books += 1;
                expect(loaded.books[r.booksSeq]).toBe(row.books);
              } else if (row.books !== null) sent.wholeBooks += 1;
              if (r.portalSeq !== undefined) {
                sent.portal += 1;
                expect(loaded.portal[r.portalSeq]).toBe(row.portal);
              } else if (row.portal !== null) sent.wholePortal += 1;
            });
            return rows;
          },
        };
        await insertResultRows(trx, { ...scope, runId: after, imports: { books: ids.register_import_id, portal: ids.gstr2b_import_id } }, counted);
      });
      const [was, is] = [await stored(before), await stored(after)];
      expect(is.length).toBe(was.length);
      const differing = is.flatMap((line, k) => (line === was[k] ? [] : [`row ${k}:\n  before ${was[k]}\n  now    ${line}`]));
      if (differing.length > 0) throw new Error(`${name}: ${differing.length} stored rows differ:\n${differing.slice(0, 3).join('\n')}`);
      // Most documents went by reference; the bills of entry's summed lines and the decided rows whole.
      // A decision's rows (at most two per decision) are sent whole even where they hold a loaded
      // document: the rows the engine built are the ones that name their sources.
      const decidedRows = name === 'with manual decisions' ? 2 * DECISIONS : 0;
      expect({ name, books: sent.books, portal: sent.portal }).toEqual({
        name,
        books: sent.expectedBooks - decidedRows > sent.books ? `at least ${sent.expectedBooks - decidedRows}` : sent.books,
        portal: sent.expectedPortal - decidedRows > sent.portal ? `at least ${sent.expectedPortal - decidedRows}` : sent.portal,
      });
      expect(sent.books).toBeLessThanOrEqual(sent.expectedBooks);
      expect(sent.portal).toBeLessThanOrEqual(sent.expectedPortal);
      if (decidedRows === 0) expect([sent.books, sent.portal]).toEqual([sent.expectedBooks, sent.expectedPortal]);
      expect(sent.books).toBeGreaterThan(was.length / 2);
      expect(sent.wholeBooks).toBeGreaterThan(0);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(was.length);
    }
  });

  it('fails the move when a named import row is not there, storing nothing', async () => {
    const client = firm.clients[0]!;
    const data = generateReconData({ n: 50, seed: 9, recipientGstin: client.gstin });
    const ids = await storeRunImports(db, firm, data.books, data.portal);
    const runId = await newRun(ids);
    const row = { category: 'missing_in_2b', supplierGstin: 'X', row: { id: 'x', books: undefined }, booksSeq: 50_000 };
    await expect(inFirmJobTransaction(db.app, firm.id, 'test', (trx) => insertResultRows(
      trx, { firmId: firm.id, clientId: client.id, period: PERIOD, runId, imports: { books: ids.register_import_id, portal: ids.gstr2b_import_id } },
      { count: 1, between: () => [row] },
    ))).rejects.toThrow(/invalid input syntax for type json/);
    expect(await stored(runId)).toEqual([]);
  });
});
