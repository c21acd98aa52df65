/**
 * The client's link as a person meets it when it is damaged or dead: a cut-off `/r/<token>` is a
 * readable HTML page (status 410, no error JSON), and a well-formed token nobody issued answers the
 * JSON route exactly as an expired one does (410 link_expired), so nothing reveals whether it existed.
 */
import { BARE_LINK_MESSAGE, INVALID_LINK_MESSAGE } from '../../../api/follow-ups/checklist-page';
import { call, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';

describe('the checklist page for damaged and unknown links', () => {
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

  it('answers a cut-off link with the HTML page saying the link is not valid, status 410', async () => {
    for (const token of ['bogus-token', 'abc', 'has.dots.in.it.and.is.long.enough']) {
      const res = await call(api, 'GET', `/r/${token}`);
      expect({ token, status: res.status, type: res.headers.get('content-type') }).toEqual({ token, status: 410, type: 'text/html; charset=utf-8' });
      expect(res.text).toContain('<title>Documents requested</title>');
      expect(res.text).toContain(INVALID_LINK_MESSAGE);
      expect(res.text).not.toContain('invalid_input');
      expect(res.text).not.toContain('<script');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('answers the bare /r and /r/ (the code cut off), and any other malformed /r/ address, with a page saying what the link is and what to do, never JSON', async () => {
    for (const path of ['/r', '/r/', '/r//', '/r/abc/def', `/r/${'C'.repeat(43)}/more`, '/r///', '/r/abc/def/']) {
      const res = await call(api, 'GET', path);
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 404, type: 'text/html; charset=utf-8' });
      expect(res.text).toContain('<title>Documents requested</title>');
      expect(res.text).toContain(BARE_LINK_MESSAGE);
      expect(res.text).not.toMatch(/not_found|No route for|<script/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('serves the page for a well-formed token, which then reads the JSON route', async () => {
    const res = await call(api, 'GET', `/r/${'C'.repeat(43)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toMatch(/<script nonce="[^"]+">/);
    expect(res.text).not.toContain(INVALID_LINK_MESSAGE);
  });

  it('answers a well-formed token that was never issued as an expired one: 410 link_expired', async () => {
    const res = await call(api, 'GET', `/api/requests/${'D'.repeat(43)}`);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 410, code: 'link_expired' });
  });
});
