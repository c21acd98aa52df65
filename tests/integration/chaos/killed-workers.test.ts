/**
 * Chaos: a worker process (the real `npm run worker`, a child process) is killed with SIGKILL in the
 * middle of a reconciliation, a backup and a follow-up's send; another worker process finishes each
 * with no duplicate effect: one set of results, one catalogue row, one email and one outbox row.
 *
 * "In the middle" is observed, not guessed: the reconciliation's store transaction holds its run's
 * row lock; the backup's pg_dump (a wrapper that hangs once) has written its pid; the email has
 * reached the mail catcher while the relay in front of it holds back the server's answer. The waits
 * after a kill are Temporal's own timeouts (heartbeat, send timeout), shortened where the workflow
 * input allows, plus the dead worker's sticky queue timing out.
 */
import fs from 'node:fs';
import type { Knex } from 'knex';
import os from 'node:os';
import path from 'node:path';
import { findBackup } from '../../../db/models/backup-catalogue';
import type { BackupWorkflowInput } from '../../../workflows/backup-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { caughtTo } from '../../harness/mail';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { filesUnder, stuckOncePgDump, uniqueBackupId } from '../backup/helpers';
import { importFile, reconData } from '../recon/recon-helpers';
import { startHoldingSmtp, type HoldingSmtp } from './holding-smtp';
import { spawnWorker, type WorkerEnv, type WorkerProcess } from './worker-process';

/** How many rows a query matches. */
async function countOf(query: Knex.QueryBuilder): Promise<number> {
  return Number(((await query.count({ n: '*' })) as Array<{ n: string }>)[0]?.n ?? 0);
}

jest.setTimeout(420_000);

