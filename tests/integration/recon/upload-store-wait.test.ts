/**
 * An upload whose file has been read waits its turn for one of its firm's connections to be stored
 * (app.ts `uploadStoreWaitMs`) instead of being refused after the short wait reads get (`firmWaitMs`);
 * reads keep the short wait, and an upload whose client goes stops waiting, stores nothing and leaves
 * no waiter behind to take a slot later.
 */
import http from 'node:http';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { createImport, reconData, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(60_000);

const FIRM_WAIT_MS = 300;
const HOLD_MS = 4 * FIRM_WAIT_MS; // longer than a read waits, well inside the store wait
const PERIOD = '2024-06';

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('an upload waiting to be stored', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let staff: string;
  let data: ReturnType<typeof reconData>;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startReconApi(db, { limits: { perFirmConnections: 1, firmWaitMs: FIRM_WAIT_MS, uploadStoreWaitMs: 30_000 } });
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    data = reconData(firm.clients[0]!.gstin, 200);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  /**
   * Starts a PUT and sends half its body, so the upload has checked its import (a short read through
   * the firm's gate) and then waits for the rest; the test takes the firm's only slot at that point.
   */
  async function uploadBehindAHeldSlot(): Promise<{ importId: string; path: string; finish(): void; response: Promise<{ status: number; body: any }>; request: http.ClientRequest; holder: () => void }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const body = Buffer.from(data.csv);
    const created = await createImport(api, staff, firm.clients[0]!.id, 'purchase_register', PERIOD, body.length);
    expect(created.status).toBe(201);
    const gate = api.app.firmGate;
    const enter = jest.spyOn(gate, 'enter');
    const request = http.request(created.body.uploadUrl as string, { method: 'PUT', headers: { 'content-type': 'text/csv', 'content-length': String(body.length) } });
    const response = new Promise<{ status: number; body: any }>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
      });
      request.on('error', reject);
    });
    request.write(body.subarray(0, body.length >> 1));
    await until(() => enter.mock.calls.length >= 1, 'the upload to check its import');
    await enter.mock.results[0]!.value;
    await until(() => gate.inUse(firm.id) === 0, 'the check to give its slot back');
    enter.mockRestore();
    const holder = await gate.enter(firm.id);
    return { importId: created.body.importId as string, path: new URL(created.body.uploadUrl as string).pathname, finish: () => request.end(body.subarray(body.length >> 1)), response, request, holder };
  }

  it('is stored once a slot held longer than a read waits comes free, while a read of the firm is refused', async () => {
    const gate = api.app.firmGate;
    const upload = await uploadBehindAHeldSlot();
    const heldAt = Date.now();
    upload.finish();
    await until(() => gate.waiting(firm.id) === 1, 'the read upload to wait for a slot');

    // A read of the same firm still gets the short wait.
    const read = await call(api, 'GET', `/api/imports/${upload.importId}`, { token: staff });
    expect(read.status).toBe(503);
    expect(read.body.error.code).toBe('unavailable');

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, HOLD_MS - (Date.now() - heldAt))));
    expect(gate.waiting(firm.id)).toBe(1);
    upload.holder();

    const answer = await upload.response;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ importId: upload.importId, status: 'validated' });
    const stored = Number((await db.owner('import_rows').where({ import_id: upload.importId }).count({ n: '*' }))[0]!.n);
    expect(stored).toBe(answer.body.rows);
    expect(stored).toBeGreaterThan(150);
    expect(gate.inUse(firm.id)).toBe(0);
  });

  it('stops waiting when its client goes: nothing stored, the URL unused, no slot taken later', async () => {
    const gate = api.app.firmGate;
    const logsFrom = api.logs.lines.length;
    const upload = await uploadBehindAHeldSlot();
    upload.response.catch(() => undefined); // the client hangs up: no answer comes
    upload.finish();
    await until(() => gate.waiting(firm.id) === 1, 'the read upload to wait for a slot');

    upload.request.destroy();
    await until(() => gate.waiting(firm.id) === 0, 'the waiter to leave the queue when its client went');
    upload.holder();
    // The slot came back to the firm, not to the upload that was given up.
    expect(gate.inUse(firm.id)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    expect(gate.inUse(firm.id)).toBe(0);
    const row = await db.owner('imports').where({ id: upload.importId }).first('status');
    expect(row.status).toBe('awaiting_upload');
    expect(Number((await db.owner('import_rows').where({ import_id: upload.importId }).count({ n: '*' }))[0]!.n)).toBe(0);

    // Logged as the client's doing, at info with a 499, not as a server error (a 503 at error level).
    const lines = () => api.logs.lines.slice(logsFrom).map((l) => JSON.parse(l) as { level: number; msg: string; path?: string; status?: number; method?: string }).filter((l) => l.path === upload.path);
    await until(() => lines().some((l) => l.msg === 'request'), 'the upload\'s access log line');
    const seen = lines().map((l) => ({ level: l.level, msg: l.msg, status: l.status }));
    expect(seen).toEqual([{ level: 30, msg: 'client closed request', status: undefined }, { level: 30, msg: 'request', status: 499 }]);
  });
});
