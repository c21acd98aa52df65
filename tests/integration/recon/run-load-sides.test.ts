/**
 * A run's two imports loaded side by side (activities/reconciliation-load.ts): the register over the
 * run's connection, the 2B over a second one the pool lends, in a read-only transaction of the same
 * firm. The activity alone (`reconciliationMatchAndStore`, in Temporal's mock activity environment,
 * on a real PostgreSQL), as a worker runs it: the same rows, suppliers and summary as a load over one
 * connection; the two sides really overlapping; a failure of either side stopping the other, leaving
 * nothing stored, no transaction open and no connection held, and a retry completing the run as one
 * connection does. Without a spare connection the load stays on the run's.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Knex } from 'knex';
import { createReconciliationActivities } from '../../../activities/reconciliation';
import { createKnex } from '../../../db/knex';
import { generateReconData } from '../../../ops/bench/recon-data';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { captureLogger } from '../../harness/logs';
import { storeRunImports, type RunImports } from '../../harness/run-imports';

jest.setTimeout(300_000);

const PERIOD = '2024-06';

type Details = Record<string, unknown>;
type StoredRow = { seq: number; category: string; supplier_gstin: string; row: unknown };

describe('activity alone (mock activity environment, real PostgreSQL): the two imports loaded over two connections', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let imports: RunImports;
  /** The app role's pool with one connection: the run's own, none to spare. */
  let single: Knex;
  let reference: Awaited<ReturnType<typeof stored>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    single = createKnex({ url: db.url, appRole: TEST_APP_ROLE, poolMax: 1, applicationName: 'taalmel-test-single' });
    // More than two pages (10,000 documents) a side: each side reports pages while the other is still loading.
    const data = generateReconData({ n: 21_000, seed: 5, period: PERIOD, recipientGstin: firm.clients[0]!.gstin });
    imports = await storeRunImports(db, firm, data.books, data.portal);
  });
  afterAll(async () => {
    await single.destroy();
    await db.drop();
  });

  async function newRun(tag: string): Promise<string> {
    const runId = randomUUID();
    await db.owner('reconciliation_runs').insert({
      id: runId, firm_id: firm.id, client_id: firm.clients[0]!.id, period: PERIOD, register_import_id: imports.register_import_id, gstr2b_import_id: imports.gstr2b_import_id,
      options: JSON.stringify({ amountTolerance: 100, dateWindowDays: 10 }), workflow_id: `sides-${tag}-${runId}`, status: 'running',
    });
    return runId;
  }

  /** Runs the step on `knex`'s pool (result rows on one connection); answers the outcome and the load's checkpoints in order. */
  async function matchAndStore(runId: string, knex: Knex, afterBatch?: (d: Details) => Promise<void>) {
    const loads: string[] = [];
    const activities = createReconciliationActivities({
      knex,
      logger: captureLogger('warn').logger,
      splitMin: Number.MAX_SAFE_INTEGER,
      afterBatch: async (d) => {
        if (d.phase === 'load_books' || d.phase === 'load_portal') loads.push(`${String(d.phase)} ${String(d.done)}`);
        await afterBatch?.(d);
      },
    });
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    try {
      return { outcome: { ok: await env.run(activities.reconciliationMatchAndStore, { firmId: firm.id, runId }) } as const, loads };
    } catch (error) {
      return { outcome: { error: (error as Error).message } as const, loads };
    }
  }

  async function stored(runId: string) {
    const rows: StoredRow[] = await db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', 'category', 'supplier_gstin', 'row');
    const suppliers = await db.owner('reconciliation_suppliers').where({ run_id: runId }).orderBy('supplier_gstin').select('supplier_gstin', 'itc_at_risk', 'summary');
    const run = (await db.owner('reconciliation_runs').where({ id: runId }).first('status', 'summary')) as { status: string; summary: Record<string, unknown> | null };
    const { durationMs: _ignored, ...summary } = run.summary ?? {};
    return { rows, suppliers, status: run.status, summary };
  }

  /** Sessions of the app role in this database inside a transaction or a statement (none once a step has ended). */
  async function openSessions(): Promise<string[]> {
    const result: { rows: Array<{ state: string; query: string }> } = await db.owner.raw(
      "select state, query from pg_stat_activity where datname = current_database() and usename = ? and state <> 'idle'",
      [TEST_APP_ROLE],
    );
    return result.rows.map((r) => `${r.state}: ${r.query.slice(0, 80)}`);
  }

  /** Waits until no session of the app role is in a transaction and the pool holds no connection; fails naming what is left. */
  async function nothingHeld(): Promise<void> {
    const pool = (db.app.client as { pool: { numUsed(): number } }).pool;
    let last: unknown = null;
    try {
      await eventually('no open session and no connection held', async () => {
        last = { sessions: await openSessions(), used: pool.numUsed() };
        return (last as { sessions: string[]; used: number }).sessions.length === 0 && pool.numUsed() === 0;
      }, 30_000);
    } catch {
      expect(last).toEqual({ sessions: [], used: 0 });
    }
  }

  it('without a spare connection the load stays on the run\'s: the register, then the 2B', async () => {
    const runId = await newRun('single');
    const { outcome, loads } = await matchAndStore(runId, single);
    expect(outcome).toEqual({ ok: { results: expect.any(Number) } });
    expect(loads).toEqual(['load_books 10000', 'load_books 20000', expect.stringMatching(/^load_books /), 'load_portal 10000', 'load_portal 20000', expect.stringMatching(/^load_portal /)]);
    reference = await stored(runId);
    expect(reference.status).toBe('completed');
    expect(reference.rows.length).toBeGreaterThan(20_000);
  });

  it('loads the 2B alongside the register and stores the same rows, suppliers and summary', async () => {
    const runId = await newRun('sides');
    let portalPages = 0;
    const { outcome, loads } = await matchAndStore(runId, db.app, async (d) => {
      if (d.phase === 'load_portal') portalPages += 1;
      // The register's first page waits for a page of the 2B: over one connection the 2B would start only after the register's last.
      if (d.phase === 'load_books' && d.done === 10_000) await eventually('a page of the 2B while the register is loading', () => portalPages > 0);
    });
    expect(outcome).toEqual({ ok: { results: reference.rows.length } });
    expect(loads.filter((l) => l.startsWith('load_books'))).toEqual(['load_books 10000', 'load_books 20000', expect.stringMatching(/^load_books /)]);
    expect(loads.filter((l) => l.startsWith('load_portal'))).toEqual(['load_portal 10000', 'load_portal 20000', expect.stringMatching(/^load_portal /)]);
    expect(await stored(runId)).toEqual(reference);
    await nothingHeld();
  });

  for (const side of ['load_books', 'load_portal'] as const) {
    it(`a failure on one side (${side}) stops the other: nothing stored, no transaction left open, the retry completes as one connection does`, async () => {
      const runId = await newRun(`fail-${side}`);
      const other = side === 'load_books' ? 'load_portal' : 'load_books';
      let otherPages = 0;
      let otherPagesAtFailure = -1;
      const { outcome } = await matchAndStore(runId, db.app, async (d) => {
        if (d.phase === other) otherPages += 1;
        // Fails once the other side is under way, so that it has to be stopped.
        if (d.phase === side && d.done === 10_000) {
          await eventually(`a page of the other side (${other})`, () => otherPages > 0);
          otherPagesAtFailure = otherPages;
          throw new Error(`test: ${side} failed`);
        }
      });
      expect(outcome).toEqual({ error: `test: ${side} failed` });
      // The other side stopped at its next page at the latest: it never reached its end (three pages a side).
      expect(otherPages - otherPagesAtFailure).toBeLessThanOrEqual(1);
      expect(otherPages).toBeLessThan(3);
      const after = await stored(runId);
      expect({ status: after.status, rows: after.rows.length, suppliers: after.suppliers.length }).toEqual({ status: 'running', rows: 0, suppliers: 0 });
      await nothingHeld();

      expect((await matchAndStore(runId, db.app)).outcome).toEqual({ ok: { results: reference.rows.length } });
      expect(await stored(runId)).toEqual(reference);
    });
  }
});
