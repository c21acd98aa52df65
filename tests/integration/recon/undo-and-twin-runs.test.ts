/**
 * On the real stack (API, PostgreSQL, Temporal server and a real worker): a 2B Excel and its JSON
 * twin, built from the same data, give identical reconciliations; and undoing an upload
 * (DELETE /api/imports/:id) discards an import nothing used, supersedes one a completed run used
 * (so the period's latest import, and the close, fall back to the one before), answers a replay the
 * same, is audited, is refused in a closed period and hides other firms' imports.
 */
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { portalWorkbookOf } from '../../../ops/bench/portal-workbook';
import type { RunningWorker } from '../../../ops/worker';
import { importFile, reconData, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(180_000);

const PERIOD = '2024-06';

describe('twin 2B files and undoing imports', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  let staff: string;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 8 });
    const taskQueue = uniqueTaskQueue('recon-undo');
    temporal = await connectTestTemporal();
    api = await startReconApi(db, { taskQueue });
    worker = await startTestWorker({ knex: db.app, taskQueue });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
  });
  afterAll(async () => {
    await worker.shutdown();
    await api.close();
    await temporal.close();
    await db.drop();
  });

  async function runToCompletion(clientId: string, registerImportId: string, gstr2bImportId: string) {
    const started = await call(api, 'POST', `/api/clients/${clientId}/reconciliations`, { token: staff, body: { period: PERIOD, registerImportId, gstr2bImportId } });
    expect(started.status).toBe(202);
    return eventually('the run to complete', async () => {
      const res = await call(api, 'GET', `/api/reconciliations/${started.body.runId}`, { token: staff });
      // A failed run says why, so a failure here names its cause.
      if (!['queued', 'running', 'completed'].includes(res.body.status)) throw new Error(`the run ended ${res.body.status}: ${JSON.stringify(res.body.failureReason)}`);
      return res.body.status === 'completed' ? res.body : null;
    }, 120_000);
  }

  async function allResults(runId: string) {
    const items: unknown[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token: staff });
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  it('reconciles a 2B Excel exactly as its JSON twin: the same results, suppliers and summary', async () => {
    const client = firm.clients[0]!;
    const data = reconData(client.gstin, 250);
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv);
    const json = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB);
    const excel = await importFile(api, staff, client.id, 'gstr2b', PERIOD, await portalWorkbookOf(JSON.parse(data.twoB)));
    expect([register.uploaded.status, json.uploaded.status, excel.uploaded.status]).toEqual([200, 200, 200]);

    const fromJson = await runToCompletion(client.id, register.importId, json.importId);
    const fromExcel = await runToCompletion(client.id, register.importId, excel.importId);
    expect(fromExcel.runId).not.toBe(fromJson.runId);
    // Everything but how long the matcher took.
    const figures = ({ durationMs, ...rest }: Record<string, unknown>) => (expect(typeof durationMs).toBe('number'), rest);
    expect(figures(fromExcel.summary)).toEqual(figures(fromJson.summary));
    const counts = fromJson.summary.counts as Record<string, number>;
    // A run with something in every usual category, so "equal" compares something.
    for (const category of ['exact_match', 'probable_match', 'mismatch', 'missing_in_2b', 'missing_in_books']) expect(counts[category]).toBeGreaterThan(0);
    const [a, b] = [await allResults(fromJson.runId), await allResults(fromExcel.runId)];
    expect(b).toHaveLength(a.length);
    expect(b).toEqual(a);
    const suppliers = async (runId: string) => (await call(api, 'GET', `/api/reconciliations/${runId}/suppliers?limit=500`, { token: staff })).body.items;
    expect(await suppliers(fromExcel.runId)).toEqual(await suppliers(fromJson.runId));
  });

  it('supersedes an import a completed run used, discards one nothing used, and the period falls back to the import before', async () => {
    const client = firm.clients[1]!;
    const data = reconData(client.gstin, 60, 11);
    const older = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv);
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB);
    const newer = await importFile(api, staff, client.id, 'purchase_register', PERIOD, `${data.csv}\r\n`);
    const run = await runToCompletion(client.id, newer.importId, twoB.importId);
    const rowsOf = async (id: string) => Number((await db.owner('import_rows').where({ import_id: id }).count({ n: '*' }))[0]!.n);

    // A wrong upload nothing used: discarded, its rows gone.
    const wrong = await importFile(api, staff, client.id, 'purchase_register', PERIOD, `${data.csv}\r\n\r\n`);
    expect(await rowsOf(wrong.importId)).toBeGreaterThan(0);
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const discarded = await call(api, 'DELETE', `/api/imports/${wrong.importId}`, { token: manager });
    expect(discarded.status).toBe(200);
    expect(discarded.body).toMatchObject({ id: wrong.importId, status: 'discarded', discardedAt: expect.any(String) });
    expect(await rowsOf(wrong.importId)).toBe(0);
    // A replay answers the same and records nothing more.
    const replay = await call(api, 'DELETE', `/api/imports/${wrong.importId}`, { token: staff });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: wrong.importId, status: 'discarded', discardedAt: discarded.body.discardedAt });
    const events = await db.owner('audit_events').where({ firm_id: firm.id, entity_id: wrong.importId }).orderBy('seq');
    expect(events.map((e) => e.action)).toEqual(['import.create', 'import.uploaded', 'import.discarded']);
    expect(events[2]).toMatchObject({ actor_id: firm.users.manager.id, actor_role: 'manager' });

    // The newer register, used by a completed run: superseded, its rows and the run's results kept.
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const superseded = await call(api, 'DELETE', `/api/imports/${newer.importId}`, { token: admin });
    expect(superseded.status).toBe(200);
    expect(superseded.body.status).toBe('superseded');
    expect(await rowsOf(newer.importId)).toBe(newer.uploaded.body.rows);
    expect((await call(api, 'GET', `/api/reconciliations/${run.runId}/results?limit=1`, { token: staff })).status).toBe(200);
    expect((await db.owner('audit_events').where({ firm_id: firm.id, entity_id: newer.importId, action: 'import.superseded' })).length).toBe(1);

    // The period's latest register is the older one again: a close wants a run on it.
    const close = await call(api, 'POST', `/api/clients/${client.id}/periods/${PERIOD}/close`, { token: staff, body: {} });
    expect(close.status).toBe(422);
    expect(close.body.error).toMatchObject({ code: 'reconciliation_missing', details: { registerImportId: older.importId, gstr2bImportId: twoB.importId } });
    // And a superseded or discarded import is no longer one to run on.
    const again = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { period: PERIOD, registerImportId: newer.importId, gstr2bImportId: twoB.importId } });
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('import_not_validated');
  });

  it('discards an import only a failed run used, and one still waiting for its file', async () => {
    const client = firm.clients[1]!;
    const data = reconData(client.gstin, 20, 3);
    const period = '2024-09';
    const register = await importFile(api, staff, client.id, 'purchase_register', period, data.csv);
    const twoB = await importFile(api, staff, client.id, 'gstr2b', period, data.twoB.replace('"rtnprd":"062024"', '"rtnprd":"092024"'));
    await db.owner('reconciliation_runs').insert({
      firm_id: firm.id, client_id: client.id, period, register_import_id: register.importId, gstr2b_import_id: twoB.importId,
      options: {}, workflow_id: `recon-undo-failed-${client.id}`, status: 'failed', failure_reason: 'test',
    });
    const res = await call(api, 'DELETE', `/api/imports/${register.importId}`, { token: staff });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('discarded');
    expect(Number((await db.owner('import_rows').where({ import_id: register.importId }).count({ n: '*' }))[0]!.n)).toBe(0);

    const waiting = await call(api, 'POST', `/api/clients/${client.id}/imports`, { token: staff, body: { kind: 'gstr2a', period, filename: '2a.json', contentType: 'application/json', size: 10 } });
    expect(waiting.status).toBe(201);
    expect((await call(api, 'DELETE', `/api/imports/${waiting.body.importId}`, { token: staff })).body.status).toBe('discarded');
    // Its upload URL is spent with it.
    const late = await fetch(waiting.body.uploadUrl, { method: 'PUT', body: '{"gstin":"x"}' });
    expect(late.status).toBe(403);
  });

  it('refuses in a closed period, hides other firms, and lets only preparers undo', async () => {
    const client = firm.clients[0]!;
    const data = reconData(client.gstin, 20, 5);
    const closedPeriod = '2024-05';
    const register = await importFile(api, staff, client.id, 'purchase_register', closedPeriod, data.csv);
    const spare = await importFile(api, staff, client.id, 'purchase_register', '2024-08', data.csv);

    const reviewer = await login(api, firm.users.reviewer.email, firm.users.reviewer.password);
    expect((await call(api, 'DELETE', `/api/imports/${spare.importId}`, { token: reviewer })).status).toBe(403);
    const otherStaff = await login(api, other.users.staff.email, other.users.staff.password);
    const foreign = await call(api, 'DELETE', `/api/imports/${spare.importId}`, { token: otherStaff });
    expect(foreign.status).toBe(404);
    expect((await db.owner('imports').where({ id: spare.importId }).first()).status).toBe('validated');

    // Closed the way the close workflow closes it: open → close requested → closed.
    const key = { firm_id: firm.id, client_id: client.id, period: closedPeriod };
    await db.owner('periods').insert({ ...key, state: 'open' });
    await db.owner('periods').where(key).update({ state: 'close_requested' });
    await db.owner('periods').where(key).update({ state: 'closed', closed_at: new Date() });
    const refused = await call(api, 'DELETE', `/api/imports/${register.importId}`, { token: staff });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('period_closed');
    const row = await db.owner('imports').where({ id: register.importId }).first();
    expect(row.status).toBe('validated');
    expect(Number((await db.owner('import_rows').where({ import_id: register.importId }).count({ n: '*' }))[0]!.n)).toBe(register.uploaded.body.rows);
  });
});
