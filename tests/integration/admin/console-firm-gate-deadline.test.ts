/**
 * A console request waiting in its firm's queue for one of the firm's database slots (admin/guard.ts,
 * through ops/console-auth.ts) stops waiting at the request's deadline, as an API request does: the
 * real api with the console mounted on a loopback port, the firm's only slot held by the test. The
 * request answers 503 `request_timeout` with `Retry-After`, leaves the queue at once (so it is never
 * handed the slot later, for a request nobody waits for), and gives back nothing it did not hold. The
 * gate's own wait is set far longer than the test, so only the deadline can end it.
 */
import { generateKeys } from '../../../ops/keys';
import { startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { consoleSignIn } from '../../security/helpers';

jest.setTimeout(120_000);

const DEADLINE_MS = 400;

describe("a console request waiting for one of its firm's slots", () => {
  let db: TestDatabase;
  let signIn: TestApi;
  let api: TestApi;
  let firm: TestFirm;
  let cookie: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two apis on the same database and keys: one with the usual deadline to sign in through (a
    // password hash may take longer than the tiny deadline on a loaded machine), one to test.
    const keys = generateKeys();
    signIn = await startTestApi(db, keys, { adminConsole: true });
    api = await startTestApi(db, keys, { adminConsole: true, limits: { requestTimeoutMs: DEADLINE_MS, perFirmConnections: 1, firmWaitMs: 10 * 60_000 } });
    firm = await createTestFirm(db);
    cookie = await consoleSignIn(signIn.url, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api?.close();
    await signIn?.close();
    await db?.drop();
  });

  it('gives up at the deadline with 503 request_timeout, leaves the queue, and releases nothing it did not hold', async () => {
    const gate = api.app.firmGate;
    const enter = gate.enter.bind(gate);
    // Whether a request joined the queue, and whether it carried the request's deadline.
    const calls: Array<{ queued: boolean; signal: boolean }> = [];
    const spy = jest.spyOn(gate, 'enter').mockImplementation((firmId, options) => {
      const entered = enter(firmId, options);
      calls.push({ queued: gate.waiting(firmId) > 0, signal: options?.signal instanceof AbortSignal });
      return entered;
    });
    const held = await enter(firm.id);
    try {
      const answers: Array<{ status: number; code: unknown; retryAfter: string | null; waiting: number; inUse: number }> = [];
      // A request that met its deadline before it reached the gate (a loaded machine) never waited
      // there: ask again, a few times at most, until one did.
      for (let k = 0; k < 5 && !calls.some((c) => c.queued); k += 1) {
        const res = await fetch(`${api.url}/admin/api/resources/users/actions/list`, { headers: { cookie }, redirect: 'manual' });
        const text = await res.text();
        let code: unknown = text;
        try {
          code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
        } catch {
          // Not the error envelope: the whole text is shown as the code that differed.
        }
        // Read as the answer arrives: a waiter that stayed queued would still be there now.
        answers.push({ status: res.status, code, retryAfter: res.headers.get('retry-after'), waiting: gate.waiting(firm.id), inUse: gate.inUse(firm.id) });
      }
      expect(calls.filter((c) => c.queued)).toContainEqual({ queued: true, signal: true });
      for (const answer of answers) expect(answer).toEqual({ status: 503, code: 'request_timeout', retryAfter: '5', waiting: 0, inUse: 1 });
    } finally {
      spy.mockRestore();
      held();
    }
    // The held slot came back to the firm: no waiter was left to be handed it.
    expect({ waiting: gate.waiting(firm.id), inUse: gate.inUse(firm.id) }).toEqual({ waiting: 0, inUse: 0 });
  });
});
