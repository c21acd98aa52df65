/**
 * Sweeps generated from the router's own route list, so a new route is covered without a new test:
 * - every route was declared through mountRoutes (so it has an action, authentication, RBAC);
 * - role × route: each role is allowed exactly the routes the permission table gives it;
 * - cross-tenant: firm A's admin, using firm B's ids in every route that takes one, gets 404 and
 *   changes nothing of B's (rows and audit trail).
 */
import { randomUUID } from 'node:crypto';
import { PERMISSIONS, ROLES, type Role } from '../../../api/rbac/permissions';
import { undeclaredRoutes, type RouteSpec } from '../../../api/routes';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

// Each sweep sends every route once per role (over a thousand requests, one after the other): on a
// loaded two-core machine that takes longer than the default minute without anything being wrong.
jest.setTimeout(300_000);

/** A register import, a 2B import and a run of the firm's first client (made once per firm). */
const reconFixtures = new Map<string, Promise<{ importId: string; runId: string }>>();
function reconFixture(db: TestDatabase, firm: TestFirm): Promise<{ importId: string; runId: string }> {
  let made = reconFixtures.get(firm.id);
  if (!made) {
    made = (async () => {
      const base = { firm_id: firm.id, client_id: firm.clients[0]!.id, period: '2024-06', status: 'validated', rows: 0 };
      const [register] = await db.owner('imports').insert({ ...base, kind: 'purchase_register' }).returning('id');
      const [twoB] = await db.owner('imports').insert({ ...base, kind: 'gstr2b' }).returning('id');
      const [run] = await db.owner('reconciliation_runs')
        .insert({ firm_id: firm.id, client_id: firm.clients[0]!.id, period: '2024-06', register_import_id: register.id, gstr2b_import_id: twoB.id, workflow_id: `recon-sweep-${firm.id}`, status: 'completed' })
        .returning('id');
      return { importId: register.id as string, runId: run.id as string };
    })();
    reconFixtures.set(firm.id, made);
  }
  return made;
}

