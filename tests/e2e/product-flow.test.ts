/**
 * The product on a fresh `npm start`, driven through its API and commands the way a CA firm and its
 * operators use it, with the demo firm and clients that start prints: a staff user imports a
 * client's purchase register and GSTR-2B, reconciles them and exports the result, asks to close the
 * period; the manager approves; the period locks; ops take a backup that passes its restore drill.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../ops/bench/recon-data';
import { freePort } from '../../ops/ports';
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { harnessValue } from '../harness/harness-env';
import { READY_LINE, ROOT, startStack, waitFor, type Started } from './stack';

const runCommand = promisify(execFile);
jest.setTimeout(300_000);

type Demo = { apiUrl: string; users: Array<{ email: string; password: string; role: string }>; clients: Array<{ id: string; gstin: string; name: string }> };

describe('the product on a fresh npm start', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let stack: Started;
  let demo: Demo;
  let api: { url: string };

  beforeAll(async () => {
    harnessValue('temporalAddress'); // the harness ran: the Temporal CLI is built and cached
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-flow-'));
    fs.chmodSync(dataDir, 0o755);
    env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    };
    stack = startStack(env);
    await waitFor(stack, READY_LINE);
    demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8'));
    api = { url: demo.apiUrl };
  });
  afterAll(async () => {
    if (stack) {
      stack.child.kill('SIGTERM');
      await stack.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function signIn(role: string): Promise<string> {
    const user = demo.users.find((u) => u.role === role)!;
    const res = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
    expect(res.status).toBe(200);
    return res.body.token;
  }

  async function upload(token: string, clientId: string, kind: string, period: string, file: string): Promise<string> {
    const created = await call(api, 'POST', `/api/clients/${clientId}/imports`, {
      token,
      body: { kind, period, filename: kind === 'gstr2b' ? 'gstr2b.json' : 'register.csv', contentType: kind === 'gstr2b' ? 'application/json' : 'text/csv', size: Buffer.byteLength(file) },
    });
    expect(created.status).toBe(201);
    const put = await fetch(created.body.uploadUrl, { method: 'PUT', body: file });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ importId: created.body.importId, status: 'validated' });
    return created.body.importId;
  }

  it('reconciles, closes the period with a second person, and backs it all up', async () => {
    const client = demo.clients.find((c) => c.gstin === '27AAJCM4455Q1ZP')!;
    const period = '2024-06';
    const data = generateReconData({ n: 300, seed: 11, period, recipientGstin: client.gstin });
    const staff = await signIn('staff');
    const registerImportId = await upload(staff, client.id, 'purchase_register', period, toRegisterCsv(data));
    const gstr2bImportId = await upload(staff, client.id, 'gstr2b', period, toGstr2bJson(data));

    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { period, registerImportId, gstr2bImportId } });
    expect(started.status).toBe(202);
    const { runId } = started.body;
    // The stack's first run (its worker warms the engine up first) on a busy machine: a budget in
    // time, not in polls; a failed run ends the wait at once, naming its reason.
    let seen: unknown = null;
    const run = await eventually(`run ${runId} to end`, async () => {
      const res = await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff });
      seen = { status: res.status, runStatus: res.body?.status, failureReason: res.body?.failureReason };
      return ['completed', 'failed'].includes(res.body?.status) ? res : null;
    }, 240_000, 500).catch((error: Error) => Promise.reject(new Error(`${error.message}; last answer: ${JSON.stringify(seen)}`)));
    expect({ status: run.body.status, failureReason: run.body.failureReason ?? null }).toEqual({ status: 'completed', failureReason: null });
    expect(run.body.summary.itcAvailable).toEqual(expect.any(Number));
    const results = await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=10`, { token: staff });
    expect(results.body.items).toHaveLength(10);
    const csv = await fetch(`${api.url}/api/reconciliations/${runId}/export?format=csv`, { headers: { authorization: `Bearer ${staff}` } });
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\n').length).toBeGreaterThan(300);

    const close = await call(api, 'POST', `/api/clients/${client.id}/periods/${period}/close`, { token: staff, body: { note: 'June reconciled' } });
    expect(close.status).toBe(202);
    const manager = await signIn('manager');
    const approvals = await call(api, 'GET', '/api/approvals', { token: manager });
    expect(approvals.body.items.map((a: { id?: string; closeRequestId?: string }) => a.closeRequestId ?? a.id)).toContain(close.body.closeRequestId);
    const approved = await call(api, 'POST', `/api/close-requests/${close.body.closeRequestId}/approve`, { token: manager, body: { note: 'checked' } });
    expect(approved.status).toBe(200);
    const periods = await call(api, 'GET', `/api/clients/${client.id}/periods`, { token: staff });
    expect(periods.body.items.find((p: { period: string }) => p.period === period)).toMatchObject({ state: 'closed' });
    const late = await call(api, 'POST', `/api/clients/${client.id}/imports`, { token: staff, body: { kind: 'gstr2b', period, filename: 'late.json', contentType: 'application/json', size: 100 } });
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe('period_closed');

    // Ops, from another terminal, against the running stack.
    const opsEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_PG_PORT}/taalmel`,
      TEMPORAL_ADDRESS: `127.0.0.1:${env.TEMPORAL_DEV_PORT}`,
      LOG_LEVEL: 'warn',
    };
    await runCommand(process.execPath, ['--import', 'tsx', 'ops/backup/run-backup.ts'], { cwd: ROOT, env: opsEnv });
    const listed = await runCommand(process.execPath, ['--import', 'tsx', 'ops/backup/list-backups.ts', '--json'], { cwd: ROOT, env: opsEnv });
    const backups = JSON.parse(listed.stdout);
    expect(backups[0]).toMatchObject({ status: 'verified', drill: { status: 'passed' } });
    expect(fs.existsSync(path.join(dataDir, 'backups', backups[0].file))).toBe(true);
  });
});
