/**
 * The console's pages as a browser receives them: AdminJS writes the signed-in admin into an inline
 * script of every page, so a person's name must never end that script (admin/guard.ts
 * `inlineSafeName`), and no page loads anything from another site (admin/console.ts
 * `withoutThirdPartyFonts`).
 */
import vm from 'node:vm';
import { CONSOLE_WORDS } from '../../../admin/labels';
import { startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { consoleSignIn } from '../../security/helpers';

jest.setTimeout(120_000);

const HOSTILE_NAME = 'Asha </script><script>window.pwned = 1</script><!-- Admin';

describe("the console's pages", () => {
  let db: TestDatabase;
  let server: TestApi;
  let firm: TestFirm;
  let cookie: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    // Any firm admin can name a person so (the API's PATCH, the console's own form, an invitation).
    await db.owner('users').where({ id: firm.users.firm_admin.id }).update({ name: HOSTILE_NAME });
    server = await startTestApi(db, { maxSessionsPerUser: 10 }, { adminConsole: true });
    // Throws unless the sign-in answers 302 with the session cookie.
    cookie = await consoleSignIn(server.url, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const page = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  };

  /** The inline scripts of a page as a browser splits them: each ends at the first `</script`. */
  const inlineScripts = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script/gi)].map((m) => m[1] as string);

  it.each(['/admin', '/admin/resources/users', '/admin/resources/clients'])("keeps a person's name inside the state script of %s", async (path) => {
    const { status, html } = await page(path);
    expect(status).toBe(200);
    const scripts = inlineScripts(html);
    // The name is inside AdminJS's state script only (the first), never the start of a script of its own.
    expect({ scriptsHoldingTheName: scripts.flatMap((script, i) => (script.includes('window.pwned') ? [i] : [])) }).toEqual({ scriptsHoldingTheName: [0] });
    // And that script is whole: it runs and names the admin.
    const sandbox = { window: {} as { REDUX_STATE?: { session?: { title?: string; email?: string } }; pwned?: number } };
    vm.runInNewContext(scripts[0]!, sandbox);
    expect({ title: sandbox.window.REDUX_STATE?.session?.title, email: sandbox.window.REDUX_STATE?.session?.email, pwned: sandbox.window.pwned }).toEqual({
      title: 'Asha \u2039/script\u203a\u2039script\u203awindow.pwned = 1\u2039/script\u203a\u2039!-- Admin',
      email: firm.users.firm_admin.email,
      pwned: undefined,
    });
    expect(html).not.toContain('<script>window.pwned');
  });

  it('keeps the stored name as it was typed: only the page header shows look-alikes', async () => {
    const row = await db.owner('users').where({ id: firm.users.firm_admin.id }).first('name');
    expect(row.name).toBe(HOSTILE_NAME);
    const res = await fetch(`${server.url}/admin/api/resources/users/records/${firm.users.firm_admin.id}/show`, { headers: { cookie } });
    expect(((await res.json()) as { record: { params: { name: string } } }).record.params.name).toBe(HOSTILE_NAME);
  });

  /**
   * The words a browser would write for each resource's list heading, columns, filters and record
   * page: AdminJS's own translate functions over the locale the page carries (the labels are
   * translated in the browser), so a property without words shows here as AdminJS would write it.
   */
  async function consoleWords(html: string) {
    const sandbox = { window: {} as { REDUX_STATE?: ReduxState } };
    vm.runInNewContext(inlineScripts(html)[0]!, sandbox);
    const state = sandbox.window.REDUX_STATE!;
    const { createFunctions, flat } = await import('adminjs');
    const { default: i18next } = await import('i18next');
    const i18n = i18next.createInstance({ lng: 'en', fallbackLng: 'en', resources: {}, interpolation: { escapeValue: false } });
    await i18n.init();
    i18n.addResourceBundle('en', 'translation', flat.flatten(state.locale.translations?.en ?? {}), true, true);
    const { translateProperty, translateAction, translateLabel } = createFunctions(i18n as never);
    return state.resources.map((r) => ({
      id: r.id,
      name: translateLabel(r.id, r.id),
      heading: translateAction('list', r.id),
      columns: r.listProperties.map((p) => translateProperty(p.label, r.id)),
      filters: r.filterProperties.map((p) => translateProperty(p.label, r.id)),
      shown: r.showProperties.map((p) => translateProperty(p.label, r.id)),
    }));
  }
  type ReduxState = {
    locale: { translations?: Record<string, object> };
    resources: Array<{ id: string; listProperties: Array<{ label: string }>; filterProperties: Array<{ label: string }>; showProperties: Array<{ label: string }> }>;
  };

  it('writes every list heading, column, filter and record field in words, never a code in start case', async () => {
    const { status, html } = await page('/admin/resources/users');
    expect(status).toBe(200);
    const words = await consoleWords(html);
    expect(words.map((r) => r.id).sort()).toEqual(['audit', 'clients', 'sessions', 'users']);
    const byId = Object.fromEntries(words.map((r) => [r.id, r]));
    // What the new-user probe read, now in words: no "List 4", "Totp Enabled", "User Id", "Ip".
    expect(byId.users).toMatchObject({ name: 'People', heading: 'Everyone in the firm', columns: ['Name', 'Email', 'Role', 'Active', 'Two-factor on', 'Last sign-in'] });
    expect(byId.sessions).toMatchObject({ name: 'Signed-in devices', columns: ['Person', 'Device', 'IP address', 'Signed in', 'Last activity', 'Signed out'] });
    // The audit trail names who acted once (no second column repeating the address).
    expect(byId.audit).toMatchObject({ name: 'Audit trail', columns: ['No.', 'When', 'Who', 'What happened', 'Kind of record'] });
    const codeLike = /\b[A-Z][a-z]+ Id\b|\bList\b|\bIp\b|\bTotp\b| At$/;
    const bad = words.flatMap((r) => [r.heading, ...r.columns, ...r.filters, ...r.shown].filter((text) => codeLike.test(text)).map((text) => `${r.id}: ${text}`));
    expect(bad).toEqual([]);
    // Every field a resource shows has words of ours, not AdminJS's start case of its name.
    const state = words.map((r) => ({ id: r.id, unlabelled: [...r.columns, ...r.filters, ...r.shown].filter((text) => !Object.values((CONSOLE_WORDS as Record<string, { properties: Record<string, string> }>)[r.id]!.properties).includes(text)) }));
    expect(state.filter((r) => r.unlabelled.length > 0)).toEqual([]);
  });

  it('loads nothing from another site: no page links a third-party stylesheet or script', async () => {
    for (const path of ['/admin', '/admin/resources/audit', '/admin/login']) {
      const { status, html } = await page(path);
      expect({ path, status }).toEqual({ path, status: 200 });
      const foreign = [...html.matchAll(/<(?:link|script)\b[^>]*\b(?:href|src)="(https?:\/\/[^"]*)"/gi)].map((m) => m[1]);
      expect({ path, foreign }).toEqual({ path, foreign: [] });
    }
  });
});
