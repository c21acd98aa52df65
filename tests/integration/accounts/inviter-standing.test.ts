/**
 * An invitation stands on its inviter (docs/accounts.md, "Invitations"): deactivating or demoting
 * them ends the pending invitations their new standing could not issue (audited), and a link whose
 * inviter lost that standing some other way (the console) is refused at acceptance. Real api,
 * worker, PostgreSQL and Mailpit.
 */
import { randomBytes } from 'node:crypto';
import { login } from '../../harness/api';
import { adminToken, auditActions, call, linkTokenTo, startAccountsStack, type AccountsStack } from './helpers';

const PASSWORD = 'a brand new passphrase 77';

describe('an invitation stands on its inviter', () => {
  let stack: AccountsStack;
  let admin: string;
  beforeAll(async () => {
    stack = await startAccountsStack();
    admin = await adminToken(stack);
    expect((await call(stack.api, 'POST', '/api/auth/reauth', { token: admin, body: { password: stack.firm.users.firm_admin.password } })).status).toBe(204);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const newEmail = (who: string) => `${who}.${randomBytes(4).toString('hex')}@people.test`;

  /** A second firm admin of the firm, signed in. */
  async function secondAdmin(): Promise<{ id: string; token: string }> {
    const email = newEmail('admin');
    const created = await call(stack.api, 'POST', '/api/users', { token: admin, body: { email, name: 'Second Admin', role: 'firm_admin', password: PASSWORD } });
    expect(created.status).toBe(201);
    return { id: created.body.id, token: await login(stack.api, email, PASSWORD) };
  }

  async function invite(token: string, role: string): Promise<{ id: string; email: string; link: string }> {
    const email = newEmail(role);
    const created = await call(stack.api, 'POST', '/api/invitations', { token, body: { email, name: `New ${role}`, role } });
    expect(created.status).toBe(201);
    return { id: created.body.id, email, link: (await linkTokenTo(email, 'invite')).token };
  }

  const accept = (link: string) => call(stack.api, 'POST', `/api/invitations/by-token/${link}/accept`, { body: { password: PASSWORD } });
  const revokedBy = async (id: string) => (await stack.db.owner('account_invitations').where({ id }).first()).revoked_by as string | null;

  it('a demotion ends the invitations the new role could not send, and only those', async () => {
    const inviter = await secondAdmin();
    const manager = await invite(inviter.token, 'manager');
    const staff = await invite(inviter.token, 'staff');
    const demoted = await call(stack.api, 'PATCH', `/api/users/${inviter.id}`, { token: admin, body: { role: 'manager' } });
    expect(demoted.status).toBe(200);

    expect({ manager: await revokedBy(manager.id), staff: await revokedBy(staff.id) }).toEqual({ manager: stack.firm.users.firm_admin.id, staff: null });
    expect(await auditActions(stack, manager.id)).toContain('invitation.revoked');
    const refused = await accept(manager.link);
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 410, code: 'link_expired' });
    expect((await accept(staff.link)).status).toBe(201);
  });

  it('a deactivation ends all of the inviter\'s pending invitations', async () => {
    const inviter = await secondAdmin();
    const staff = await invite(inviter.token, 'staff');
    expect((await call(stack.api, 'PATCH', `/api/users/${inviter.id}`, { token: admin, body: { active: false } })).status).toBe(200);
    expect(await revokedBy(staff.id)).toBe(stack.firm.users.firm_admin.id);
    expect(await auditActions(stack, staff.id)).toContain('invitation.revoked');
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${staff.link}`)).status).toBe(410);
    expect((await accept(staff.link)).status).toBe(410);
  });

  it('refuses a link whose inviter was deactivated or demoted elsewhere, creating nobody', async () => {
    const inviter = await secondAdmin();
    const manager = await invite(inviter.token, 'manager');
    const staff = await invite(inviter.token, 'staff');
    // As the console would: the row changed without the api's route.
    await stack.db.owner('users').where({ id: inviter.id }).update({ role: 'manager' });
    expect((await accept(manager.link)).status).toBe(410);
    await stack.db.owner('users').where({ id: inviter.id }).update({ active: false });
    expect((await accept(staff.link)).status).toBe(410);
    const created = await stack.db.owner('users').whereIn('email', [manager.email, staff.email]);
    expect(created).toEqual([]);
  });
});
