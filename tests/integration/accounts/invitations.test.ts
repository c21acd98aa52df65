/**
 * Invitations through the real api, a real worker sending through Mailpit, and PostgreSQL: invite →
 * email → accept (own password) → sign in; expired, reused, resent-over and revoked links refused;
 * who may invite whom; the audit trail of invitation and acceptance; no token at rest or in Temporal.
 */
import { randomBytes } from 'node:crypto';
import { caughtTo, waitForCaught } from '../../harness/mail';
import { login } from '../../harness/api';
import { adminToken, auditActions, call, linkTokenTo, startAccountsStack, type AccountsStack } from './helpers';

const NEW_PASSWORD = 'a brand new passphrase 77';

describe('invitations', () => {
  let stack: AccountsStack;
  let admin: string;
  beforeAll(async () => {
    stack = await startAccountsStack();
    admin = await adminToken(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const newEmail = () => `invitee.${randomBytes(4).toString('hex')}@people.test`;

  it('invite → email → accept with an own password → sign in; the link works once', async () => {
    const email = newEmail();
    const created = await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'Priya Nair', role: 'staff' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), email, role: 'staff', expiresAt: expect.any(String) });
    const hours = (new Date(created.body.expiresAt).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThanOrEqual(72);

    const { token, subject, text } = await linkTokenTo(email, 'invite');
    expect(subject).toContain(stack.firm.name);
    expect(text).toContain('http://taalmel.test/invite/');

    const shown = await call(stack.api, 'GET', `/api/invitations/by-token/${token}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ firmName: stack.firm.name, email, role: 'staff' });

    const weak = await call(stack.api, 'POST', `/api/invitations/by-token/${token}/accept`, { body: { password: 'short' } });
    expect(weak.status).toBe(400);

    const accepted = await call(stack.api, 'POST', `/api/invitations/by-token/${token}/accept`, { body: { password: NEW_PASSWORD } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.user).toMatchObject({ email, name: 'Priya Nair', role: 'staff', firmId: stack.firm.id, clientId: null });
    expect(JSON.stringify(accepted.body)).not.toMatch(/hash|password/i);

    const signedIn = await call(stack.api, 'POST', '/api/auth/login', { body: { email, password: NEW_PASSWORD } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.role).toBe('staff');

    // Single use: the same link again, for reading or accepting, is gone.
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${token}`)).status).toBe(410);
    const again = await call(stack.api, 'POST', `/api/invitations/by-token/${token}/accept`, { body: { password: 'another good passphrase 9' } });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('link_expired');

    expect(await auditActions(stack, created.body.id)).toEqual(expect.arrayContaining(['invitation.created', 'invitation.link_sent', 'invitation.accepted']));
    const userEvents = await auditActions(stack, accepted.body.user.id);
    expect(userEvents).toContain('invitation.accepted');

    // The token is stored only as a hash, and never reaches an audit snapshot or the outbox.
    const row = await stack.db.owner('account_invitations').where({ id: created.body.id }).first();
    expect(row.accepted_user_id).toBe(accepted.body.user.id);
    const everything = JSON.stringify([await stack.db.owner('audit_events').where({ firm_id: stack.firm.id }), await stack.db.owner('outbox').where({ firm_id: stack.firm.id }), await stack.db.owner('account_invitations')]);
    expect(everything).not.toContain(token);
  });

  it('refuses an expired link with 410 and shows only pending invitations', async () => {
    const email = newEmail();
    const created = await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'Late Comer', role: 'reviewer' } });
    const { token } = await linkTokenTo(email, 'invite');
    const listed = await call(stack.api, 'GET', '/api/invitations', { token: admin });
    expect(listed.body.items.map((i: { email: string }) => i.email)).toContain(email);
    // 72 hours pass (the database is moved, not the clock).
    await stack.db.owner('account_invitations').where({ id: created.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    const shown = await call(stack.api, 'GET', `/api/invitations/by-token/${token}`);
    expect(shown.status).toBe(410);
    expect(shown.body.error.code).toBe('link_expired');
    expect((await call(stack.api, 'POST', `/api/invitations/by-token/${token}/accept`, { body: { password: NEW_PASSWORD } })).status).toBe(410);
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email, password: NEW_PASSWORD } })).status).toBe(401);
  });

  it('a resend draws a new link (the old one stops) and a revoke ends the invitation', async () => {
    const email = newEmail();
    const created = await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'Twice Sent', role: 'staff' } });
    const first = await linkTokenTo(email, 'invite', 1);
    const resent = await call(stack.api, 'POST', `/api/invitations/${created.body.id}/resend`, { token: admin });
    expect(resent.status).toBe(202);
    expect(resent.body).toEqual({ id: created.body.id, email, role: 'staff', expiresAt: expect.any(String) });
    expect(new Date(resent.body.expiresAt).getTime()).toBeGreaterThanOrEqual(new Date(created.body.expiresAt).getTime());
    const second = await linkTokenTo(email, 'invite', 2);
    expect(second.token).not.toBe(first.token);
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${first.token}`)).status).toBe(410);
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${second.token}`)).status).toBe(200);

    const revoked = await call(stack.api, 'DELETE', `/api/invitations/${created.body.id}`, { token: admin });
    expect(revoked.status).toBe(204);
    expect((await call(stack.api, 'POST', `/api/invitations/by-token/${second.token}/accept`, { body: { password: NEW_PASSWORD } })).status).toBe(410);
    expect(await auditActions(stack, created.body.id)).toEqual(expect.arrayContaining(['invitation.resent', 'invitation.revoked']));
    expect((await call(stack.api, 'POST', `/api/invitations/${created.body.id}/resend`, { token: admin })).status).toBe(409);
  });

  it('managers invite staff, reviewers and portal users only; a portal user needs a client; duplicates are refused', async () => {
    const manager = await login(stack.api, stack.firm.users.manager.email, stack.firm.users.manager.password);
    const staff = await login(stack.api, stack.firm.users.staff.email, stack.firm.users.staff.password);
    expect((await call(stack.api, 'POST', '/api/invitations', { token: manager, body: { email: newEmail(), name: 'No Admin', role: 'firm_admin' } })).status).toBe(403);
    expect((await call(stack.api, 'POST', '/api/invitations', { token: staff, body: { email: newEmail(), name: 'No', role: 'staff' } })).status).toBe(403);
    const noClient = await call(stack.api, 'POST', '/api/invitations', { token: manager, body: { email: newEmail(), name: 'Portal', role: 'client' } });
    expect(noClient.status).toBe(400);
    expect(noClient.body.error.details.fields).toHaveProperty('clientId');

    const portalEmail = newEmail();
    const portal = await call(stack.api, 'POST', '/api/invitations', { token: manager, body: { email: portalEmail, name: 'Portal Person', role: 'client', clientId: stack.firm.clients[0]!.id } });
    expect(portal.status).toBe(201);
    expect((await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email: portalEmail, name: 'Again', role: 'staff' } })).body.error.code).toBe('already_invited');
    expect((await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email: stack.firm.users.staff.email, name: 'Exists', role: 'staff' } })).body.error.code).toBe('email_taken');

    const { token } = await linkTokenTo(portalEmail, 'invite');
    const accepted = await call(stack.api, 'POST', `/api/invitations/by-token/${token}/accept`, { body: { password: NEW_PASSWORD, name: 'Portal P.' } });
    expect(accepted.status).toBe(201);
    expect(accepted.body.user).toMatchObject({ role: 'client', clientId: stack.firm.clients[0]!.id, name: 'Portal P.' });
  });

  it('takes an address pasted with spaces around it and capitals as the address itself, through to the sign-in', async () => {
    const email = newEmail();
    const padded = ` ${email.replace(/^./, (c) => c.toUpperCase()).replace('@people', '@People')} `;
    const created = await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email: padded, name: 'Padded Person', role: 'staff' } });
    expect({ status: created.status, email: created.body.email, error: created.body.error }).toEqual({ status: 201, email, error: undefined });
    expect((await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'Again', role: 'staff' } })).body.error.code).toBe('already_invited');

    const { token } = await linkTokenTo(email, 'invite');
    expect((await call(stack.api, 'POST', `/api/invitations/by-token/${token}/accept`, { body: { password: NEW_PASSWORD } })).status).toBe(201);
    const signedIn = await call(stack.api, 'POST', '/api/auth/login', { body: { email: padded, password: NEW_PASSWORD } });
    expect({ status: signedIn.status, email: signedIn.body.user?.email }).toEqual({ status: 200, email });
  });

  it('the workflow history of an invitation email carries no token', async () => {
    const email = newEmail();
    const created = await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'History Check', role: 'staff' } });
    const { token } = await linkTokenTo(email, 'invite');
    const handle = stack.api.temporal.client.workflow.getHandle(`account-email:${stack.firm.id}:invitation:${created.body.id}:1`);
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(token);
    expect(history).not.toContain(Buffer.from(token).toString('base64'));
    await waitForCaught(email, 1);
    expect((await caughtTo(email)).length).toBe(1);
  });
});