/** Where each kind of id in a path comes from, in the target firm. A new resource adds one line. */
const ID_SOURCES: Record<string, (db: TestDatabase, firm: TestFirm) => Promise<string>> = {
  '/api/users/:id': async (_db, firm) => firm.users.staff.id,
  '/api/users/:id/unlock': async (_db, firm) => firm.users.staff.id,
  '/api/users/:id/password-reset': async (_db, firm) => firm.users.staff.id,
  '/api/invitations/:id': (db, firm) => invitationOf(db, firm),
  '/api/invitations/:id/resend': (db, firm) => invitationOf(db, firm),
  '/api/clients/:id': async (_db, firm) => firm.clients[0]!.id,
  '/api/auth/sessions/:id': async (db, firm) => (await db.owner('sessions').where({ firm_id: firm.id }).whereNull('revoked_at').first('id')).id,
  '/api/clients/:id/imports': async (_db, firm) => firm.clients[0]!.id,
  '/api/imports/:id': async (db, firm) => (await reconFixture(db, firm)).importId,
  '/api/clients/:id/reconciliations': async (_db, firm) => firm.clients[0]!.id,
  '/api/reconciliations/:runId': async (db, firm) => (await reconFixture(db, firm)).runId,
  '/api/reconciliations/:runId/results': async (db, firm) => (await reconFixture(db, firm)).runId,
  '/api/reconciliations/:runId/suppliers': async (db, firm) => (await reconFixture(db, firm)).runId,
  '/api/reconciliations/:runId/export': async (db, firm) => (await reconFixture(db, firm)).runId,
  '/api/reconciliations/:runId/actions': async (db, firm) => (await reconFixture(db, firm)).runId,
  '/api/reconciliations/:runId/follow-ups': async (db, firm) => (await reconFixture(db, firm)).runId,
  '/api/clients/:id/periods': async (_db, firm) => firm.clients[0]!.id,
  '/api/clients/:id/periods/:period': async (_db, firm) => firm.clients[0]!.id,
  '/api/clients/:id/periods/:period/close': async (_db, firm) => firm.clients[0]!.id,
  '/api/clients/:id/periods/:period/reopen': async (_db, firm) => firm.clients[0]!.id,
  '/api/close-requests/:id': (db, firm) => pendingCloseRequestOf(db, firm),
  '/api/close-requests/:id/approve': (db, firm) => pendingCloseRequestOf(db, firm),
  '/api/close-requests/:id/reject': (db, firm) => pendingCloseRequestOf(db, firm),
  '/api/close-requests/:id/withdraw': (db, firm) => pendingCloseRequestOf(db, firm),
  '/api/clients/:id/follow-ups': async (_db, firm) => firm.clients[0]!.id,
  '/api/follow-ups/:id': (db, firm) => followUpOf(db, firm),
  '/api/follow-ups/:id/nudge': (db, firm) => followUpOf(db, firm),
  '/api/follow-ups/:id/snooze': (db, firm) => followUpOf(db, firm),
  '/api/follow-ups/:id/resume': (db, firm) => followUpOf(db, firm),
  '/api/follow-ups/:id/complete': (db, firm) => followUpOf(db, firm),
  '/api/follow-ups/:id/cancel': (db, firm) => followUpOf(db, firm),
  '/api/follow-ups/:id/files/:fileId': (db, firm) => followUpOf(db, firm),
  '/api/clients/:id/calendar': async (_db, firm) => firm.clients[0]!.id,
  '/api/clients/:id/calendar-profile': async (_db, firm) => firm.clients[0]!.id,
  '/api/clients/:id/filings': async (_db, firm) => firm.clients[0]!.id,
  '/api/clients/:id/exports': async (_db, firm) => firm.clients[0]!.id,
  '/api/exports/:id': (db, firm) => dataProtectionRowOf(db, firm, 'client_exports'),
  '/api/clients/:id/erasure': async (_db, firm) => firm.clients[0]!.id,
  '/api/erasures/:id': (db, firm) => dataProtectionRowOf(db, firm, 'client_erasures'),
  '/api/firm-deletions/:id': (db, firm) => firmDeletionOf(db, firm),
  '/api/retention/runs/:id': (db, firm) => retentionRunOf(db, firm),
  '/api/clients/:id/notices': async (_db, firm) => firm.clients[0]!.id,
  '/api/notifications/:id/read': (db, firm) => notificationOf(db, firm),
  ...Object.fromEntries(
    ['', '/assign', '/extension', '/draft', '/submit', '/approve', '/request-changes', '/filing', '/outside-reply', '/reply/relink', '/documents', '/documents/:documentId', '/hearings', '/hearings/:hid/adjourn', '/close'].map((tail) => [`/api/notices/:id${tail}`, noticeOf]),
  ),
};

/**
 * The checklist link's routes carry a token, not a firm's id: the token is the credential, so a
 * holder reaching its request is the design, not a leak. tests/integration/follow-ups/routes.test.ts
 * checks that a link reaches no other request's, client's or firm's items.
 */
const TOKEN_ROUTES = new Set([
  '/api/requests/:token',
  '/api/requests/:token/items/:itemId/uploads',
  '/api/requests/:token/items/:itemId/not-applicable',
  '/api/requests/:token/unsubscribe',
  '/r/:token',
  '/r/:token(.*/.*)',
  // Invitation and reset links (tests/integration/accounts/): the token opens its own row only.
  '/api/invitations/by-token/:token',
  '/api/invitations/by-token/:token/accept',
  '/api/auth/password-reset/:token',
]);

/** A pending invitation of the firm, seeded with triggers off like the close request below (no audit events). */
const invitations = new Map<string, Promise<string>>();
function invitationOf(db: TestDatabase, firm: TestFirm): Promise<string> {
  let made = invitations.get(firm.id);
  if (!made) {
    made = db.owner.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      const [row] = await trx('account_invitations')
        .insert({ firm_id: firm.id, email: `sweep.${firm.id}@people.test`, name: 'Sweep Invitee', role: 'staff', expires_at: new Date(Date.now() + 3600_000), invited_by: firm.users.firm_admin.id })
        .returning('id');
      return (row as { id: string }).id;
    });
    invitations.set(firm.id, made);
  }
  return made;
}

/** An unread notification of the firm's staff member (made once per firm; the table is not audited). */
const notifications = new Map<string, Promise<string>>();
function notificationOf(db: TestDatabase, firm: TestFirm): Promise<string> {
  let made = notifications.get(firm.id);
  if (!made) {
    made = (async () => {
      const [row] = await db.owner('notifications').insert({ firm_id: firm.id, user_id: firm.users.staff.id, kind: 'sweep.note', payload: {} }).returning('id');
      return row.id as string;
    })();
    notifications.set(firm.id, made);
  }
  return made;
}

