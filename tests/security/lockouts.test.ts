/**
 * Lockouts cannot be used against victims (the probe's item 5), and sign-in attacks are visible
 * (item 7's records). Five wrong passwords for someone else's email used to lock that person out,
 * and fifty failures from a shared office IP everyone behind it. Now a device that signed in to the
 * account before is never held by the account limit, the account is slowed (one attempt per
 * interval) rather than refused, the IP limit counts per account, and failed sign-ins of unknown
 * emails and throttled attempts are in the platform chain of the audit trail, with their IP.
 */
import { verifyAuditChain } from '../../db/audit';
import { call, startTestApi, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';

jest.setTimeout(60_000);

/** Long enough that a loaded machine's sign-ins (password hashing) fit inside one interval. */
const SLOW_SECONDS = 6;

describe('lockouts', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 10, throttle: { maxFailuresPerAccount: 5, maxFailuresPerIp: 8, windowSeconds: 600, slowSeconds: SLOW_SECONDS } }, { trustProxy: true });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const signIn = (email: string, password: string, ip: string, cookie?: string) =>
    call(api, 'POST', '/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip, ...(cookie ? { cookie } : {}) } });
  const deviceCookieOf = (res: { headers: Headers }) => res.headers.getSetCookie().filter((c) => c.startsWith('taalmel_device=')).map((c) => c.split(';')[0]).join('; ');

  it("keeps the victim's own device signing in while an attacker guesses, and slows the rest rather than refusing", async () => {
    const victim = firm.users.manager;
    const office = '10.1.1.1';
    const first = await signIn(victim.email, victim.password, office);
    expect(first.status).toBe(200);
    const device = deviceCookieOf(first);
    expect(device).toMatch(/^taalmel_device=/);

    const attacker = '203.0.113.9';
    for (let i = 0; i < 5; i += 1) expect((await signIn(victim.email, `guess number ${i}!!`, attacker)).status).toBe(401);
    const guess = await signIn(victim.email, 'one more guess!!', attacker);
    expect({ status: guess.status, code: guess.body.error?.code }).toEqual({ status: 429, code: 'rate_limited' });
    expect(Number(guess.headers.get('retry-after'))).toBeLessThanOrEqual(SLOW_SECONDS);

    // The victim's device: straight in, however the account is throttled.
    expect((await signIn(victim.email, victim.password, office, device)).status).toBe(200);
    // An unknown device of the victim's: slowed, then let in after the interval (not locked for the window).
    const slowed = await signIn(victim.email, victim.password, '10.1.1.2');
    expect(slowed.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, SLOW_SECONDS * 1000 + 200));
    expect((await signIn(victim.email, victim.password, '10.1.1.2')).status).toBe(200);
  });

  it('does not lock out everyone behind a shared IP', async () => {
    const office = '198.51.100.7';
    // Eight failures of one account from the office: that account, from that IP, waits.
    for (let i = 0; i < 8; i += 1) await signIn(firm.users.reviewer.email, 'forgot it again!!', office);
    expect((await signIn(firm.users.reviewer.email, firm.users.reviewer.password, office)).status).toBe(429);
    // Everyone else behind the office IP signs in as usual.
    expect((await signIn(firm.users.staff.email, firm.users.staff.password, office)).status).toBe(200);
    expect((await signIn(firm.users.firm_admin.email, firm.users.firm_admin.password, office)).status).toBe(200);
  });

  it('records failed sign-ins of unknown emails and throttled attempts in the platform chain, with the IP', async () => {
    const ip = '192.0.2.44';
    expect((await signIn('nobody.here@unknown.test', 'whatever it is!!', ip)).status).toBe(401);
    const events = await db.owner('audit_events').whereNull('firm_id').orderBy('seq');
    expect(events.find((e) => e.action === 'auth.login_failed' && e.ip === ip)).toMatchObject({ actor_role: 'anonymous', after: { email: 'nobody.here@unknown.test', reason: 'unknown_email' } });
    expect(events.find((e) => e.action === 'auth.login_throttled' && e.ip === '203.0.113.9')).toMatchObject({ after: { email: firm.users.manager.email, limit: 'account' } });
    // The platform chain still verifies (under the chain's own rule, whichever hash version each event carries).
    const verification = await verifyAuditChain(db.owner, null);
    expect({ ok: verification.ok, firstBrokenId: verification.firstBrokenId }).toEqual({ ok: true, firstBrokenId: null });
  });
});

