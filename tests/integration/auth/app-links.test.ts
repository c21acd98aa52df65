/**
 * GET /api/auth/me tells the web app where the admin console and the Temporal UI are, each only to
 * the roles allowed to use it (docs/web-app.md, "Links out of the app"); with no Temporal UI
 * configured nobody gets its link.
 */
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { ROLES } from '../../../api/rbac/permissions';

const UI = 'http://127.0.0.1:8233';

describe('the links out of the app', () => {
  let db: TestDatabase;
  let withUi: TestApi;
  let withoutUi: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    withUi = await startTestApi(db, {}, { appLinks: { adminConsole: { url: '/admin', roles: ['firm_admin'] }, temporalUi: { url: UI, roles: ['firm_admin'] } } });
    withoutUi = await startTestApi(db, {}, { appLinks: { adminConsole: { url: '/admin', roles: ['firm_admin'] }, temporalUi: null } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await withUi.close();
    await withoutUi.close();
    await db.drop();
  });

  it('gives each role only the links it may use', async () => {
    const seen: Record<string, unknown> = {};
    for (const role of ROLES) {
      const token = await login(withUi, firm.users[role].email, firm.users[role].password);
      const me = await call(withUi, 'GET', '/api/auth/me', { token });
      expect(me.status).toBe(200);
      seen[role] = me.body.links;
    }
    expect(seen).toEqual({
      firm_admin: { adminConsole: '/admin', temporalUi: UI },
      manager: { adminConsole: null, temporalUi: null },
      reviewer: { adminConsole: null, temporalUi: null },
      staff: { adminConsole: null, temporalUi: null },
      client: { adminConsole: null, temporalUi: null },
    });
  });

  it('links to no Temporal UI when none is configured', async () => {
    const token = await login(withoutUi, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const me = await call(withoutUi, 'GET', '/api/auth/me', { token });
    expect(me.body.links).toEqual({ adminConsole: '/admin', temporalUi: null });
  });
});
