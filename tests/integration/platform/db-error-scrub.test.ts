/**
 * A database error quotes the row it refused (a COPY's line in `where`, a duplicate's key in
 * `detail`, a bad value in the message itself). Real failing statements on a real PostgreSQL: the
 * api's error handler logs them through the real logger, and a reconciliation whose result rows
 * the database refuses fails on a real worker, and neither the log lines nor the workflow's history
 * nor the run's stored failure reason holds the row's text; each keeps the SQLSTATE and the
 * constraint's name. A wrapper that wrote such an error's message into its own is logged without it,
 * and a restore drill's check that one ends stores its SQLSTATE as the detail.
 */
import { randomUUID } from 'node:crypto';
import type Koa from 'koa';
import { runSanityChecks, type SanityCheck } from '../../../activities/backup-sanity-checks';
import { errorHandler } from '../../../api/middleware/error-handler';
import { copyThroughStage } from '../../../db/copy-rows';
import { isPeriodClosedError } from '../../../db/db-errors';
import { scrubDatabaseError } from '../../../db/scrub-db-error';
import { Client } from '../../../db/models/client';
import { inTenantTransaction, type TenantScope } from '../../../db/tenant';
import { installTemporalRuntime } from '../../../ops/temporal-runtime';
import type { RunningWorker } from '../../../ops/worker';
import { RECONCILIATION_WORKFLOW, type ReconciliationWorkflowInput } from '../../../workflows/reconciliation-definitions';
import { login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { captureLogger, type CapturedLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { importFile, reconData, startReconApi, type ReconApi } from '../recon/recon-helpers';

jest.setTimeout(120_000);

const PERIOD = '2024-06';
const SECRET = 'sk_live_do_not_log_7f3a9c';

/** Runs the api's error handler over a request whose handler threw `error`. */
async function throughErrorHandler(logs: CapturedLogger, error: unknown): Promise<number> {
  const ctx = { method: 'PUT', path: '/uploads/x', status: 404, body: undefined as unknown, state: { requestId: 'r1' }, set: () => undefined };
  await errorHandler({ logger: logs.logger, exposeInternalErrors: false })(ctx as unknown as Koa.Context, async () => {
    throw error;
  });
  return ctx.status;
}

describe('database errors leave without the rows they quote', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let scope: TenantScope;
  const runtimeLogs = captureLogger('warn');

  beforeAll(async () => {
    // The SDK's own lines ("Activity failed") go through this process's runtime logger: installed first, so it is ours.
    installTemporalRuntime(runtimeLogs.logger, 'WARN');
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    scope = { firmId: firm.id, actor: { userId: null, email: 'system:test', role: 'system' } };
  });
  afterAll(async () => {
    await db.drop();
  });

  it('a COPY refusing a line: the api logs its SQLSTATE, not the line', async () => {
    const gstin = firm.clients[0]!.gstin;
    const caught = await inTenantTransaction(db.app, scope, (trx) =>
      copyThroughStage(trx, {
        stage: 'scrub_test_stage',
        columns: [['seq', 'int'], ['doc', 'jsonb']],
        count: 3,
        // The third line's JSON is cut short: PostgreSQL names the line and quotes it.
        rows: { write: (block, i) => block.text(`${i}\t{"gstin":"${gstin}","apiKey":"${SECRET}"${i === 2 ? '' : '}'}\n`) },
        insert: { sql: 'select 1 from pg_temp.scrub_test_stage', bindings: [] },
      }),
    ).then(() => null, (error: unknown) => error as Record<string, unknown>);
    // The statement did fail, quoting the row (else this test proves nothing).
    expect({ code: caught?.code, quotes: JSON.stringify({ ...caught, message: caught?.message }).includes(gstin) }).toEqual({ code: '22P02', quotes: true });

    const logs = captureLogger('debug');
    expect(await throughErrorHandler(logs, caught)).toBe(500);
    const text = logs.text();
    expect({ gstin: text.includes(gstin), secret: text.includes(SECRET) }).toEqual({ gstin: false, secret: false });
    const line = JSON.parse(logs.lines.find((l) => l.includes('unhandled error'))!);
    expect(line.err).toMatchObject({ type: 'ScrubbedDatabaseError', sqlState: '22P02', message: expect.stringContaining('database error 22P02') });
    expect(line.err.stack).toMatch(/^ScrubbedDatabaseError: database error 22P02/);
  });

  it('a value refused under Objection: the message quoting it is not logged, its SQLSTATE is', async () => {
    const gstin = firm.clients[0]!.gstin;
    // An id that is not one (a GSTIN pasted where an id goes): PostgreSQL quotes it in its message.
    const caught = await inTenantTransaction(db.app, scope, async () => Client.query().findById(`${gstin}-${SECRET}`)).then(
      () => null,
      (error: unknown) => error as { name?: string; message?: string; nativeError?: { code?: string } },
    );
    expect({ name: caught?.name, code: caught?.nativeError?.code, quotes: caught?.message?.includes(gstin) }).toEqual({ name: 'DataError', code: '22P02', quotes: true });

    const logs = captureLogger('debug');
    logs.logger.warn({ err: caught }, 'could not read the client');
    expect({ gstin: logs.text().includes(gstin), secret: logs.text().includes(SECRET) }).toEqual({ gstin: false, secret: false });
    const line = JSON.parse(logs.lines[0]!);
    expect(line.err).toMatchObject({ sqlState: '22P02', wrapper: 'DataError', message: expect.stringContaining('database error 22P02 (data exception)') });
  });

  it("a refusal of our own trigger's kind keeps its reason's name, not the values in its text", async () => {
    const gstin = firm.clients[0]!.gstin;
    const caught = await db.app.raw(`do $$ begin raise exception 'period_closed: period 2024-06 of client % is closed', '${gstin}'; end $$`).then(() => null, (error: unknown) => error);
    const logs = captureLogger('debug');
    logs.logger.error({ err: caught }, 'could not write');
    expect(logs.text().includes(gstin)).toBe(false);
    expect(JSON.parse(logs.lines[0]!).err).toMatchObject({ sqlState: 'P0001', reason: 'period_closed', message: 'database error P0001 (raised by a function or trigger) - period_closed' });
    // Still recognised as what it is after scrubbing (the api and activities look at the error itself first).
    expect(isPeriodClosedError(scrubDatabaseError(caught))).toBe(true);
  });

  it("keeps PostgreSQL's message for a code whose text quotes no value, but not when a RAISE wrote it", async () => {
    const gstin = firm.clients[0]!.gstin;
    const missing = await db.app.raw(`select * from scrub_no_such_table where gstin = '${gstin}'`).then(() => null, (error: unknown) => error);
    const raised = await db.app
      .raw(`do $$ begin raise exception 'record_signin_event: % is not a sign-in event', '${gstin}' using errcode = 'insufficient_privilege'; end $$`)
      .then(() => null, (error: unknown) => error);
    const [a, b] = [scrubDatabaseError(missing), scrubDatabaseError(raised)].map((e) => (e as Error).message);
    expect({ a, b }).toEqual({
      a: 'database error 42P01 (syntax error or access rule violation): relation "scrub_no_such_table" does not exist',
      b: 'database error 42501 (syntax error or access rule violation) - record_signin_event',
    });
  });

  it("a wrapper that wrote a real failure's message into its own (knex's statement included): logged without the value", async () => {
    const gstin = firm.clients[0]!.gstin;
    const failed = await db.app.raw(`select ?::uuid as id`, [`${gstin}-${SECRET}`]).then(() => null, (error: unknown) => error as Error);
    const wrapper = new Error(`could not read the client: ${failed?.message}`, { cause: failed });
    expect(wrapper.message.includes(gstin)).toBe(true);
    const logs = captureLogger('debug');
    logs.logger.error({ err: wrapper }, 'could not read');
    expect({ gstin: logs.text().includes(gstin), secret: logs.text().includes(SECRET) }).toEqual({ gstin: false, secret: false });
    // pino writes the causes' messages after the error's own.
    expect(JSON.parse(logs.lines[0]!).err.message).toBe('could not read the client: database error 22P02 (data exception): database error 22P02 (data exception)');
  });

  it("a restore drill's check that a real failure ends: its stored detail names the SQLSTATE, not the value", async () => {
    const gstin = firm.clients[0]!.gstin;
    const check: SanityCheck = { name: 'reads-a-client', run: async ({ knex }) => (await knex.raw(`select ?::uuid as id`, [gstin]), { ok: true, detail: 'read' }) };
    const [result] = await runSanityChecks([check], { knex: db.owner, backupId: 'b', expectedMigration: null });
    expect(result).toEqual({ name: 'reads-a-client', ok: false, detail: 'the check threw: database error 22P02 (data exception)' });
  });

  describe('a reconciliation whose result rows the database refuses', () => {
    let api: ReconApi;
    let temporal: TestTemporal;
    let worker: RunningWorker;
    const workerLogs = captureLogger('debug');
    const taskQueue = uniqueTaskQueue('scrub');

    beforeAll(async () => {
      temporal = await connectTestTemporal();
      worker = await startTestWorker({ knex: db.app, taskQueue, logger: workerLogs.logger });
      api = await startReconApi(db, { taskQueue });
    });
    afterAll(async () => {
      await worker.shutdown();
      await api.close();
      await temporal.close();
    });

    it('fails with its SQLSTATE in the history, the run and the logs, and no GSTIN', async () => {
      const client = firm.clients[0]!;
      const data = reconData(client.gstin, 30);
      const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
      const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv, 'text/csv');
      const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
      expect([register.uploaded.status, twoB.uploaded.status]).toEqual([200, 200]);
      const suppliers = [...new Set([...data.books, ...data.portal].map((d) => d.supplierGstin))];
      expect(suppliers.length).toBeGreaterThan(0);

      // A rule that reads a result's supplier GSTIN as a number: PostgreSQL's refusal quotes the GSTIN in its message.
      await db.owner.raw('alter table reconciliation_results add constraint scrub_test_gstin_as_number check (supplier_gstin::numeric > 0)');
      const runId = randomUUID();
      await db.owner('reconciliation_runs').insert({
        id: runId, firm_id: firm.id, client_id: client.id, period: PERIOD, register_import_id: register.importId, gstr2b_import_id: twoB.importId,
        options: { amountTolerance: 100, dateWindowDays: 10 }, workflow_id: `scrub-test-${runId}`,
      });
      const input: ReconciliationWorkflowInput = { firmId: firm.id, runId, timeouts: { maximumAttempts: 1 } };
      const handle = await temporal.client.workflow.start(RECONCILIATION_WORKFLOW, { taskQueue, workflowId: `scrub-test-${runId}`, args: [input] });
      const failed = await handle.result().then(() => null, (error: unknown) => error);
      expect(failed).not.toBeNull();

      const history = JSON.stringify(await handle.fetchHistory());
      const run = await db.owner('reconciliation_runs').where({ id: runId }).first('status', 'failure_reason');
      const logs = `${workerLogs.text()}\n${runtimeLogs.text()}`;
      const leaks = (text: string) => suppliers.filter((gstin) => text.includes(gstin));
      expect({ history: leaks(history), reason: leaks(run.failure_reason), logs: leaks(logs) }).toEqual({ history: [], reason: [], logs: [] });
      expect(run).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('database error 22P02') });
      expect(history).toContain('database error 22P02');
      expect(runtimeLogs.text()).toContain('Activity failed');
    });
  });
});
