/**
 * The RBAC table of every route with its re-authentication column. A route that grants power (a new
 * user, a role, secrets, settings, reopening a period, exports of everything) must need a recent
 * re-authentication; the table says which ones do, the test checks each declaration against it and
 * then the live behaviour, and a route missing from the table fails the test until someone decides.
 */
import type { Action, Role } from '../../api/rbac/permissions';
import { PERMISSIONS } from '../../api/rbac/permissions';
import { call, login, startTestApi, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';

type Row = { action: Action | 'public'; reauth: boolean };

/** method path → the permission it checks, and whether it needs a re-authentication. */
const ROUTES: Record<string, Row> = {
  'POST /api/auth/login': { action: 'public', reauth: false },
  'POST /api/auth/logout': { action: 'self.manage', reauth: false },
  'GET /api/auth/me': { action: 'self.read', reauth: false },
  'GET /api/auth/sessions': { action: 'self.read', reauth: false },
  'DELETE /api/auth/sessions/:id': { action: 'self.manage', reauth: false },
  'POST /api/auth/reauth': { action: 'self.manage', reauth: false },
  'POST /api/auth/totp/setup': { action: 'self.manage', reauth: false },
  'POST /api/auth/totp/enable': { action: 'self.manage', reauth: true },
  'POST /api/auth/totp/disable': { action: 'self.manage', reauth: true },
  'POST /api/auth/password': { action: 'self.manage', reauth: true },
  'GET /api/users': { action: 'users.read', reauth: false },
  // docs/api.md: firm_admin, no re-authentication (an invitation of any role needs none either).
  'POST /api/users': { action: 'users.create', reauth: false },
  'PATCH /api/users/:id': { action: 'users.update', reauth: true },
  'GET /api/clients': { action: 'clients.read', reauth: false },
  'POST /api/clients': { action: 'clients.create', reauth: false },
  'GET /api/clients/:id': { action: 'clients.read', reauth: false },
  'PATCH /api/clients/:id': { action: 'clients.update', reauth: false },
  'GET /api/settings/smtp': { action: 'secrets.read', reauth: false },
  'PUT /api/settings/smtp': { action: 'secrets.update', reauth: true },
  'POST /api/settings/smtp/test': { action: 'secrets.update', reauth: false },
  'GET /api/settings/gsp': { action: 'secrets.read', reauth: false },
  'PUT /api/settings/gsp': { action: 'secrets.update', reauth: true },
  'GET /api/firm/settings': { action: 'firm.read_settings', reauth: false },
  'PATCH /api/firm/settings': { action: 'firm.update_settings', reauth: true },
  // Retention: shortening it deletes data in the next nightly run, so changing it is a sensitive setting.
  'GET /api/settings/retention': { action: 'retention.read', reauth: false },
  'PUT /api/settings/retention': { action: 'retention.update', reauth: true },
  'GET /api/retention/plan': { action: 'retention.read', reauth: false },
  'GET /api/retention/runs': { action: 'retention.read', reauth: false },
  'GET /api/retention/runs/:id': { action: 'retention.read', reauth: false },
  'GET /api/audit': { action: 'audit.read', reauth: false },
  'GET /api/audit/export': { action: 'audit.export', reauth: true },
  'GET /api/audit/verify': { action: 'audit.verify', reauth: false },
  'GET /api/notifications': { action: 'notifications.read', reauth: false },
  'POST /api/notifications/:id/read': { action: 'notifications.mark_read', reauth: false },
  'POST /api/notifications/read': { action: 'notifications.mark_read', reauth: false },
  'POST /api/clients/:id/periods/:period/close': { action: 'periods.request_close', reauth: false },
  'GET /api/approvals': { action: 'approvals.read', reauth: false },
  'GET /api/close-requests/:id': { action: 'periods.read', reauth: false },
  'POST /api/close-requests/:id/approve': { action: 'periods.approve', reauth: false },
  'POST /api/close-requests/:id/reject': { action: 'periods.approve', reauth: false },
  'POST /api/close-requests/:id/withdraw': { action: 'periods.withdraw', reauth: false },
  'POST /api/clients/:id/periods/:period/reopen': { action: 'periods.reopen', reauth: true },
  'GET /api/clients/:id/periods': { action: 'periods.read', reauth: false },
  'GET /api/clients/:id/periods/:period': { action: 'periods.read', reauth: false },
  'GET /api/periods': { action: 'periods.read', reauth: false },
  'POST /api/clients/:id/imports': { action: 'imports.create', reauth: false },
  'PUT /api/uploads': { action: 'public', reauth: false },
  'GET /api/clients/:id/imports': { action: 'imports.read', reauth: false },
  'GET /api/imports/:id': { action: 'imports.read', reauth: false },
  'DELETE /api/imports/:id': { action: 'imports.discard', reauth: false },
  'POST /api/clients/:id/reconciliations': { action: 'reconciliations.run', reauth: false },
  'GET /api/reconciliations': { action: 'reconciliations.read', reauth: false },
  'GET /api/reconciliations/:runId': { action: 'reconciliations.read', reauth: false },
  'GET /api/reconciliations/:runId/results': { action: 'reconciliations.read', reauth: false },
  'GET /api/reconciliations/:runId/suppliers': { action: 'reconciliations.read', reauth: false },
  'GET /api/reconciliations/:runId/export': { action: 'reconciliations.export', reauth: false },
  'POST /api/reconciliations/:runId/actions': { action: 'reconciliations.decide', reauth: false },
  'GET /api/calendar': { action: 'calendar.read', reauth: false },
  'GET /api/clients/:id/calendar': { action: 'calendar.read', reauth: false },
  'PATCH /api/clients/:id/calendar-profile': { action: 'clients.update', reauth: false },
  'POST /api/clients/:id/filings': { action: 'filings.create', reauth: false },
  'GET /api/firm/holidays': { action: 'holidays.read', reauth: false },
  'PUT /api/firm/holidays': { action: 'holidays.update', reauth: false },
  'POST /api/calendar/extensions': { action: 'calendar.extend', reauth: false },
  'POST /api/clients/:id/exports': { action: 'clients.export', reauth: true },
  'GET /api/exports/download': { action: 'public', reauth: false },
  'GET /api/exports/:id': { action: 'clients.export', reauth: false },
  'POST /api/clients/:id/erasure': { action: 'clients.erase', reauth: true },
  'GET /api/erasures/:id': { action: 'clients.erase', reauth: false },
  'GET /api/firm/deletion': { action: 'firm.delete', reauth: false },
  'POST /api/firm/deletion': { action: 'firm.delete', reauth: true },
  // Cancelling only undoes a scheduled deletion: any firm admin may stop it without re-authenticating.
  'DELETE /api/firm/deletion': { action: 'firm.delete', reauth: false },
  'GET /api/firm-deletions/:id': { action: 'firm.delete', reauth: false },
  'GET /api/certificate-key': { action: 'public', reauth: false },
  'POST /api/clients/:id/follow-ups': { action: 'followups.manage', reauth: false },
  'POST /api/reconciliations/:runId/follow-ups': { action: 'followups.manage', reauth: false },
  'GET /api/follow-ups': { action: 'followups.read', reauth: false },
  'GET /api/follow-ups/:id': { action: 'followups.read', reauth: false },
  'POST /api/follow-ups/:id/nudge': { action: 'followups.manage', reauth: false },
  'POST /api/follow-ups/:id/snooze': { action: 'followups.manage', reauth: false },
  'POST /api/follow-ups/:id/resume': { action: 'followups.manage', reauth: false },
  'PATCH /api/follow-ups/:id': { action: 'followups.manage', reauth: false },
  'POST /api/follow-ups/:id/complete': { action: 'followups.manage', reauth: false },
  'POST /api/follow-ups/:id/cancel': { action: 'followups.manage', reauth: false },
  'GET /api/follow-ups/:id/files/:fileId': { action: 'followups.read', reauth: false },
  // The client's checklist link: the token is the credential (no session, so no re-authentication).
  'GET /api/requests/:token': { action: 'public', reauth: false },
  'POST /api/requests/:token/items/:itemId/uploads': { action: 'public', reauth: false },
  'PUT /api/request-uploads': { action: 'public', reauth: false },
  'POST /api/requests/:token/items/:itemId/not-applicable': { action: 'public', reauth: false },
  'POST /api/requests/:token/unsubscribe': { action: 'public', reauth: false },
  'GET /r/:token': { action: 'public', reauth: false },
  'GET /r': { action: 'public', reauth: false },
  // Any other address under /r/ (`/r//`, `/r/<code>/more`): the same plain page as /r.
  'GET /r/:token(.*/.*)': { action: 'public', reauth: false },
  // Accounts: an invitation gives no power until its holder accepts it, and the role it may carry is
  // bounded by the inviter's own (domain/accounts.ts); the links are the holder's credential.
  'POST /api/invitations': { action: 'invitations.manage', reauth: false },
  'GET /api/invitations': { action: 'invitations.manage', reauth: false },
  'POST /api/invitations/:id/resend': { action: 'invitations.manage', reauth: false },
  'DELETE /api/invitations/:id': { action: 'invitations.manage', reauth: false },
  'GET /api/invitations/by-token/:token': { action: 'public', reauth: false },
  'POST /api/invitations/by-token/:token/accept': { action: 'public', reauth: false },
  'POST /api/auth/password-reset': { action: 'public', reauth: false },
  'GET /api/auth/password-reset/:token': { action: 'public', reauth: false },
  'POST /api/auth/password-reset/:token': { action: 'public', reauth: false },
  'POST /api/users/:id/unlock': { action: 'users.unlock', reauth: false },
  // The link goes to the user's own mailbox, never to the admin: it gives the admin no way in.
  'POST /api/users/:id/password-reset': { action: 'users.reset_password', reauth: false },
  // GST notices: none grants power (an assignment gives work, not rights).
  'POST /api/clients/:id/notices': { action: 'notices.create', reauth: false },
  'GET /api/notices': { action: 'notices.read', reauth: false },
  'GET /api/notice-forms': { action: 'notices.read', reauth: false },
  'GET /api/notices/:id': { action: 'notices.read', reauth: false },
  'POST /api/notices/:id/assign': { action: 'notices.assign', reauth: false },
  'PATCH /api/notices/:id': { action: 'notices.update', reauth: false },
  'POST /api/notices/:id/extension': { action: 'notices.update', reauth: false },
  'PUT /api/notices/:id/draft': { action: 'notices.draft', reauth: false },
  'POST /api/notices/:id/submit': { action: 'notices.draft', reauth: false },
  'POST /api/notices/:id/approve': { action: 'notices.approve', reauth: false },
  'POST /api/notices/:id/request-changes': { action: 'notices.approve', reauth: false },
  'POST /api/notices/:id/filing': { action: 'notices.file', reauth: false },
  'POST /api/notices/:id/hearings': { action: 'notices.update', reauth: false },
  'POST /api/notices/:id/hearings/:hid/adjourn': { action: 'notices.update', reauth: false },
  'POST /api/notices/:id/close': { action: 'notices.close', reauth: false },
  'POST /api/notices/:id/outside-reply': { action: 'notices.file', reauth: false },
  'POST /api/notices/:id/reply/relink': { action: 'notices.file', reauth: false },
  'POST /api/notices/:id/documents': { action: 'notices.update', reauth: false },
  'GET /api/notices/:id/documents/:documentId': { action: 'notices.read', reauth: false },
  // The signed URL is the credential (like the imports' and the checklist link's uploads).
  'PUT /api/notice-uploads': { action: 'public', reauth: false },
};

describe('RBAC table with its re-authentication column', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 10 });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('lists every route, with the action and re-authentication each declares', () => {
    const declared = Object.fromEntries(api.app.routeSpecs.map((s) => [`${s.method.toUpperCase()} ${s.path}`, { action: s.action, reauth: s.sensitive ?? false }]));
    const missing = Object.keys(declared).filter((key) => !(key in ROUTES));
    const gone = Object.keys(ROUTES).filter((key) => !(key in declared));
    expect({ missing, gone }).toEqual({ missing: [], gone: [] });
    expect(declared).toEqual(ROUTES);
  });

  it('refuses each re-authentication route to a session that has not re-authenticated, and no other', async () => {
    const problems: string[] = [];
    const tokens = new Map<Role, string>();
    const tokenOf = async (role: Role) => {
      if (!tokens.has(role)) tokens.set(role, await login(api, firm.users[role].email, firm.users[role].password));
      return tokens.get(role) as string;
    };
    // Logging out ends the token, so it goes last.
    const entries = Object.entries(ROUTES).sort(([a], [b]) => Number(a.endsWith('/logout')) - Number(b.endsWith('/logout')));
    for (const [key, row] of entries) {
      if (row.action === 'public') continue;
      const allowed = PERMISSIONS[row.action] as readonly Role[];
      const token = await tokenOf(allowed.includes('firm_admin') ? 'firm_admin' : (allowed[0] as Role));
      const [method, path] = key.split(' ') as [string, string];
      const concrete = path.replace(/:period\b/g, '2025-06').replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
      // An invalid body: the request stops at validation (400) if the re-authentication lets it by.
      const res = await call(api, method, concrete, { token, body: ['GET', 'DELETE'].includes(method) ? undefined : { __not_a_field__: true } });
      const refused = res.status === 403 && res.body?.error?.code === 'reauth_required';
      if (refused !== row.reauth) problems.push(`${key}: ${res.status} ${res.body?.error?.code ?? ''}`);
    }
    expect(problems).toEqual([]);
  });

  it('creates a user of any role, a firm admin included, without a re-authentication, as the contract says; audited with who did it', async () => {
    const admin = firm.users.firm_admin;
    const token = await login(api, admin.email, admin.password);
    const body = { email: `new.admin.${Date.now()}@firm.test`, name: 'New Admin', role: 'firm_admin', password: 'a long enough passphrase 7 rivers' };
    const created = await call(api, 'POST', '/api/users', { token, body });
    expect({ status: created.status, role: created.body.role }).toEqual({ status: 201, role: 'firm_admin' });
    const event = await db.owner('audit_events').where({ firm_id: firm.id, entity_id: created.body.id }).first('actor_id');
    expect(event?.actor_id).toBe(admin.id);
    // Changing a role still needs one.
    const changed = await call(api, 'PATCH', `/api/users/${created.body.id}`, { token, body: { role: 'manager' } });
    expect({ status: changed.status, code: changed.body.error?.code }).toEqual({ status: 403, code: 'reauth_required' });
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    expect((await call(api, 'POST', '/api/users', { token: manager, body: { ...body, email: `m.${body.email}` } })).status).toBe(403);
  });
});
