/**
 * Link tokens never reach the logs (docs/security-and-tenancy.md, "Logs"). A reset link used once
 * with a weak password (400) stays valid, and the access log used to hold its path,
 * `/api/auth/password-reset/<token>`: anyone reading the logs could take over the account. Every
 * route with a `:token` in its path, and the web app's link pages, are called here through the real
 * app and its real logger, and no line may carry the token.
 */
import { randomBytes } from 'node:crypto';
import { call, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';

jest.setTimeout(60_000);

describe('link tokens in logs', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** A token shaped like the real ones (256 bits, base64url). */
  const newToken = () => randomBytes(32).toString('base64url');
  const linesWith = (text: string) => api.logs.lines.filter((line) => line.includes(text));

  it('writes every route with a token in its path as its template, whatever the answer', async () => {
    const tokenRoutes = api.app.routeSpecs.filter((spec) => spec.path.includes(':token'));
    // The routes of the three links (reset, invitation, checklist): a route that disappears should fail here, not pass quietly.
    expect(tokenRoutes.map((spec) => `${spec.method.toUpperCase()} ${spec.path}`).sort()).toEqual(
      expect.arrayContaining(['GET /api/invitations/by-token/:token', 'GET /api/requests/:token', 'GET /r/:token', 'POST /api/auth/password-reset/:token', 'POST /api/invitations/by-token/:token/accept']),
    );
    for (const spec of tokenRoutes) {
      const token = newToken();
      const path = spec.path.replace(':token', token).replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');
      const res = await call(api, spec.method.toUpperCase(), path, spec.method === 'get' ? {} : { body: { newPassword: 'short', password: 'short', reason: 'x' } });
      const request = api.logs.lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request' && entry.method === spec.method.toUpperCase() && entry.status === res.status);
      expect({ route: spec.path, leaked: linesWith(token) }).toEqual({ route: spec.path, leaked: [] });
      expect(request.map((entry) => entry.path)).toContain(spec.path.replace(/:(?!token)\w+/g, '00000000-0000-4000-8000-000000000000'));
    }
  });

  it('masks the token in paths no route matched: the web app link pages, a wrong method, a wrong sub-path, odd spellings of a link path', async () => {
    const cases = [
      { method: 'GET', path: (t: string) => `/invite/${t}`, logged: '/invite/:token' },
      { method: 'GET', path: (t: string) => `/reset/${t}`, logged: '/reset/:token' },
      { method: 'DELETE', path: (t: string) => `/api/auth/password-reset/${t}`, logged: '/api/auth/password-reset/:token' },
      { method: 'GET', path: (t: string) => `/api/requests/${t}/elsewhere`, logged: '/api/requests/:token/elsewhere' },
      { method: 'GET', path: (t: string) => `/API/Invitations/by-token/${t}/nowhere`, logged: '/API/Invitations/by-token/:token/nowhere' },
      // Paths that reach a link's place, or are logged, without starting with its prefix (the web
      // app's page answers some of them: any status).
      { method: 'GET', path: (t: string) => `/api//requests/${t}`, logged: '/api//requests/:token', anyStatus: true },
      { method: 'GET', path: (t: string) => `/r;x/${t}`, logged: '/:token/:token', anyStatus: true },
      { method: 'GET', path: (t: string) => `/api/auth/password-reset%2f${t}`, logged: '/api/auth/:token', anyStatus: true },
    ];
    for (const c of cases) {
      const token = newToken();
      const res = await call(api, c.method, c.path(token));
      if (!('anyStatus' in c)) expect(res.status).toBeGreaterThanOrEqual(400);
      expect({ path: c.logged, leaked: linesWith(token) }).toEqual({ path: c.logged, leaked: [] });
      expect(api.logs.lines.map((line) => JSON.parse(line)).filter((e) => e.msg === 'request').map((e) => e.path)).toContain(c.logged);
    }
  });
});