/**
 * Hammering a throttled account cannot fill the audit trail: one `auth.login_throttled` row for the
 * first refusal of a window, however many come (at once or not), and one with the window's count
 * written by the next attempt after the window ended.
 */
describe('throttled sign-ins in the audit trail', () => {
  const WINDOW_SECONDS = 8;
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { throttle: { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, windowSeconds: WINDOW_SECONDS, slowSeconds: WINDOW_SECONDS } }, { trustProxy: true, limits: { firmWaitMs: 60_000 } });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const signIn = (email: string, ip: string) => call(api, 'POST', '/api/auth/login', { body: { email, password: 'a wrong guess!!' }, headers: { 'x-forwarded-for': ip } });
  const throttledRows = async (email: string) =>
    (await db.owner('audit_events').whereNull('firm_id').where({ action: 'auth.login_throttled' }).orderBy('seq')).filter((e: { after: { email?: string } }) => e.after.email === email);

  it('records the first refusal of a window and, after it, the count of the window', async () => {
    const email = `hammered.${Date.now()}@unknown.test`;
    const attacker = '203.0.113.77';
    // Five failures at once reach the account limit (an unknown email is counted like a known one).
    expect((await Promise.all(Array.from({ length: 5 }, () => signIn(email, attacker)))).map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);

    // Twenty refusals, ten of them at once: one row.
    const hammered = [...(await Promise.all(Array.from({ length: 10 }, () => signIn(email, attacker))))];
    for (let i = 0; i < 10; i += 1) hammered.push(await signIn(email, '203.0.113.78'));
    expect(hammered.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 429));
    const first = await throttledRows(email);
    expect(first.map((e: { after: unknown }) => e.after)).toEqual([{ email, limit: 'account', retryAfterSeconds: expect.any(Number), windowEndsAt: expect.any(String) }]);
    const windowEndsAt = Date.parse((first[0] as { after: { windowEndsAt: string } }).after.windowEndsAt);

    // After the window: the next attempt (the throttle lets it through) records the window's count, once.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowEndsAt - Date.now()) + 300));
    expect((await signIn(email, '198.51.100.20')).status).toBe(401);
    expect((await signIn(email, '198.51.100.20')).status).toBe(401);
    const rows = await throttledRows(email);
    expect(rows.map((e: { after: unknown; ip: string | null }) => ({ after: e.after, ip: e.ip }))).toEqual([
      { after: first[0].after, ip: attacker },
      { after: { email, limit: 'account', refused: 20, windowEndedAt: new Date(windowEndsAt).toISOString() }, ip: null },
    ]);
    const verification = await verifyAuditChain(db.owner, null);
    expect({ ok: verification.ok, firstBrokenId: verification.firstBrokenId }).toEqual({ ok: true, firstBrokenId: null });
  });

  it('counts an email longer than a limiter key may be like any other (it used to answer 500, uncounted)', async () => {
    const email = `${'a'.repeat(240)}.${Date.now()}@long.test`;
    const ip = '203.0.113.90';
    // At once, so the five fit in the short window however loaded the machine.
    const answers = await Promise.all(Array.from({ length: 5 }, () => signIn(email, ip)));
    answers.push(await signIn(email, ip));
    expect(answers.map((r) => `${r.status} ${r.body?.error?.code}`)).toEqual([...Array.from({ length: 5 }, () => '401 invalid_credentials'), '429 rate_limited']);
    const reset = await call(api, 'POST', '/api/auth/password-reset', { body: { email }, headers: { 'x-forwarded-for': ip } });
    expect(reset.status).toBe(202);
  });
});
