/**
 * Lockouts and sessions out of the way, through the real api, worker, Mailpit and PostgreSQL: the
 * attempts-left hint (alike for unknown emails), the lockout email, the admin's unlock (audited),
 * a lockout leaving signed-in devices alone; expired sessions not counting toward the device limit
 * and not listed in its answer; a refused console sign-in leaving no session row.
 */
import { login } from '../../harness/api';
import { caughtMessage, waitForCaught } from '../../harness/mail';
import { auditActions, call, startAccountsStack, type AccountsStack } from './helpers';

describe('lockouts and sessions', () => {
  let stack: AccountsStack;
  let admin: string;
  beforeAll(async () => {
    stack = await startAccountsStack({ maxSessionsPerUser: 2, adminConsole: true });
    admin = await login(stack.api, stack.firm.users.firm_admin.email, stack.firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const wrong = (email: string, i: number) => call(stack.api, 'POST', '/api/auth/login', { body: { email, password: `not the password ${i}` } });

  it('names the attempts left once two or fewer remain, alike for an unknown email, and emails the locked-out user', async () => {
    const reviewer = stack.firm.users.reviewer;
    const signedIn = await login(stack.api, reviewer.email, reviewer.password, { deviceName: 'office pc' });
    const hints: unknown[] = [];
    const unknownHints: unknown[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await wrong(reviewer.email, i);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_credentials');
      hints.push(res.body.error.details?.attemptsLeft);
      unknownHints.push((await wrong('ghost.user@nowhere.test', i)).body.error.details?.attemptsLeft);
    }
    expect(hints).toEqual([undefined, undefined, 2, 1, 0]);
    expect(unknownHints).toEqual(hints);

    const [mail] = await waitForCaught(reviewer.email, 1);
    const message = await caughtMessage(mail!.ID);
    expect(message.Subject).toMatch(/paused/i);
    expect(message.Text).toContain('http://taalmel.test/forgot-password');

    // Locked from new devices…
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: reviewer.email, password: reviewer.password } })).status).toBe(429);
    // …but the device signed in before goes on working.
    expect((await call(stack.api, 'GET', '/api/auth/me', { token: signedIn })).status).toBe(200);
    expect((await call(stack.api, 'GET', '/api/clients', { token: signedIn })).status).toBe(200);
  });

  it('a firm admin unlocks a user (audited); others may not', async () => {
    const manager = stack.firm.users.manager;
    // The users list says whose sign-ins are held (so "Unlock" shows only there): not the manager's
    // yet, nor after one wrong password; the reviewer's are, since the test above.
    const heldNow = async () => {
      const items = (await call(stack.api, 'GET', '/api/users', { token: admin })).body.items as Array<{ email: string; lockedUntil: string | null }>;
      return Object.fromEntries(items.filter((u) => u.lockedUntil !== null && u.email !== stack.firm.users.reviewer.email).map((u) => [u.email, u.lockedUntil]));
    };
    expect(await heldNow()).toEqual({});
    await wrong(manager.email, 100);
    expect(await heldNow()).toEqual({});
    for (let i = 1; i < 5; i += 1) await wrong(manager.email, i);
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: manager.email, password: manager.password } })).status).toBe(429);
    expect(await heldNow()).toEqual({ [manager.email]: expect.stringMatching(/\+05:30$/) });
    expect(Date.parse((await heldNow())[manager.email]!)).toBeGreaterThan(Date.now());

    const staffToken = await login(stack.api, stack.firm.users.staff.email, stack.firm.users.staff.password);
    expect((await call(stack.api, 'POST', `/api/users/${manager.id}/unlock`, { token: staffToken })).status).toBe(403);
    const unlocked = await call(stack.api, 'POST', `/api/users/${manager.id}/unlock`, { token: admin });
    expect(unlocked.status).toBe(204);
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: manager.email, password: manager.password } })).status).toBe(200);
    expect(await auditActions(stack, manager.id)).toContain('user.unlocked');
    expect(await heldNow()).toEqual({});
    // After the unlock the count starts again: one wrong password says nothing yet.
    expect((await wrong(manager.email, 9)).body.error.details).toBeUndefined();
  });

  it('three sign-ins with the first two sessions expired succeed without device_limit, and the limit lists live sessions only', async () => {
    const staff = stack.firm.users.staff;
    const user = { email: staff.email, password: staff.password };
    await stack.db.owner('sessions').where({ user_id: staff.id }).update({ revoked_at: new Date(), revoked_reason: 'test reset' });
    const first = await call(stack.api, 'POST', '/api/auth/login', { body: { ...user, deviceName: 'first' } });
    const second = await call(stack.api, 'POST', '/api/auth/login', { body: { ...user, deviceName: 'second' } });
    // One idled out, one reached its absolute end (the database is moved, not the clock).
    await stack.db.owner('sessions').where({ id: first.body.session.id }).update({ idle_expires_at: new Date(Date.now() - 1000) });
    await stack.db.owner('sessions').where({ id: second.body.session.id }).update({ absolute_expires_at: new Date(Date.now() - 1000) });
    const third = await call(stack.api, 'POST', '/api/auth/login', { body: { ...user, deviceName: 'third' } });
    expect(third.status).toBe(200);
    const fourth = await call(stack.api, 'POST', '/api/auth/login', { body: { ...user, deviceName: 'fourth' } });
    expect(fourth.status).toBe(200);
    const fifth = await call(stack.api, 'POST', '/api/auth/login', { body: { ...user, deviceName: 'fifth' } });
    expect(fifth.status).toBe(409);
    expect(fifth.body.error.code).toBe('device_limit');
    expect(fifth.body.error.details.sessions.map((s: { deviceName: string }) => s.deviceName).sort()).toEqual(['fourth', 'third']);
    const own = await call(stack.api, 'GET', '/api/auth/sessions', { token: third.body.token });
    expect(own.body.items.map((s: { deviceName: string }) => s.deviceName).sort()).toEqual(['fourth', 'third']);
  });

  it('a console sign-in refused for the role creates no session row and takes no device slot', async () => {
    const staff = stack.firm.users.staff;
    await stack.db.owner('sessions').where({ user_id: staff.id }).update({ revoked_at: new Date(), revoked_reason: 'test reset' });
    const before = await stack.db.owner('sessions').where({ user_id: staff.id }).count('* as n').first();
    const res = await fetch(`${stack.api.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: stack.api.url }, // a browser names the page's origin
      body: new URLSearchParams({ email: staff.email, password: staff.password }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('The console is for firm admins.');
    expect(res.headers.getSetCookie().join('\n')).not.toMatch(/taalmel_session=[^;]+/);
    const after = await stack.db.owner('sessions').where({ user_id: staff.id }).count('* as n').first();
    expect(Number(after!.n)).toBe(Number(before!.n));
    expect(await auditActions(stack, staff.id)).toContain('auth.login_refused');
    // Both device slots are still free.
    for (const device of ['a', 'b']) expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: staff.email, password: staff.password, deviceName: device } })).status).toBe(200);
  });
});