/** A live follow-up of the firm's first client (made once per firm). */
const followUps = new Map<string, Promise<string>>();
function followUpOf(db: TestDatabase, firm: TestFirm): Promise<string> {
  let made = followUps.get(firm.id);
  if (!made) {
    made = (async () => {
      const [row] = await db
        .owner('follow_ups')
        .insert({ firm_id: firm.id, client_id: firm.clients[0]!.id, title: 'Sweep', due_date: '2030-01-01', owner_id: firm.users.staff.id, created_by: firm.users.staff.id, policy: {}, clock: { kind: 'ist' }, workflow_id: `followup-sweep-${firm.id}` })
        .returning('id');
      return row.id as string;
    })();
    followUps.set(firm.id, made);
  }
  return made;
}

/** An export or erasure row of the firm, seeded like the close request below (no audit events). */
function dataProtectionRowOf(db: TestDatabase, firm: TestFirm, table: 'client_exports' | 'client_erasures'): Promise<string> {
  return db.owner.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const base = { firm_id: firm.id, client_id: firm.clients[1]!.id, workflow_id: `sweep-${table}-${firm.id}` };
    const existing = await trx(table).where(base).first('id');
    if (existing) return existing.id as string;
    const extra = table === 'client_exports' ? { expires_at: new Date(Date.now() + 3600_000) } : { reason: 'sweep' };
    const [row] = await trx(table).insert({ ...base, ...extra }).returning('id');
    return (row as { id: string }).id;
  });
}

/** A cancelled deletion request of the firm, seeded like the close request below (no audit events, no workflow). */
function firmDeletionOf(db: TestDatabase, firm: TestFirm): Promise<string> {
  return db.owner.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const base = { firm_id: firm.id, workflow_id: `sweep-firm-deletion-${firm.id}` };
    const existing = await trx('firm_deletions').where(base).first('id');
    if (existing) return existing.id as string;
    const [row] = await trx('firm_deletions')
      .insert({ ...base, status: 'cancelled', requested_via: 'firm_admin', reason: 'sweep', requested_by: firm.users.firm_admin.id, execute_after: new Date(), cancelled_at: new Date() })
      .returning('id');
    return (row as { id: string }).id;
  });
}

/** A nightly retention run of the firm, seeded like the close request below (no audit events). */
function retentionRunOf(db: TestDatabase, firm: TestFirm): Promise<string> {
  return db.owner.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const [row] = await trx('retention_runs').insert({ firm_id: firm.id, day: '2025-01-01', workflow_id: `retention-sweep-${firm.id}` }).onConflict(['firm_id', 'day']).merge({ workflow_id: `retention-sweep-${firm.id}` }).returning('id');
    return (row as { id: string }).id;
  });
}

