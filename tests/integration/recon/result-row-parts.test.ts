/**
 * A run's result rows written in two parts at once, each in its own transaction over its own
 * connection (activities/reconciliation-parts.ts): the activity alone (`reconciliationMatchAndStore`,
 * in Temporal's mock activity environment, on a real PostgreSQL), as a worker runs it, the api's
 * results route reading them. The fewest rows written in two parts (twenty thousand in production)
 * is lowered through the activity's `splitMin`. The run's own commit is held or made to fail by a
 * deferred constraint trigger this test adds to its own database (it fires at that commit, after
 * the second part's), so the moments between the two commits are seen as they happen; neither the
 * results route nor a client export's reader shows a row of the run before it is complete.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReconciliationActivities } from '../../../activities/reconciliation';
import { clientTableRows } from '../../../db/client-data';
import { generateReconData } from '../../../ops/bench/recon-data';
import { call, login } from '../../harness/api';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { captureLogger } from '../../harness/logs';
import { storeRunImports, type RunImports } from '../../harness/run-imports';
import { startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(180_000);

const PERIOD = '2024-06';
/** Advisory lock key (two ints) the held commit waits on while the test holds it. */
const HOLD = [7373, 1] as const;

/** A commit hook per run: 'fail' makes the run's commit fail, 'wait' holds it until the test lets go. */
const HOOK_SQL = `
  CREATE TABLE test_commit_hooks (run_id uuid PRIMARY KEY, action text NOT NULL);
  GRANT SELECT ON test_commit_hooks TO ${TEST_APP_ROLE};
  CREATE FUNCTION test_commit_hook() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE a text;
  BEGIN
    SELECT action INTO a FROM test_commit_hooks WHERE run_id = NEW.id;
    IF a = 'fail' THEN RAISE EXCEPTION 'test: the run''s commit is lost'; END IF;
    IF a = 'wait' THEN PERFORM pg_advisory_xact_lock_shared(${HOLD[0]}, ${HOLD[1]}); END IF;
    RETURN NULL;
  END $$;
  CREATE CONSTRAINT TRIGGER test_commit_hook AFTER UPDATE ON reconciliation_runs DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'completed') EXECUTE FUNCTION test_commit_hook();
`;

type Outcome = { ok: unknown } | { error: string; type: string | undefined };
type StoredRow = { seq: number; category: string; supplier_gstin: string; row: unknown };

