/**
 * A request waiting in its firm's queue for one of the firm's database slots (api/limits/firm-gate.ts,
 * entered by the auth middleware) stops waiting at the request's deadline: the real api on a loopback
 * port, the firm's only slot held by the test. The request answers 503 `request_timeout` with
 * `Retry-After`, leaves the queue at once (so it is never handed the slot later, for a request nobody
 * waits for), and gives back nothing it did not hold. The gate's own wait is set far longer than the
 * test, so only the deadline can end it.
 */
import { generateKeys } from '../../../ops/keys';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(60_000);

const DEADLINE_MS = 400;

describe("a request waiting for one of its firm's slots", () => {
  let db: TestDatabase;
  let signIn: TestApi;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two apis on the same database and keys: one with the usual deadline to sign in through (a
    // password hash may take longer than the tiny deadline on a loaded machine), one to test.
    const keys = generateKeys();
    signIn = await startTestApi(db, keys);
    api = await startTestApi(db, keys, { limits: { requestTimeoutMs: DEADLINE_MS, perFirmConnections: 1, firmWaitMs: 10 * 60_000 } });
    firm = await createTestFirm(db);
    token = await login(signIn, firm.users.staff.email, firm.users.staff.password);
  });
  afterAll(async () => {
    await api?.close();
    await signIn?.close();
    await db?.drop();
  });

  it('gives up at the deadline with 503 request_timeout, leaves the queue, and releases nothing it did not hold', async () => {
    const gate = api.app.firmGate;
    const enter = gate.enter.bind(gate);
    // Whether a request joined the queue: a call that waits is queued before enter() first yields.
    const queuedCalls: boolean[] = [];
    const spy = jest.spyOn(gate, 'enter').mockImplementation((firmId, options) => {
      const entered = enter(firmId, options);
      queuedCalls.push(gate.waiting(firmId) > 0);
      return entered;
    });
    const held = await enter(firm.id);
    try {
      const answers: Array<{ status: number; code: unknown; retryAfter: string | null; waiting: number; inUse: number }> = [];
      // A request that met its deadline before it reached the gate (a loaded machine) never waited
      // there: ask again, a few times at most, until one did.
      for (let k = 0; k < 5 && !queuedCalls.includes(true); k += 1) {
        const res = await call(api, 'GET', '/api/auth/me', { token });
        // Read as the answer arrives: a waiter that stayed queued would still be there now.
        answers.push({ status: res.status, code: res.body?.error?.code, retryAfter: res.headers.get('retry-after'), waiting: gate.waiting(firm.id), inUse: gate.inUse(firm.id) });
      }
      expect(queuedCalls).toContain(true);
      for (const answer of answers) expect(answer).toEqual({ status: 503, code: 'request_timeout', retryAfter: '5', waiting: 0, inUse: 1 });
    } finally {
      spy.mockRestore();
      held();
    }
    // The held slot came back to the firm: no waiter was left to be handed it.
    expect({ waiting: gate.waiting(firm.id), inUse: gate.inUse(firm.id) }).toEqual({ waiting: 0, inUse: 0 });
  });
});
