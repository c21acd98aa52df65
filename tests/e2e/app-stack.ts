/**
 * One fresh `npm start` (embedded PostgreSQL, Temporal dev server, worker, Mailpit) on free ports,
 * its demo credentials, and a Chromium, for a browser test file: `useAppStack()` in a describe
 * block starts them before its tests and stops them after, and collects every page's JavaScript
 * errors so the file can assert none happened.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { gstinCheckCharacter } from '../../domain/gstin';
import { freePort } from '../../ops/ports';
import { call } from '../harness/api';
import { harnessValue } from '../harness/harness-env';
import { launchBrowser, newPage, signIn } from './browser';
import { READY_LINE, startStack, waitFor, type Started } from './stack';

export type Demo = {
  apiUrl: string;
  temporalUiUrl: string | null;
  users: Array<{ email: string; password: string; role: string }>;
  clients: Array<{ id: string; gstin: string; name: string }>;
  mail: { smtpPort: number; apiUrl: string } | null;
};

export type AppStack = {
  demo: Demo;
  browser: Browser;
  dataDir: string;
  /** Every page's JavaScript errors, by the name the test gave the page. */
  errors: Record<string, string[]>;
  user: (role: string) => Demo['users'][number];
  /**
   * A new browser context signed in as `role` (through the sign-in page), at `path`. `done()` signs
   * out and closes it (a user may be signed in on two devices only).
   */
  signedIn: (role: string, name: string, path?: string) => Promise<{ context: BrowserContext; page: Page; done: () => Promise<void> }>;
  /** An API bearer token for `role`, for arranging data the test is not about. */
  token: (role: string) => Promise<string>;
  /** A new user of the demo firm with a role the demo has none of (a reviewer), created by the firm admin. */
  addUser: (role: string) => Promise<void>;
};

/** A valid GSTIN of Maharashtra that no other test uses. */
export function newGstin(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const pick = (n: number) => Array.from(randomBytes(n), (b) => letters[b % 26]).join('');
  const stem = `27${pick(3)}C${pick(1)}${String(randomBytes(2).readUInt16BE(0) % 10000).padStart(4, '0')}${pick(1)}1Z`;
  return stem + gstinCheckCharacter(stem);
}

/** `env`: settings of this file's stack (a smaller file cap, say), on top of the free ports. */
export function useAppStack(prefix: string, env: Record<string, string> = {}): AppStack {
  let stack: Started | undefined;
  const app = { errors: {} } as AppStack;

  beforeAll(async () => {
    harnessValue('temporalAddress'); // the harness ran: Temporal CLI cached, web app built
    app.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `taalmel-${prefix}-`));
    fs.chmodSync(app.dataDir, 0o755);
    stack = startStack({
      ...env,
      DATA_DIR: app.dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      MAIL_SMTP_PORT: String(await freePort()),
      MAIL_API_PORT: String(await freePort()),
    });
    // E2E_STACK_START_MS: a longer wait for the stack on a machine shared by other runs (default 4 minutes).
    [app.browser] = await Promise.all([launchBrowser(), waitFor(stack, READY_LINE, Number(process.env.E2E_STACK_START_MS) || undefined)]);
    app.demo = JSON.parse(fs.readFileSync(path.join(app.dataDir, 'demo-credentials.json'), 'utf8'));
  });
  afterAll(async () => {
    await app.browser?.close();
    if (stack) {
      stack.child.kill('SIGTERM');
      await stack.exited;
    }
    if (app.dataDir) fs.rmSync(app.dataDir, { recursive: true, force: true });
  });

  app.user = (role) => {
    const found = app.demo.users.find((u) => u.role === role);
    if (!found) throw new Error(`no demo user with role ${role}`);
    return found;
  };
  app.signedIn = async (role, name, target = '/') => {
    const { context, page, errors } = await newPage(app.browser, app.demo.apiUrl);
    app.errors[name] = errors;
    await page.goto('/sign-in');
    await signIn(page, app.user(role).email, app.user(role).password, name);
    await page.getByTestId('signed-in-as').waitFor();
    if (target !== '/') await page.goto(target);
    const done = async () => {
      await page.goto('/');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/sign-in(\?|$)/);
      await context.close();
    };
    return { context, page, done };
  };
  const tokens = new Map<string, string>();
  app.token = async (role) => {
    // One session per role (a user may have only two at once).
    const cached = tokens.get(role);
    if (cached) return cached;
    const res = await call({ url: app.demo.apiUrl }, 'POST', '/api/auth/login', { body: { email: app.user(role).email, password: app.user(role).password, deviceName: 'test arrangement' } });
    if (res.status !== 200) throw new Error(`sign-in of ${role} answered ${res.status}: ${JSON.stringify(res.body)}`);
    const token = (res.body as { token: string }).token;
    tokens.set(role, token);
    return token;
  };
  app.addUser = async (role) => {
    const user = { email: `${role}-${randomBytes(3).toString('hex')}@demo.taalmel.test`, name: `Test ${role}`, role, password: `Pw-${randomBytes(12).toString('hex')}` };
    const token = await app.token('firm_admin');
    // Creating a user is sensitive: the firm admin confirms the password first.
    const reauth = await call({ url: app.demo.apiUrl }, 'POST', '/api/auth/reauth', { token, body: { password: app.user('firm_admin').password } });
    if (reauth.status !== 204) throw new Error(`re-authentication answered ${reauth.status}: ${JSON.stringify(reauth.body)}`);
    const res = await call({ url: app.demo.apiUrl }, 'POST', '/api/users', { token, body: user });
    if (res.status !== 201) throw new Error(`creating a ${role} answered ${res.status}: ${JSON.stringify(res.body)}`);
    app.demo.users.push({ email: user.email, password: user.password, role });
  };
  return app;
}

/**
 * "Confirm it is you": the re-authentication dialog a sensitive route opens, answered with the
 * password. With `otherwise`, the dialog may not come (the password was confirmed in the last ten
 * minutes): whichever of the two appears first decides.
 */
export async function confirmItIsYou(page: Page, password: string, otherwise?: Locator): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
  if (otherwise) {
    await dialog.or(otherwise).first().waitFor();
    if (!(await dialog.isVisible())) return;
  }
  await dialog.getByLabel(labelled('Password')).fill(password);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Exactly this label, also on a required field (whose label ends with Mantine's asterisk). */
export function labelled(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\*?$`);
}

/** Chooses `option` in a select (Mantine's combobox) labelled `label` inside `scope`, typing `search` first when given. */
export async function choose(page: Page, scope: Locator | Page, label: string, option: string | RegExp, search?: string): Promise<void> {
  const input = scope.getByLabel(labelled(label)).first();
  try {
    if (search) await input.fill(search);
    else await input.click();
    await page.getByRole('option', { name: option }).first().click();
  } catch (error) {
    // Say what the form looked like: the labels it had and the options shown.
    const labels = await scope.locator('label').allInnerTexts();
    const options = await page.getByRole('option').allInnerTexts();
    throw new Error(`choosing ${String(option)} in "${label}" failed (labels: ${JSON.stringify(labels)}; options: ${JSON.stringify(options.slice(0, 20))}): ${(error as Error).message}`);
  }
}
