/**
 * The nightly retention run with real PostgreSQL, a real Temporal server and a real worker, through
 * the api: a firm admin sets retention (refused below the statutory minimum), reads the plan (the
 * dry run), the run of a day purges exactly what the plan marked due, records and audits it, leaves
 * other firms alone, and a second run of the same day deletes nothing. Every date is seeded in the
 * past and the run's day is its input: nothing depends on today's date or on timing.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyAuditChain } from '../../../db/audit';
import { DEFAULT_ROTATION_POLICY } from '../../../domain/backup-rotation';
import { retentionJobs, startScheduler } from '../../../ops/scheduler';
import type { RunningWorker } from '../../../ops/worker';
import { RETENTION_WORKFLOW, retentionWorkflowId, type RetentionResult } from '../../../workflows/retention-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { FULL, periodRows, seedPeriodWithData } from './retention-helpers';

jest.setTimeout(120_000);

// The run's day: source files of FY 2017-18 (annual return due 2018-12-31, kept 72 months) are due
// from 2025-01-01, its results (84 months) from 2026-01-01; FY 2019-20's not before 2027.
const DAY = '2026-06-15';

/** Rows compared as a set (their order is checked where it is defined). */
const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

describe('nightly retention run', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  let admin: string;
  const taskQueue = uniqueTaskQueue('retention');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-retention-'));
  const c0 = () => firm.clients[0]!.id;
  const c1 = () => firm.clients[1]!.id;

  const runDay = (day: string, suffix = String(randomInt(1e9))): Promise<RetentionResult> =>
    temporal.client.workflow.execute(RETENTION_WORKFLOW, { taskQueue, workflowId: `${retentionWorkflowId(day)}-test-${suffix}`, args: [{ day }] });

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({
      knex: db.app,
      taskQueue,
      dataProtection: { exportDir: path.join(root, 'exports'), fileStoreDir: path.join(root, 'files'), ownerUrl: db.url, certificateKey: undefined, rotation: DEFAULT_ROTATION_POLICY, erasureLogDir: path.join(root, 'erasures') },
    });
    api = await startTestApi(db, { maxSessionsPerUser: 5 }, { taskQueue });
    firm = await createTestFirm(db, 'Retention Firm');
    other = await createTestFirm(db, 'Keeps Everything Firm');
    await seedPeriodWithData(db, firm.id, c0(), '2017-07', 'closed');
    await seedPeriodWithData(db, firm.id, c0(), '2019-06', 'closed');
    await seedPeriodWithData(db, firm.id, c0(), '2017-09', 'reopened');
    await seedPeriodWithData(db, firm.id, c1(), '2017-12', 'closed');
    await seedPeriodWithData(db, other.id, other.clients[0]!.id, '2017-07', 'closed');
    admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('keeps everything by default, and takes a setting only from a re-authenticated firm admin at or above the statutory minimum', async () => {
    const initial = await call(api, 'GET', '/api/settings/retention', { token: admin });
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({
      sourceFiles: { retainMonths: null, minimumMonths: 72, rule: { reference: expect.stringContaining('s.36') } },
      reconciliationResults: { retainMonths: null, minimumMonths: 72 },
      updatedAt: null,
    });
    const body = { sourceFiles: { retainMonths: 72 }, reconciliationResults: { retainMonths: 84 } };
    expect((await call(api, 'PUT', '/api/settings/retention', { token: admin, body })).body.error.code).toBe('reauth_required');
    await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } });

    const short = await call(api, 'PUT', '/api/settings/retention', { token: admin, body: { sourceFiles: { retainMonths: 60 }, reconciliationResults: { retainMonths: 84 } } });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatchObject({ code: 'invalid_input', details: { fields: { 'sourceFiles.retainMonths': expect.stringContaining('at least 72 months') } } });
    expect(Object.keys(short.body.error.details.fields)).toEqual(['sourceFiles.retainMonths']);
    expect((await call(api, 'GET', '/api/settings/retention', { token: admin })).body.sourceFiles.retainMonths).toBeNull();

    const saved = await call(api, 'PUT', '/api/settings/retention', { token: admin, body });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ sourceFiles: { retainMonths: 72 }, reconciliationResults: { retainMonths: 84 }, updatedBy: firm.users.firm_admin.id });
    const [event] = await db.owner('audit_events').where({ request_id: saved.headers.get('x-request-id') }).select('action', 'before', 'after');
    expect(event).toMatchObject({ action: 'settings.retention_updated', before: null, after: { source_files_months: 72, reconciliation_results_months: 84 } });
  });

  it('shows the plan: what is due on a day with the rows that would go, and when the rest will', async () => {
    const res = await call(api, 'GET', `/api/retention/plan?asOf=${DAY}`, { token: admin });
    expect(res.status).toBe(200);
    const rows = (res.body.items as Array<Record<string, unknown>>).map((i) => [i.clientName, i.period, i.dataClass, i.purgeOn, i.status, i.rows]);
    // A timetable: by purge day (kept last); within a day the order is by client id, so compared as a set here.
    const days = rows.map((r) => r[3] as string);
    expect(days).toEqual([...days].sort());
    expect(sorted(rows)).toEqual(sorted([
      ['Alpha Traders', '2017-07', 'sourceFiles', '2025-01-01', 'due', { import_rows: 6 }],
      ['Alpha Traders', '2017-09', 'sourceFiles', '2025-01-01', 'not_closed', null],
      ['Beta Industries', '2017-12', 'sourceFiles', '2025-01-01', 'due', { import_rows: 6 }],
      ['Alpha Traders', '2017-07', 'reconciliationResults', '2026-01-01', 'due', { reconciliation_results: 4, reconciliation_suppliers: 1 }],
      ['Alpha Traders', '2017-09', 'reconciliationResults', '2026-01-01', 'not_closed', null],
      ['Beta Industries', '2017-12', 'reconciliationResults', '2026-01-01', 'due', { reconciliation_results: 4, reconciliation_suppliers: 1 }],
      ['Alpha Traders', '2019-06', 'sourceFiles', '2027-01-01', 'scheduled', null],
      ['Alpha Traders', '2019-06', 'reconciliationResults', '2028-01-01', 'scheduled', null],
    ]));
    expect(res.body.nextCursor).toBeNull();
    // Paged and filtered.
    const first = await call(api, 'GET', `/api/retention/plan?asOf=${DAY}&status=due&limit=3`, { token: admin });
    const second = await call(api, 'GET', `/api/retention/plan?asOf=${DAY}&status=due&limit=3&cursor=${first.body.nextCursor}`, { token: admin });
    expect([first.body.items.length, second.body.items.length, second.body.nextCursor]).toEqual([3, 1, null]);
    // A reviewer reads it; staff may not.
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    expect((await call(api, 'GET', '/api/retention/plan', { token: staff })).status).toBe(403);
    const bad = await call(api, 'GET', '/api/retention/plan?asOf=2026-02-30', { token: admin });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_input']);
  });

  it('purges on its day exactly what the plan marked due, audited, and nothing of another firm', async () => {
    const auditBefore = await db.owner('audit_events').where({ firm_id: other.id }).count({ n: '*' });
    const result = await runDay(DAY);
    const mine = result.firms.find((f) => f.firmId === firm.id);
    const theirs = result.firms.find((f) => f.firmId === other.id);
    expect(mine).toMatchObject({
      status: 'completed',
      purgedNow: 4,
      skipped: 0,
      totals: { source_files: { items: 2, rows: 12 }, reconciliation_results: { items: 2, rows: 10 } },
    });
    // A firm that keeps everything is not visited at all.
    expect(theirs).toBeUndefined();

    const gone = { ...FULL, import_rows: 0, reconciliation_results: 0, reconciliation_suppliers: 0 };
    expect(await periodRows(db, firm.id, c0(), '2017-07')).toEqual(gone);
    expect(await periodRows(db, firm.id, c1(), '2017-12')).toEqual(gone);
    expect(await periodRows(db, firm.id, c0(), '2019-06')).toEqual(FULL); // not yet
    expect(await periodRows(db, firm.id, c0(), '2017-09')).toEqual(FULL); // reopened: live work
    expect(await periodRows(db, other.id, other.clients[0]!.id, '2017-07')).toEqual(FULL); // keeps everything

    const purged = await db.owner('audit_events').where({ firm_id: firm.id, action: 'retention.purged' }).select('actor_email', 'entity_type');
    expect(purged).toEqual(Array(4).fill({ actor_email: 'system:retention', entity_type: 'retention_purge' }));
    expect((await verifyAuditChain(db.owner, firm.id)).ok).toBe(true);
    // Nothing of the other firm was written: no run, no event.
    expect(await db.owner('audit_events').where({ firm_id: other.id }).count({ n: '*' })).toEqual(auditBefore);
    expect(await db.owner('retention_runs').where({ firm_id: other.id }).count({ n: '*' })).toEqual([{ n: 0 }]);

    // The report, through the api.
    const runs = await call(api, 'GET', '/api/retention/runs', { token: admin });
    expect(runs.body.items).toEqual([expect.objectContaining({ day: DAY, status: 'completed', totals: mine!.totals, finishedAt: expect.stringMatching(/\+05:30$/) })]);
    const run = await call(api, 'GET', `/api/retention/runs/${runs.body.items[0].id}`, { token: admin });
    expect(sorted(run.body.purged.map((p: Record<string, unknown>) => [p.clientId === c0() ? 'Alpha' : 'Beta', p.period, p.dataClass, p.keepUntil, p.rows]))).toEqual(
      sorted([
        ['Alpha', '2017-07', 'sourceFiles', '2024-12-31', { import_rows: 6 }],
        ['Beta', '2017-12', 'sourceFiles', '2024-12-31', { import_rows: 6 }],
        ['Alpha', '2017-07', 'reconciliationResults', '2025-12-31', { reconciliation_results: 4, reconciliation_suppliers: 1 }],
        ['Beta', '2017-12', 'reconciliationResults', '2025-12-31', { reconciliation_results: 4, reconciliation_suppliers: 1 }],
      ]),
    );
    const plan = await call(api, 'GET', `/api/retention/plan?asOf=${DAY}&status=purged`, { token: admin });
    expect(sorted(plan.body.items.map((i: Record<string, unknown>) => [i.period, i.dataClass, typeof i.purgedAt]))).toEqual(sorted([
      ['2017-07', 'sourceFiles', 'string'],
      ['2017-12', 'sourceFiles', 'string'],
      ['2017-07', 'reconciliationResults', 'string'],
      ['2017-12', 'reconciliationResults', 'string'],
    ]));
    // Another firm's admin cannot see the run.
    const otherAdmin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(api, 'GET', `/api/retention/runs/${runs.body.items[0].id}`, { token: otherAdmin })).status).toBe(404);
  });

  it('refuses a reconciliation over source files retention deleted, once the period is reopened', async () => {
    await db.owner('periods').where({ firm_id: firm.id, client_id: c0(), period: '2017-07' }).update({ state: 'reopened', reopen_count: 1 });
    const [register, twoB] = await db.owner('imports').where({ firm_id: firm.id, client_id: c0(), period: '2017-07' }).orderBy('kind', 'desc').select('id');
    const res = await call(api, 'POST', `/api/clients/${c0()}/reconciliations`, { token: admin, body: { period: '2017-07', registerImportId: register.id, gstr2bImportId: twoB.id } });
    expect([res.status, res.body.error?.code]).toEqual([422, 'source_files_purged']);
    expect(res.body.error.details.purgedAt).toMatch(/\+05:30$/);
  });

  it('deletes nothing when the same day runs again', async () => {
    const auditBefore = await db.owner('audit_events').where({ firm_id: firm.id, action: 'retention.purged' }).count({ n: '*' });
    const result = await runDay(DAY);
    expect(result.firms.find((f) => f.firmId === firm.id)).toMatchObject({ status: 'completed', purgedNow: 0, totals: { source_files: { items: 2, rows: 12 } } });
    expect(await db.owner('audit_events').where({ firm_id: firm.id, action: 'retention.purged' }).count({ n: '*' })).toEqual(auditBefore);
    expect(await db.owner('retention_runs').where({ firm_id: firm.id }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await periodRows(db, firm.id, c0(), '2019-06')).toEqual(FULL);
  });

  it('is started once per day however many schedulers fire', async () => {
    const jobs = retentionJobs({ taskQueue, cron: '30 4 * * *', timezone: 'Asia/Kolkata' });
    const a = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    const b = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    // A day far ahead, so this file's workflow id never meets another run's on the shared server;
    // on it the FY 2019-20 data is due as well.
    const day = `${2100 + randomInt(0, 800)}-01-15`;
    const tick = new Date(`${day}T04:30:00+05:30`);
    try {
      const outcomes = await Promise.all([a.runNow('retention', tick), b.runNow('retention', tick)]);
      expect(outcomes.sort()).toEqual(['already_started', 'started']);
      const result: RetentionResult = await temporal.client.workflow.getHandle(retentionWorkflowId(day)).result();
      expect(result.firms.find((f) => f.firmId === firm.id)).toMatchObject({ status: 'completed', purgedNow: 2 });
      await expect(a.runNow('retention', tick)).resolves.toBe('already_started');
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(await periodRows(db, firm.id, c0(), '2019-06')).toEqual({ ...FULL, import_rows: 0, reconciliation_results: 0, reconciliation_suppliers: 0 });
    expect(await periodRows(db, firm.id, c0(), '2017-09')).toEqual(FULL);
  });
});
