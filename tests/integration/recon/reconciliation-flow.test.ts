/**
 * The whole flow on the real stack (API, PostgreSQL, Temporal server, real workers): upload →
 * run → progress → results → suppliers → exports; the same request twice is one run; and a worker
 * shut down in the middle of storing results leaves the run to a new worker, which finishes it
 * with every result row exactly once.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import * as ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { createActivities } from '../../../activities';
import { createReconciliationActivities } from '../../../activities/reconciliation';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal, testPayloadCodec } from '../../harness/temporal';
import type { RunningWorker } from '../../../ops/worker';
import { eventually } from '../../harness/eventually';
import { importFile, reconData, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(120_000);

const PERIOD = '2024-06';

describe('reconciliation through the API', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let taskQueue: string;
  let firm: TestFirm;
  let other: TestFirm;
  let staff: string;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 8 });
    taskQueue = uniqueTaskQueue('recon');
    temporal = await connectTestTemporal();
    api = await startReconApi(db, { taskQueue });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
  });
  afterAll(async () => {
    await api.close();
    await temporal.close();
    await db.drop();
  });

  async function uploadPair(clientIndex: number, n: number, tweakCsv: (csv: string) => string = (c) => c) {
    const client = firm.clients[clientIndex]!;
    const data = reconData(client.gstin, n);
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, tweakCsv(data.csv), 'text/csv');
    expect(twoB.uploaded.status).toBe(200);
    expect(register.uploaded.status).toBe(200);
    return { client, twoBId: twoB.importId, registerId: register.importId };
  }

  describe('on one worker', () => {
    let worker: RunningWorker;
    beforeAll(async () => {
      worker = await startTestWorker({ knex: db.app, taskQueue });
    });
    afterAll(async () => {
      await worker.shutdown();
    });

    it('uploads, runs, reports progress, and serves results, suppliers and exports', async () => {
      // A supplier name and an invoice number that a spreadsheet would run as formulas.
      const injected = (csv: string) => {
        const lines = csv.split('\r\n');
        const i = lines.findIndex((l) => /^\d{2}-\d{2}-\d{4},/.test(l));
        const cells = lines[i]!.split(',');
        cells[1] = '=HYPERLINK("http://evil.example";"click")';
        cells[1] = `"${cells[1].replace(/"/g, '""')}"`;
        cells[4] = '@SUM(A1:A9)';
        lines[i] = cells.join(',');
        return lines.join('\r\n');
      };
      const { client, twoBId, registerId } = await uploadPair(0, 300, injected);
      const body = { period: PERIOD, registerImportId: registerId, gstr2bImportId: twoBId, options: { amountTolerance: 1, dateWindowDays: 10 } };
      const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body });
      expect(started.status).toBe(202);
      expect(started.body.workflowId).toMatch(new RegExp(`^recon-${firm.id}-${client.id}-${PERIOD}-`));
      const { runId } = started.body;

      // The same imports and options (the tolerance given as its default, or left out) → the same run.
      const again = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { ...body, options: { dateWindowDays: 10 } } });
      expect(again.status).toBe(202);
      expect(again.body.runId).toBe(runId);
      const different = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { ...body, options: { amountTolerance: 5 } } });
      expect(different.body.runId).not.toBe(runId);

      const done = await eventually('the run to complete', async () => {
        const res = await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff });
        expect(res.status).toBe(200);
        if (!['queued', 'running', 'completed'].includes(res.body.status)) throw new Error(`the run ended ${res.body.status}: ${JSON.stringify(res.body.failureReason)}`);
        return res.body.status === 'completed' ? res.body : null;
      });
      expect(done.progress.total).toBeGreaterThan(500);
      expect(done.progress.done).toBe(done.progress.total);
      const counts = done.summary.counts as Record<string, number>;
      expect(counts.exact_match).toBeGreaterThan(100);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(done.summary.results);
      expect(typeof done.summary.itcAtRisk).toBe('number');
      expect(done.summary.itcAvailable).toBeGreaterThan(0);

      // Results: cursor paging returns every row once; filters narrow.
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const res = await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token: staff });
        expect(res.status).toBe(200);
        for (const item of res.body.items) seen.add(item.id);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen.size).toBe(done.summary.results);
      const mismatches = await call(api, 'GET', `/api/reconciliations/${runId}/results?category=mismatch&limit=500`, { token: staff });
      expect(mismatches.body.items).toHaveLength(counts.mismatch ?? 0);
      const m = mismatches.body.items[0];
      expect(m).toMatchObject({ category: 'mismatch' });
      expect(m.books).toEqual(expect.objectContaining({ taxableValue: expect.any(Number), invoiceDate: expect.any(String) }));
      expect(m.portal).toEqual(expect.objectContaining({ section: expect.any(String) }));
      expect(Object.keys(m.differences).length).toBeGreaterThan(0);
      const gstin = m.supplierGstin as string;
      const bySupplier = await call(api, 'GET', `/api/reconciliations/${runId}/results?supplierGstin=${gstin}`, { token: staff });
      expect(bySupplier.body.items.length).toBeGreaterThan(0);
      expect(new Set(bySupplier.body.items.map((r: { supplierGstin: string }) => r.supplierGstin))).toEqual(new Set([gstin]));
      expect((await call(api, 'GET', `/api/reconciliations/${runId}/results?category=nonsense`, { token: staff })).status).toBe(400);

      // Suppliers: sorted by ITC at risk, largest first, across pages.
      const risks: number[] = [];
      cursor = null;
      do {
        const res = await call(api, 'GET', `/api/reconciliations/${runId}/suppliers?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { token: staff });
        for (const s of res.body.items) risks.push(s.itcAtRisk);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(risks.length).toBe(done.summary.suppliers);
      expect([...risks].sort((a, b) => b - a)).toEqual(risks);

      // CSV: every row, formula-looking cells neutralised, the data otherwise intact.
      const csv = await fetch(`${api.url}/api/reconciliations/${runId}/export?format=csv`, { headers: { authorization: `Bearer ${staff}` } });
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      const records: string[][] = parse(await csv.text());
      expect(records.length - 1).toBe(done.summary.results);
      const flat = records.flat();
      expect(flat).toContain(`'=HYPERLINK("http://evil.example";"click")`);
      expect(flat).toContain(`'@SUM(A1:A9)`);
      expect(flat.filter((cell) => /^[=+@]/.test(cell))).toEqual([]);
      // The stored row keeps what the client typed (neutralising is the export's job).
      const stored = await db.owner('reconciliation_results').where({ run_id: runId }).whereRaw(`row->'books'->>'supplierName' like '=HYPERLINK%'`);
      expect(stored).toHaveLength(1);

      // XLSX: the sheets of docs/reconciliation.md ("The report"), real dates and numbers.
      const xlsx = await fetch(`${api.url}/api/reconciliations/${runId}/export?format=xlsx`, { headers: { authorization: `Bearer ${staff}` } });
      expect(xlsx.status).toBe(200);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
      const names = workbook.worksheets.map((w) => w.name);
      expect(names[0]).toBe('Summary');
      expect(names[1]).toBe('Suppliers');
      expect(names).toContain('Mismatch detail');
      const exactSheet = workbook.worksheets[2]!;
      expect(exactSheet.rowCount - 1).toBe(counts.exact_match);
      // Columns 6 and 8: the books date and taxable value (the full check is workbook.test.ts).
      expect(exactSheet.getRow(1).getCell(6).value).toBe('Date (books)');
      const dateCell = exactSheet.getRow(2).getCell(6);
      expect(dateCell.value).toBeInstanceOf(Date);
      expect(dateCell.numFmt).toBe('dd-mm-yyyy');
      expect(typeof exactSheet.getRow(2).getCell(8).value).toBe('number');
      const injectedCell = workbook.worksheets.flatMap((w) => w.getSheetValues().flat()).find((v) => typeof v === 'string' && v.startsWith('=HYPERLINK'));
      expect(injectedCell).toEqual(expect.stringMatching(/^=HYPERLINK/)); // a plain string cell, not a formula object

      // JSON: the run and every item.
      const json = await call(api, 'GET', `/api/reconciliations/${runId}/export?format=json`, { token: staff });
      expect(json.status).toBe(200);
      expect(json.body.run.runId).toBe(runId);
      expect(json.body.items).toHaveLength(done.summary.results);

      // A supplier's own workbook: only its rows, and none of the other suppliers' figures.
      const [top, second] = (await call(api, 'GET', `/api/reconciliations/${runId}/suppliers?limit=2`, { token: staff })).body.items as Array<{ supplierGstin: string }>;
      const own = await fetch(`${api.url}/api/reconciliations/${runId}/export?format=xlsx&supplierGstin=${top!.supplierGstin}`, { headers: { authorization: `Bearer ${staff}` } });
      expect(own.status).toBe(200);
      const ownBook = new ExcelJS.Workbook();
      await ownBook.xlsx.load(Buffer.from(await own.arrayBuffer()) as unknown as ArrayBuffer);
      const ownCells = ownBook.worksheets.flatMap((w) => w.getSheetValues().flat()).filter((v) => typeof v === 'string') as string[];
      expect(ownCells).toContain(top!.supplierGstin);
      expect(ownCells).not.toContain(second!.supplierGstin);
      const ownJson = await call(api, 'GET', `/api/reconciliations/${runId}/export?format=json&supplierGstin=${top!.supplierGstin}`, { token: staff });
      expect(ownJson.body.run).toEqual({ runId, period: PERIOD, supplierGstin: top!.supplierGstin });
      expect(ownJson.body.items.length).toBeGreaterThan(0);
      expect(new Set(ownJson.body.items.map((i: { supplierGstin: string }) => i.supplierGstin))).toEqual(new Set([top!.supplierGstin]));

      // Audit: started, results written once, exported five times.
      const actions = (await db.owner('audit_events').where({ firm_id: firm.id, entity_id: runId }).orderBy('seq')).map((e) => e.action);
      expect(actions.filter((a) => a === 'reconciliation.started')).toHaveLength(1);
      expect(actions.filter((a) => a === 'reconciliation.results_written')).toHaveLength(1);
      expect(actions.filter((a) => a === 'reconciliation.exported')).toHaveLength(5);

      // Another firm sees none of it.
      const outsider = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
      for (const path of ['', '/results', '/suppliers', '/export?format=csv']) {
        expect((await call(api, 'GET', `/api/reconciliations/${runId}${path}`, { token: outsider })).status).toBe(404);
      }
    });

    it("uses the firm's matching defaults when a run gives none", async () => {
      const { client, twoBId, registerId } = await uploadPair(1, 50);
      const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
      await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } });
      const set = await call(api, 'PATCH', '/api/firm/settings', { token: admin, body: { reconciliationDefaults: { amountTolerance: 5, dateWindowDays: 20 } } });
      expect(set.body.reconciliationDefaults).toEqual({ amountTolerance: 5, dateWindowDays: 20 });
      const body = { period: PERIOD, registerImportId: registerId, gstr2bImportId: twoBId };
      const byFirm = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body });
      expect((await db.owner('reconciliation_runs').where({ id: byFirm.body.runId }).first()).options).toEqual({ amountTolerance: 500, dateWindowDays: 20 });
      const byRun = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { ...body, options: { dateWindowDays: 3 } } });
      expect((await db.owner('reconciliation_runs').where({ id: byRun.body.runId }).first()).options).toEqual({ amountTolerance: 500, dateWindowDays: 3 });
      await call(api, 'PATCH', '/api/firm/settings', { token: admin, body: { reconciliationDefaults: {} } });
      for (const runId of [byFirm.body.runId, byRun.body.runId]) {
        await eventually('the run to finish', async () => ['completed', 'failed'].includes((await db.owner('reconciliation_runs').where({ id: runId }).first()).status));
      }
    });

    it('refuses runs on imports that do not fit and shows no results before completion', async () => {
      const { client, twoBId, registerId } = await uploadPair(1, 20);
      const path = `/api/clients/${client.id}/reconciliations`;
      const swapped = await call(api, 'POST', path, { token: staff, body: { period: PERIOD, registerImportId: twoBId, gstr2bImportId: registerId } });
      expect(swapped.status).toBe(400);
      expect(Object.keys(swapped.body.error.details.fields)).toEqual(['registerImportId']);
      const wrongPeriod = await call(api, 'POST', path, { token: staff, body: { period: '2024-05', registerImportId: registerId, gstr2bImportId: twoBId } });
      expect(wrongPeriod.status).toBe(400);
      const otherClient = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/reconciliations`, { token: staff, body: { period: PERIOD, registerImportId: registerId, gstr2bImportId: twoBId } });
      expect(otherClient.status).toBe(400);
      // A run row that is still queued (no workflow behind it) serves no results.
      const [queued] = await db.owner('reconciliation_runs')
        .insert({ firm_id: firm.id, client_id: client.id, period: PERIOD, register_import_id: registerId, gstr2b_import_id: twoBId, workflow_id: 'recon-test-queued' })
        .returning('id');
      const res = await call(api, 'GET', `/api/reconciliations/${queued.id}/results`, { token: staff });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('reconciliation_not_completed');
    });
  });

  it('resumes on a new worker after the first one shuts down mid-run, with no duplicate result rows', async () => {
    const { client, twoBId, registerId } = await uploadPair(1, 3000);
    // Worker A tells the test about each batch and pauses after it (its afterBatch dependency), so it is told to stop while it
    // is storing results (after the first batch is written inside its transaction).
    let reachedStore: () => void = () => undefined;
    const storing = new Promise<void>((resolve) => (reachedStore = resolve));
    const connection = await NativeConnection.connect({ address: harnessValue('temporalAddress') });
    const logger = captureLogger('warn').logger;
    const slow = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: harnessValue('workflowBundle') },
      dataConverter: { payloadCodecs: [testPayloadCodec()] },
      activities: {
        ...createActivities({ knex: db.app, logger }),
        ...createReconciliationActivities({
          knex: db.app,
          logger,
          // Injected: tell the test about each batch, then pause (a pause the shutdown interrupts).
          afterBatch: async (details) => {
            if (details.phase === 'store') reachedStore();
            await Context.current().sleep(3000);
          },
        }),
      },
      shutdownGraceTime: '1 second',
    });
    const running = slow.run();

    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { period: PERIOD, registerImportId: registerId, gstr2bImportId: twoBId } });
    expect(started.status).toBe(202);
    const { runId, workflowId } = started.body;
    await eventually('the run to be running', async () => (await db.owner('reconciliation_runs').where({ id: runId }).first()).status === 'running');
    const progress = await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff });
    expect(progress.body.status).toBe('running');
    expect(progress.body.progress.total).toBeGreaterThan(5000);
    await storing;
    // The long step reports its progress to the workflow: part-way, never complete before the commit.
    const midway = await eventually('progress to move', async () => {
      const { progress } = (await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff })).body;
      return progress.done > 0 ? (progress as { done: number; total: number }) : null;
    });
    expect(midway.done).toBeGreaterThan(0);
    expect(midway.done).toBeLessThan(midway.total);
    slow.shutdown();
    await running;
    await connection.close();
    // Nothing of the interrupted attempt is visible: its transaction rolled back.
    expect((await db.owner('reconciliation_runs').where({ id: runId }).first()).status).toBe('running');
    expect(Number((await db.owner('reconciliation_results').where({ run_id: runId }).count({ c: '*' }))[0]!.c)).toBe(0);

    const fresh = await startTestWorker({ knex: db.app, taskQueue });
    try {
      await eventually('the run to complete on the new worker', async () => (await db.owner('reconciliation_runs').where({ id: runId }).first()).status === 'completed', 90_000);
    } finally {
      await fresh.shutdown();
    }
    const run = await db.owner('reconciliation_runs').where({ id: runId }).first();
    const [{ n, ids, seqs }] = await db.owner('reconciliation_results')
      .where({ run_id: runId })
      .select(db.owner.raw('count(*)::int as n, count(distinct row->>\'id\')::int as ids, count(distinct seq)::int as seqs'));
    expect(n).toBe(run.summary.results);
    expect(ids).toBe(n);
    expect(seqs).toBe(n);
    expect(Number((await db.owner('audit_events').where({ entity_id: runId, action: 'reconciliation.results_written' }).count({ c: '*' }))[0]!.c)).toBe(1);

    // The store activity really was interrupted and retried (not finished by the first worker).
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });
});