/** Bodies that pass validation, so a foreign id is refused by the lookup itself, not the schema. */
const VALID_BODIES: Record<string, unknown> = {
  'PATCH /api/users/:id': { name: 'Renamed by another firm' },
  'PATCH /api/clients/:id': { name: 'Renamed by another firm' },
  'POST /api/clients/:id/periods/:period/close': {},
  'POST /api/clients/:id/periods/:period/reopen': { reason: 'Reopened by another firm' },
  'POST /api/close-requests/:id/approve': {},
  'POST /api/close-requests/:id/reject': { reason: 'Rejected by another firm' },
  'POST /api/close-requests/:id/withdraw': {},
  'POST /api/clients/:id/imports': { kind: 'gstr2b', period: '2024-06', filename: '2b.json', contentType: 'application/json', size: 100 },
  'POST /api/reconciliations/:runId/actions': { action: 'accept', resultId: 'books:1|2024-06:b2b:1' },
  'POST /api/clients/:id/reconciliations': { period: '2024-06', registerImportId: randomUUID(), gstr2bImportId: randomUUID() },
  'POST /api/clients/:id/follow-ups': { title: 'Other firm', dueDate: '2030-01-01', items: [{ description: 'x' }] },
  'POST /api/follow-ups/:id/snooze': { until: '2030-01-01' },
  'PATCH /api/follow-ups/:id': { dueDate: '2030-01-02' },
  'PATCH /api/clients/:id/calendar-profile': { scheme: 'composition' },
  'POST /api/clients/:id/filings': { returnType: 'GSTR-1', period: '2025-06', filedOn: '2025-07-10', arn: 'AA270725000001A' },
  'POST /api/clients/:id/erasure': { reason: 'Erased by another firm', confirmName: 'Alpha Traders' },
  'POST /api/clients/:id/notices': { form: 'DRC-01', reference: 'ZD-SWEEP-2', servedOn: '2025-06-02' },
  'POST /api/notices/:id/assign': { assigneeId: randomUUID() },
  'PATCH /api/notices/:id': { description: 'Changed by another firm' },
  'POST /api/notices/:id/extension': { extendedDueDate: '2025-08-30', reference: 'letter' },
  'PUT /api/notices/:id/draft': { text: 'Drafted by another firm' },
  'POST /api/notices/:id/approve': {},
  'POST /api/notices/:id/request-changes': { comment: 'Another firm' },
  'POST /api/notices/:id/filing': { arn: 'AA270625000001A', filedOn: '2025-06-20' },
  'POST /api/notices/:id/hearings': { at: '2025-07-01T11:00:00+05:30' },
  'POST /api/notices/:id/hearings/:hid/adjourn': { newAt: '2025-07-08T11:00:00+05:30', reason: 'Another firm' },
  'POST /api/notices/:id/close': { outcome: 'dropped' },
  'POST /api/notices/:id/outside-reply': { arn: 'AA270625000002B', filedOn: '2025-06-20', documentIds: [randomUUID()] },
  'POST /api/notices/:id/reply/relink': { noticeId: randomUUID(), reason: 'Another firm' },
  'POST /api/notices/:id/documents': { filename: 'notice.pdf', contentType: 'application/pdf', size: 1000, kind: 'notice' },
};

/** A valid period for `:period` (the ids are the point of the sweep, not the period's format). */
const SWEEP_PERIOD = '2025-06';

function withIds(path: string, id: string): string {
  return path.replace(/:period\b/g, SWEEP_PERIOD).replace(/:[A-Za-z]+/g, id);
}

/**
 * A pending close request of the firm (period close routes). Seeded as the owner with triggers off
 * (session_replication_role = replica), because the sweep calls id sources after taking the firm's
 * audit count as its baseline.
 */
const closeRequests = new Map<string, Promise<string>>();
function pendingCloseRequestOf(db: TestDatabase, firm: TestFirm): Promise<string> {
  const existing = closeRequests.get(firm.id);
  if (existing) return existing;
  const created = db.owner.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const clientId = firm.clients[0]!.id;
    const [period] = await trx('periods').insert({ firm_id: firm.id, client_id: clientId, period: SWEEP_PERIOD, state: 'close_requested' }).returning('id');
    const [request] = await trx('close_requests')
      .insert({
        firm_id: firm.id, client_id: clientId, period_id: (period as { id: string }).id, period: SWEEP_PERIOD, from_state: 'open',
        requested_by: firm.users.staff.id, requested_by_email: firm.users.staff.email, requested_by_role: 'staff',
        evidence: {}, evidence_hash: 'sweep', workflow_id: `period-close:sweep:${firm.id}`,
      })
      .returning('id');
    return (request as { id: string }).id;
  });
  closeRequests.set(firm.id, created);
  return created;
}

/** A notice of the firm (notice routes), seeded like the close request: triggers off, no workflow. */
const notices = new Map<string, Promise<string>>();
function noticeOf(db: TestDatabase, firm: TestFirm): Promise<string> {
  const existing = notices.get(firm.id);
  if (existing) return existing;
  const created = db.owner.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const client = firm.clients[0]!;
    const [notice] = await trx('notices')
      .insert({ firm_id: firm.id, client_id: client.id, gstin: client.gstin, form: 'DRC-01', reference: 'ZD-SWEEP-1', served_on: '2025-06-02', workflow_id: `notice:sweep:${firm.id}` })
      .returning('id');
    return (notice as { id: string }).id;
  });
  notices.set(firm.id, created);
  return created;
}