describe('activity alone (mock activity environment, real PostgreSQL): result rows written in two parts', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let api: ReconApi;
  let staff: string;
  let imports: RunImports;
  let reference: { rows: StoredRow[]; suppliers: unknown[]; summary: Record<string, unknown> };

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    api = await startReconApi(db);
    await db.owner.raw(HOOK_SQL);
    const data = generateReconData({ n: 300, seed: 11, period: PERIOD, recipientGstin: firm.clients[0]!.gstin });
    imports = await storeRunImports(db, firm, data.books, data.portal);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  async function newRun(tag: string, hook?: 'fail' | 'wait'): Promise<string> {
    const runId = randomUUID();
    await db.owner('reconciliation_runs').insert({
      id: runId, firm_id: firm.id, client_id: firm.clients[0]!.id, period: PERIOD, register_import_id: imports.register_import_id, gstr2b_import_id: imports.gstr2b_import_id,
      options: JSON.stringify({ amountTolerance: 100, dateWindowDays: 10 }), workflow_id: `parts-${tag}-${runId}`, status: 'running',
    });
    if (hook) await db.owner('test_commit_hooks').insert({ run_id: runId, action: hook });
    return runId;
  }

  /** Runs the step; `splitMin` 1 writes any run in two parts, none in one. Answers the outcome and the parts logged. */
  async function matchAndStore(runId: string, options: { splitMin?: number; afterBatch?: (d: Record<string, unknown>) => Promise<void> } = {}) {
    const logs = captureLogger('info');
    const activities = createReconciliationActivities({ knex: db.app, logger: logs.logger, splitMin: options.splitMin ?? Number.MAX_SAFE_INTEGER, afterBatch: options.afterBatch });
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    let outcome: Outcome;
    try {
      outcome = { ok: await env.run(activities.reconciliationMatchAndStore, { firmId: firm.id, runId }) };
    } catch (error) {
      outcome = { error: (error as Error).message, type: (error as { type?: string }).type };
    }
    const parts = logs.lines.map((l) => JSON.parse(l) as { msg?: string; parts?: number }).filter((l) => l.msg === 'reconciliation stored').map((l) => l.parts);
    return { outcome, parts };
  }

  async function stored(runId: string) {
    const rows: StoredRow[] = await db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', 'category', 'supplier_gstin', 'row');
    const suppliers = await db.owner('reconciliation_suppliers').where({ run_id: runId }).orderBy('supplier_gstin').select('supplier_gstin', 'itc_at_risk', 'summary');
    const run = (await db.owner('reconciliation_runs').where({ id: runId }).first('status', 'summary')) as { status: string; summary: Record<string, unknown> | null };
    const { durationMs: _ignored, ...summary } = run.summary ?? {};
    return { rows, suppliers, status: run.status, summary };
  }

  /** The run's result rows a client export writes (its table reader, db/client-data.ts). */
  async function exportedRows(runId: string): Promise<number> {
    let n = 0;
    for await (const row of clientTableRows(db.owner, 'reconciliation_results', firm.clients[0]!.id)) if (row.run_id === runId) n += 1;
    return n;
  }

  async function resultsStatus(runId: string): Promise<number> {
    return (await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=5`, { token: staff })).status;
  }

  it('stores the same rows, suppliers and summary as one connection does', async () => {
    const one = await newRun('one');
    expect(await matchAndStore(one)).toEqual({ outcome: { ok: { results: expect.any(Number) } }, parts: [1] });
    const two = await newRun('two');
    expect(await matchAndStore(two, { splitMin: 1 })).toEqual({ outcome: { ok: { results: expect.any(Number) } }, parts: [2] });
    const a = await stored(one);
    const b = await stored(two);
    expect(a.rows.length).toBeGreaterThan(300);
    expect(a.rows.map((r) => r.seq)).toEqual(a.rows.map((_, i) => i));
    expect(b).toEqual(a);
    reference = a;
  });

  it('never shows the rows before the run is complete: the second part commits first, the results route refuses until the run does', async () => {
    const runId = await newRun('window', 'wait');
    const holder = await db.owner.transaction();
    try {
      await holder.raw('select pg_advisory_xact_lock(?, ?)', [...HOLD]);
      const running = matchAndStore(runId, { splitMin: 1 });
      // The second part has committed (its rows are visible to another session); the run's commit waits on the test.
      const committed = await eventually('the second part to commit', async () => {
        const n = Number((await db.owner('reconciliation_results').where({ run_id: runId }).count({ n: '*' }))[0]!.n);
        return n > 0 ? n : null;
      });
      expect(committed).toBe(reference.rows.length - Math.ceil(reference.rows.length / 2));
      expect((await stored(runId)).status).toBe('running');
      expect({ results: await resultsStatus(runId), exported: await exportedRows(runId) }).toEqual({ results: 409, exported: 0 });
      await holder.commit();
      expect(await running).toEqual({ outcome: { ok: { results: reference.rows.length } }, parts: [2] });
    } finally {
      if (!holder.isCompleted()) await holder.rollback();
    }
    expect({ results: await resultsStatus(runId), exported: await exportedRows(runId) }).toEqual({ results: 200, exported: reference.rows.length });
    expect(await stored(runId)).toEqual(reference);
  });

  it('a commit lost after the second part\'s: the run stays incomplete, its retry leaves exactly one complete set of rows', async () => {
    const runId = await newRun('lost', 'fail');
    expect(await matchAndStore(runId, { splitMin: 1 })).toEqual({ outcome: { error: expect.stringContaining("the run's commit is lost"), type: undefined }, parts: [2] });
    const half = Math.ceil(reference.rows.length / 2);
    const left = await stored(runId);
    // What the lost commit leaves: the second part's rows, of a run that is not complete (and so not shown).
    expect({ status: left.status, rows: left.rows.length, first: left.rows[0]?.seq, suppliers: left.suppliers.length })
      .toEqual({ status: 'running', rows: reference.rows.length - half, first: half, suppliers: 0 });
    expect({ results: await resultsStatus(runId), exported: await exportedRows(runId) }).toEqual({ results: 409, exported: 0 });

    // The retry finds them, deletes them and writes every row on its one connection.
    await db.owner('test_commit_hooks').where({ run_id: runId }).delete();
    expect(await matchAndStore(runId, { splitMin: 1 })).toEqual({ outcome: { ok: { results: reference.rows.length } }, parts: [1] });
    expect(await stored(runId)).toEqual({ ...reference, status: 'completed' });
  });

  it('a run that fails for good after a lost commit keeps none of its rows', async () => {
    const runId = await newRun('lost-failed', 'fail');
    expect((await matchAndStore(runId, { splitMin: 1 })).parts).toEqual([2]);
    expect((await stored(runId)).rows.length).toBeGreaterThan(0);
    const activities = createReconciliationActivities({ knex: db.app, logger: captureLogger('warn').logger });
    await new MockActivityEnvironment().run(activities.reconciliationFailed, { firmId: firm.id, runId, reason: 'test: gave up' });
    const after = await stored(runId);
    expect({ status: after.status, rows: after.rows.length, suppliers: after.suppliers.length }).toEqual({ status: 'failed', rows: 0, suppliers: 0 });
  });

  it('a failure in either part rolls both back: nothing stored', async () => {
    for (const stopAt of [1, 2]) {
      const runId = await newRun(`stopped-${stopAt}`);
      let stores = 0;
      const outcome = await matchAndStore(runId, {
        splitMin: 1,
        // The stop is thrown from the checkpoint of whichever part reaches it: the first to end its rows, or the second.
        afterBatch: async (details) => {
          if (details.phase === 'store' && ++stores === stopAt) throw new Error(`test: stopped at store checkpoint ${stopAt}`);
        },
      });
      expect(outcome).toEqual({ outcome: { error: `test: stopped at store checkpoint ${stopAt}`, type: undefined }, parts: [] });
      const after = await stored(runId);
      expect({ status: after.status, rows: after.rows.length, suppliers: after.suppliers.length }).toEqual({ status: 'running', rows: 0, suppliers: 0 });
    }
  });
});
