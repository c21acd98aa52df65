/**
 * "Forgot password" through the real api, worker, Mailpit and PostgreSQL: the same answer for known
 * and unknown emails, given before any lookup (so it takes the same time whether the email is known);
 * the link works once and for 30 minutes; using it revokes every
 * session, clears a lockout and tells the user by email; asking is throttled per email and per IP.
 */
import { randomUUID } from 'node:crypto';
import { login } from '../../harness/api';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { eventually } from '../../harness/eventually';
import { verifyAuditChain } from '../../../db/audit';
import { istIso } from '../../../domain/calendar/dates';
import { adminToken, auditActions, call, linkTokenTo, startAccountsStack, type AccountsStack } from './helpers';

const NEW_PASSWORD = 'reset to this passphrase 31';

describe('password reset', () => {
  let stack: AccountsStack;
  beforeAll(async () => {
    stack = await startAccountsStack({ maxSessionsPerUser: 5 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers known and unknown emails alike, before any lookup, and mails only the known one', async () => {
    const known = stack.firm.users.reviewer.email;
    const unknown = `nobody.${Date.now()}@nowhere.test`;
    const answers: Array<{ side: string; status: number; body: unknown }> = [];
    const resetRows = () => stack.db.owner('password_resets').where({ user_id: stack.firm.users.reviewer.id }).orderBy('created_at');
    // The first pair is asked while another transaction holds the users and reset tables locked: an
    // answer that waited for the lookup, the reset row or the mail would not come until the lock is
    // released (the request would hit its deadline instead). So the answer cannot take longer for a
    // known email than for an unknown one, without measuring time on a loaded machine.
    const whileLocked = async <T>(work: () => Promise<T>): Promise<T> => {
      const trx = await stack.db.owner.transaction();
      try {
        await trx.raw('lock table users, password_resets in access exclusive mode');
        return await work();
      } finally {
        await trx.rollback();
      }
    };
    for (let i = 0; i < 3; i += 1) {
      for (const [side, email] of [['known', known], ['unknown', unknown]] as const) {
        const ask = () => call(stack.api, 'POST', '/api/auth/password-reset', { body: { email } });
        const res = i === 0 ? await whileLocked(ask) : await ask();
        answers.push({ side, status: res.status, body: res.body });
        if (side === 'known') await eventually(`reset row ${i + 1}`, async () => (await resetRows()).length === i + 1);
      }
    }
    expect(answers.map(({ side, status, body }) => ({ side, status, body }))).toEqual(answers.map(({ side }) => ({ side, status: 202, body: answers[0]!.body })));

    await waitForCaught(known, 1);
    expect(await caughtTo(unknown)).toEqual([]);
    // Three requests: three resets, each newer one ending the earlier; only the latest link works.
    const resets = await resetRows();
    expect(resets).toHaveLength(3);
    expect(resets.filter((r: { ended_at: Date | null }) => r.ended_at === null)).toHaveLength(1);
    // Each request is in the firm's audit trail (the reset rows are its entities): requested, and
    // superseded by the next. Nobody signed in asked, and typing an address proves nothing about who
    // typed it: the actor is anonymous, never the account's user; the request's id and IP are kept.
    const resetEvents = (await stack.db.owner('audit_events').where({ firm_id: stack.firm.id }).whereIn('entity_id', resets.map((r: { id: string }) => r.id)).orderBy('seq')) as Array<Record<string, unknown>>;
    const requested = resetEvents.filter((e) => e.action === 'password_reset.requested');
    expect(requested.map((e) => ({ actorId: e.actor_id, actorEmail: e.actor_email, actorRole: e.actor_role, hasIp: Boolean(e.ip), hasRequestId: Boolean(e.request_id) }))).toEqual(
      [1, 2, 3].map(() => ({ actorId: null, actorEmail: 'anonymous', actorRole: 'anonymous', hasIp: true, hasRequestId: true })),
    );
    expect(resetEvents.filter((e) => e.action === 'password_reset.superseded').map((e) => [e.actor_id, e.actor_email])).toEqual([[null, 'anonymous'], [null, 'anonymous']]);
    // A fourth request for the same email in the hour is throttled (the same for an unknown email).
    const throttled = await call(stack.api, 'POST', '/api/auth/password-reset', { body: { email: known } });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBeTruthy();
    expect((await call(stack.api, 'POST', '/api/auth/password-reset', { body: { email: unknown } })).status).toBe(429);
  });

  it('a reset link sets the password once, revokes every session, clears a lockout and emails the user', async () => {
    const staff = stack.firm.users.staff;
    const phone = await login(stack.api, staff.email, staff.password, { deviceName: 'phone' });
    const laptop = await login(stack.api, staff.email, staff.password, { deviceName: 'laptop' });
    // Five wrong passwords: the account is locked (from new devices) and the owner told.
    for (let i = 0; i < 5; i += 1) await call(stack.api, 'POST', '/api/auth/login', { body: { email: staff.email, password: `wrong guess ${i}` } });
    const lockMail = await waitForCaught(staff.email, 1);
    expect(lockMail[0]!.Subject).toMatch(/paused/i);
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: staff.email, password: staff.password } })).status).toBe(429);

    expect((await call(stack.api, 'POST', '/api/auth/password-reset', { body: { email: staff.email.toUpperCase() } })).status).toBe(202);
    const { token, text } = await linkTokenTo(staff.email, 'reset');
    expect(text).toContain('http://taalmel.test/reset/');
    // Asked by "forgot password": nobody known asked, so the email says so as it always did.
    expect({ selfService: text.replace(/\s+/g, ' ').includes('Someone (we hope you) asked to reset your Taalmel password.'), namesAdmin: /administrator/.test(text) }).toEqual({ selfService: true, namesAdmin: false });
    const row = await eventually('the reset row', async () => (await stack.db.owner('password_resets').where({ user_id: staff.id }).first()) ?? null);
    // expires_at is the request's clock plus 30 minutes, created_at the database's: a loaded machine
    // may put a moment between them, never a minute.
    const minutes = (new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()) / 60_000;
    expect(Math.abs(minutes - 30)).toBeLessThan(0.5);

    // The page asks first: the link can be used, for this address, until it expires (nothing is used by asking).
    const check = await call(stack.api, 'GET', `/api/auth/password-reset/${token}`);
    expect({ status: check.status, body: check.body }).toEqual({ status: 200, body: { email: staff.email, expiresAt: istIso(new Date(row.expires_at)) } });
    // In India's offset, as every other instant of the product (never UTC's `Z`).
    expect(check.body.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    // A weak password is named under the body's own field, and the link still works after it.
    const weak = await call(stack.api, 'POST', `/api/auth/password-reset/${token}`, { body: { newPassword: 'short' } });
    expect({ status: weak.status, code: weak.body.error.code, fields: Object.keys(weak.body.error.details.fields) }).toEqual({ status: 400, code: 'invalid_input', fields: ['newPassword'] });
    expect(weak.body.error.details.fields.newPassword).toMatch(/12/);
    const used = await call(stack.api, 'POST', `/api/auth/password-reset/${token}`, { body: { newPassword: NEW_PASSWORD } });
    expect({ status: used.status, body: used.body }).toEqual({ status: 204, body: null });
    for (const old of [phone, laptop]) {
      const me = await call(stack.api, 'GET', '/api/auth/me', { token: old });
      expect(me.status).toBe(401);
      expect(me.body.error.code).toBe('session_revoked');
    }
    // The lockout is gone: the new password works at once from the same (unknown) device.
    const signedIn = await call(stack.api, 'POST', '/api/auth/login', { body: { email: staff.email, password: NEW_PASSWORD } });
    expect(signedIn.status).toBe(200);
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: staff.email, password: staff.password } })).status).toBe(401);

    const again = await call(stack.api, 'POST', `/api/auth/password-reset/${token}`, { body: { newPassword: 'and yet another one 55' } });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('link_expired');
    // Opened again, the used link says so before any password is typed.
    const usedCheck = await call(stack.api, 'GET', `/api/auth/password-reset/${token}`);
    expect({ status: usedCheck.status, code: usedCheck.body.error?.code }).toEqual({ status: 410, code: 'link_expired' });

    const told = await waitForCaught(staff.email, 3);
    const changed = told.find((m) => /password was changed/i.test(m.Subject));
    expect(told.map((m) => m.Subject)).toContainEqual(expect.stringMatching(/password was changed/i));
    const notice = await caughtMessage(changed!.ID);
    expect(notice.Text).not.toContain(token);
    expect(await auditActions(stack, staff.id)).toEqual(expect.arrayContaining(['auth.password_reset']));
    const stored = JSON.stringify([await stack.db.owner('audit_events').where({ firm_id: stack.firm.id }), await stack.db.owner('password_resets')]);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(NEW_PASSWORD);
  });

  it('refuses an expired reset link with 410', async () => {
    const manager = stack.firm.users.manager;
    await call(stack.api, 'POST', '/api/auth/password-reset', { body: { email: manager.email } });
    const { token } = await linkTokenTo(manager.email, 'reset');
    await stack.db.owner('password_resets').where({ user_id: manager.id }).update({ expires_at: new Date(Date.now() - 1000) });
    const check = await call(stack.api, 'GET', `/api/auth/password-reset/${token}`);
    expect({ status: check.status, code: check.body.error?.code }).toEqual({ status: 410, code: 'link_expired' });
    const res = await call(stack.api, 'POST', `/api/auth/password-reset/${token}`, { body: { newPassword: NEW_PASSWORD } });
    expect(res.status).toBe(410);
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: manager.email, password: manager.password } })).status).toBe(200);
  });

  it('a firm admin sends a user the link: to the user\'s mailbox, audited with the admin as actor, the chain intact', async () => {
    const admin = stack.firm.users.firm_admin;
    const target = stack.firm.users.client;
    const token = await adminToken(stack);
    const sent = await call(stack.api, 'POST', `/api/users/${target.id}/password-reset`, { token });
    expect({ status: sent.status, fields: Object.keys(sent.body ?? {}), expiresAt: sent.body?.expiresAt }).toEqual({ status: 202, fields: ['expiresAt'], expiresAt: expect.stringMatching(/\+05:30$/) });
    const link = await linkTokenTo(target.email, 'reset');
    expect(await caughtTo(admin.email)).toEqual([]);
    // The email says who asked: the admin, by name and firm as an invitation names its inviter, and
    // nothing else of the admin's account (not their address); never "someone (we hope you)".
    const words = link.text.replace(/\s+/g, ' ');
    const { name: adminName } = await stack.db.owner('users').where({ id: admin.id }).first();
    expect({
      namesAdmin: words.includes(`${adminName}, your firm administrator at ${stack.firm.name}, asked for a link to reset your Taalmel password.`),
      selfService: /we hope you/i.test(words),
      adminEmail: words.toLowerCase().includes(admin.email.toLowerCase()),
    }).toEqual({ namesAdmin: true, selfService: false, adminEmail: false });

    const reset = await stack.db.owner('password_resets').where({ user_id: target.id }).first();
    const [event] = await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, entity_id: reset.id, action: 'password_reset.requested' });
    expect({ actorId: event.actor_id, actorEmail: event.actor_email, actorRole: event.actor_role, requestId: event.request_id }).toEqual({
      actorId: admin.id,
      actorEmail: admin.email,
      actorRole: 'firm_admin',
      requestId: sent.headers.get('x-request-id'),
    });
    // The link is the user's: it sets their password, as a "forgot password" link does.
    const used = await call(stack.api, 'POST', `/api/auth/password-reset/${link.token}`, { body: { newPassword: NEW_PASSWORD } });
    expect(used.status).toBe(204);
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: target.email, password: NEW_PASSWORD } })).status).toBe(200);

    // Another firm's user is not found; a deactivated one is refused by name, and nothing is written.
    const elsewhere = await call(stack.api, 'POST', `/api/users/${randomUUID()}/password-reset`, { token });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([404, 'not_found']);
    await stack.db.owner('users').where({ id: stack.firm.users.reviewer.id }).update({ active: false });
    const before = await stack.db.owner('password_resets').where({ user_id: stack.firm.users.reviewer.id }).count({ n: '*' });
    const inactive = await call(stack.api, 'POST', `/api/users/${stack.firm.users.reviewer.id}/password-reset`, { token });
    expect([inactive.status, inactive.body.error.code]).toEqual([422, 'user_inactive']);
    expect(await stack.db.owner('password_resets').where({ user_id: stack.firm.users.reviewer.id }).count({ n: '*' })).toEqual(before);

    // Anonymous and admin-made events alike, the firm's hash chain still verifies.
    const verified = await verifyAuditChain(stack.db.owner, stack.firm.id);
    expect({ ok: verified.ok, firstBrokenId: verified.firstBrokenId }).toEqual({ ok: true, firstBrokenId: null });
  });
});