describe('route sweeps', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firmA: TestFirm;
  let firmB: TestFirm;
  let specs: RouteSpec[];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 5 });
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
    await reconFixture(db, firmB); // before any snapshot of B's rows and audit trail
    await noticeOf(db, firmB);
    specs = api.app.routeSpecs;
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('has no route registered outside mountRoutes', () => {
    expect(undeclaredRoutes(api.app.apiRouter)).toEqual([]);
    expect(specs.length).toBeGreaterThan(10);
    expect(specs.filter((spec) => spec.action !== 'public' && !(spec.action in PERMISSIONS)).map((spec) => `${spec.method} ${spec.path}: ${spec.action}`)).toEqual([]);
  });

  it('lets each role reach exactly the routes the permission table allows', async () => {
    const tokens = {} as Record<Role, string>;
    for (const role of ROLES) {
      const user = firmA.users[role];
      tokens[role] = await login(api, user.email, user.password);
      expect((await call(api, 'POST', '/api/auth/reauth', { token: tokens[role], body: { password: user.password } })).status).toBe(204);
    }
    const mismatches: string[] = [];
    // Logging out ends the token, so it goes last.
    const ordered = [...specs.filter((s) => s.path !== '/api/auth/logout'), ...specs.filter((s) => s.path === '/api/auth/logout')];
    for (const spec of ordered) {
      if (spec.action === 'public') continue;
      const allowedRoles = PERMISSIONS[spec.action] as readonly string[];
      for (const role of ROLES) {
        // An invalid body stops allowed callers at validation (400) before anything changes.
        const body = spec.body ? { __not_a_field__: true } : undefined;
        const res = await call(api, spec.method.toUpperCase(), withIds(spec.path, randomUUID()), { token: tokens[role], body });
        const denied = res.status === 403 && res.body?.error?.code === 'forbidden';
        if (allowedRoles.includes(role) === denied) mismatches.push(`${role} ${spec.method.toUpperCase()} ${spec.path}: ${res.status} ${res.body?.error?.code ?? ''}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("answers 404 for another firm's ids on every route that takes one, and changes nothing", async () => {
    const snapshot = async () => ({
      users: await db.owner('users').where({ firm_id: firmB.id }).orderBy('id'),
      clients: await db.owner('clients').where({ firm_id: firmB.id }).orderBy('id'),
      sessions: await db.owner('sessions').where({ firm_id: firmB.id }).orderBy('id'),
      audit: await db.owner('audit_events').where({ firm_id: firmB.id }).count({ n: '*' }),
      notices: await db.owner('notices').where({ firm_id: firmB.id }).orderBy('id'),
      invitations: await db.owner('account_invitations').where({ firm_id: firmB.id }).orderBy('id'),
      imports: await db.owner('imports').where({ firm_id: firmB.id }).orderBy('id'),
      notifications: await db.owner('notifications').where({ firm_id: firmB.id }).orderBy('id'),
    });
    // B has an active session whose id A will try to revoke.
    await login(api, firmB.users.staff.email, firmB.users.staff.password);
    await followUpOf(db, firmB); // made before the snapshot: its own audit row is not the sweep's doing
    await invitationOf(db, firmB); // likewise
    await notificationOf(db, firmB); // likewise: A's attempt to mark it read must leave it unread
    const before = await snapshot();

    const admin = firmA.users.firm_admin;
    const token = await login(api, admin.email, admin.password);
    await call(api, 'POST', '/api/auth/reauth', { token, body: { password: admin.password } });

    const withIdParams = specs.filter((s) => s.path.includes(':') && !TOKEN_ROUTES.has(s.path));
    expect(withIdParams.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const spec of withIdParams) {
      const source = ID_SOURCES[spec.path];
      if (!source) {
        problems.push(`no id source for ${spec.path}: add one to ID_SOURCES`);
        continue;
      }
      const key = `${spec.method.toUpperCase()} ${spec.path}`;
      const res = await call(api, spec.method.toUpperCase(), withIds(spec.path, await source(db, firmB)), { token, body: VALID_BODIES[key] ?? (spec.body ? {} : undefined) });
      const expected = spec.body && !VALID_BODIES[key] ? [400, 404] : [404];
      if (!expected.includes(res.status) || (res.status === 404 && res.body.error.code !== 'not_found')) problems.push(`${key}: ${res.status} ${res.text}`);
    }
    expect(problems).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });
});
