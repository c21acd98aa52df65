/**
 * The api serves the built web app at `/`: files as they are with long caching for hashed assets,
 * index.html (with the CSP and no-cache) for every page path the app's router handles, and never
 * for the API's own paths or a missing asset. Nothing outside the build folder is reachable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APP_CSP } from '../../../api/web-app';
import { call, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';

describe('the web app served by the api', () => {
  let db: TestDatabase;
  let api: TestApi;
  let dir: string;
  const INDEX = '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-web-'));
    const root = path.join(dir, 'web');
    fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), INDEX);
    fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log("app")');
    fs.writeFileSync(path.join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    fs.writeFileSync(path.join(root, '.env'), 'SECRET=1');
    fs.writeFileSync(path.join(dir, 'outside.txt'), 'not for the web');
    db = await createTestDatabase();
    api = await startTestApi(db, {}, { webRoot: root });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string) => fetch(`${api.url}${p}`);

  it('answers app pages with index.html and the security headers', async () => {
    for (const page of ['/', '/clients', '/clients/5b0c3f0e-8d1e-4c43-9a51-1f0d9b6f2a11/periods/2024-06', '/sign-in?next=%2Fapprovals']) {
      const res = await get(page);
      expect({ page, status: res.status }).toEqual({ page, status: 200 });
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get('content-security-policy')).toBe(APP_CSP);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(APP_CSP).toContain("frame-ancestors 'none'");
    expect(APP_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(APP_CSP).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('serves assets with their types, hashed ones cached for a year', async () => {
    const js = await get('/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const svg = await get('/favicon.svg');
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.headers.get('cache-control')).toBe('no-cache');
  });

  it('never shadows the API, and a missing asset is a 404, not the app', async () => {
    const apiMissing = await call(api, 'GET', '/api/no-such-route');
    expect(apiMissing.status).toBe(404);
    expect(apiMissing.text).not.toContain('<div id="root">');
    const me = await call(api, 'GET', '/api/auth/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('unauthenticated');
    expect((await get('/healthz')).headers.get('content-type')).toMatch(/json/);
    for (const reserved of ['/r/sometoken', '/admin-nope/x', '/api']) {
      const res = await get(reserved);
      const text = await res.text();
      if (reserved === '/admin-nope/x') expect(text).toBe(INDEX); // only /admin and /admin/… are the console's
      else expect({ reserved, app: text === INDEX }).toEqual({ reserved, app: false });
    }
    const asset = await get('/assets/gone-123.js');
    expect(asset.status).toBe(404);
  });

  it('reaches nothing outside the build folder and no dotfiles', async () => {
    for (const p of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/.env']) {
      const res = await get(p);
      const text = await res.text();
      expect({ p, leaked: text.includes('not for the web') || text.includes('SECRET') }).toEqual({ p, leaked: false });
    }
  });

  it('leaves POSTs to unknown paths to the API', async () => {
    const res = await fetch(`${api.url}/clients`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toBe(INDEX);
  });
});