describe('a worker process killed in the middle of its work', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let firm: TestFirm;
  let staff: string;
  let dir: string;
  let smtp: HoldingSmtp;
  let taskQueue: string;
  let base: WorkerEnv;
  const workers: WorkerProcess[] = [];

  async function worker(overrides: Partial<WorkerEnv> = {}): Promise<WorkerProcess> {
    const started = await spawnWorker({ ...base, ...overrides });
    workers.push(started);
    return started;
  }

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 8 });
    temporal = await connectTestTemporal();
    taskQueue = uniqueTaskQueue('chaos');
    api = await startTestApi(db, { maxSessionsPerUser: 5 }, { taskQueue, followUps: { sendTimeoutMs: 5_000 } });
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-chaos-'));
    smtp = await startHoldingSmtp(harnessValue('mailSmtpUrl'));
    base = { databaseUrl: db.url, taskQueue, dataDir: dir, smtpUrl: smtp.url, backupDir: path.join(dir, 'backups') };
  });
  // Each test's workers leave with it: a survivor would take the next test's work on the same queue.
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await smtp?.close();
    await api?.close();
    await temporal?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reconciliation: the store transaction dies with its worker, the next worker stores one set of results', async () => {
    const client = firm.clients[0]!;
    const data = reconData(client.gstin, 4000);
    const twoB = await importFile(api, staff, client.id, 'gstr2b', '2024-06', data.twoB, 'application/json');
    const register = await importFile(api, staff, client.id, 'purchase_register', '2024-06', data.csv, 'text/csv');
    expect([twoB.uploaded.status, register.uploaded.status]).toEqual([200, 200]);

    const a = await worker();
    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { period: '2024-06', registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    const { runId, workflowId } = started.body as { runId: string; workflowId: string };

    // Prepared (status running, committed), then the firm's audit-chain lock taken (the advisory
    // lock every audit record takes): the match-and-store transaction, which locks its run first
    // and writes its audit record last, waits there holding the run, however fast it ran up to it.
    // Polling for its lock alone could miss a short store on a loaded machine.
    await eventually('the run to be prepared', async () => (await db.owner('reconciliation_runs').where({ id: runId }).first('status'))?.status === 'running', 180_000, 20);
    const latch = await db.owner.transaction();
    try {
      await latch.raw(`select pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || ?::text, 0))`, [firm.id]);
      await eventually(
        'the match-and-store transaction to hold the run',
        () =>
          db.owner.transaction(async (trx) => {
            try {
              await trx.raw('select id from reconciliation_runs where id = ? for update nowait', [runId]);
              return false;
            } catch (error) {
              return /could not obtain lock/.test(String(error));
            }
          }),
        180_000,
        50,
      );
      expect(await a.kill()).toBe('SIGKILL');
    } finally {
      await latch.rollback();
    }
    // Its transaction rolled back with the connection: nothing of it is stored.
    expect(await countOf(db.owner('reconciliation_results').where({ run_id: runId }))).toBe(0);

    await worker();
    const result = (await temporal.client.workflow.getHandle(workflowId).result()) as { results: number; total: number };
    const run = await db.owner('reconciliation_runs').where({ id: runId }).first('status', 'summary');
    expect(run.status).toBe('completed');
    const stored = await countOf(db.owner('reconciliation_results').where({ run_id: runId }));
    expect(stored).toBe(result.results);
    expect(stored).toBe(run.summary.results);
    // One set: the engine's sequence 0…n-1 exactly once (the key is (firm, run, seq)).
    const span = (await db.owner('reconciliation_results').where({ run_id: runId }).min('seq as first').max('seq as last').first()) as { first: number; last: number };
    expect(span).toEqual({ first: 0, last: stored - 1 });
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(Math.max(...attempts.map(Number))).toBeGreaterThan(1);
  });

  it('backup: the dump dies with its worker, the next worker ends with one verified catalogue row', async () => {
    const tools = fs.mkdtempSync(path.join(dir, 'tools-'));
    const { binary, marker } = stuckOncePgDump(tools, { stuckSeconds: 600 });
    const a = await worker({ pgDumpPath: binary });
    const backupId = uniqueBackupId('chaos');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', rotate: false, timeouts: { initialRetrySeconds: 1, maximumAttempts: 3, heartbeatSeconds: 8, longStepMinutes: 5 } };
    const handle = await temporal.client.workflow.start('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });

    await eventually('the dump to be running (and hang)', () => fs.existsSync(marker), 180_000);
    expect(await a.kill()).toBe('SIGKILL');

    await worker({ pgDumpPath: binary });
    expect(await handle.result()).toMatchObject({ backupId, status: 'verified' });
    const rows = await db.owner('backups').where({ id: backupId });
    expect(rows).toHaveLength(1);
    expect(await findBackup(db.owner, backupId)).toMatchObject({ status: 'verified', drill_status: 'passed' });
    const files = filesUnder(base.backupDir!);
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.dump'))).toHaveLength(1);
  });

  it('follow-up send: delivered but unconfirmed when its worker dies, never sent twice', async () => {
    const client = firm.clients[1]!;
    const to = (await db.owner('clients').where({ id: client.id }).first('email')).email as string;
    const a = await worker();
    const tomorrow = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const created = await call(api, 'POST', `/api/clients/${client.id}/follow-ups`, {
      token: staff,
      body: { title: 'Chaos chase', dueDate: tomorrow, items: [{ description: 'Purchase bills' }], policy: { quietHours: { from: '00:00', to: '00:00' } } },
    });
    expect(created.status).toBe(201);
    const followUpId = created.body.id as string;

    // The message reached the catcher; the relay keeps the answer from worker A, which we then kill.
    await eventually('the first message to be delivered with its answer held back', () => smtp.held(), 180_000);
    await eventually('the message to be caught', async () => (await caughtTo(to)).length === 1);
    expect(await a.kill()).toBe('SIGKILL');
    const sending = await db.owner('outbox').where({ follow_up_id: followUpId });
    expect(sending.map((r: { status: string }) => r.status)).toEqual(['sending']);

    await worker();
    const settled = await eventually(
      'the send to be settled by the next worker',
      async () => {
        const rows = await db.owner('outbox').where({ follow_up_id: followUpId });
        return rows.length === 1 && rows[0].status !== 'sending' ? rows : null;
      },
      180_000,
      250,
    );
    expect(settled[0]).toMatchObject({ status: 'sent', recipient: to });
    expect(settled[0].error).toMatch(/not confirmed/);
    // Give a wrongful second send every chance to show up: still one email.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await caughtTo(to)).filter((m) => m.Subject.includes('Chaos chase'))).toHaveLength(1);
    expect(await countOf(db.owner('outbox').where({ follow_up_id: followUpId }))).toBe(1);
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    expect((await call(api, 'POST', `/api/follow-ups/${followUpId}/cancel`, { token: manager, body: { note: 'chaos test done' } })).status).toBe(200);
  });
});
