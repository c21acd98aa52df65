/**
 * In a real Chromium, against the real api (with the AdminJS console and the built web app),
 * PostgreSQL, a worker and Mailpit: a firm admin's console edit of a client above ₹5 crore to
 * quarterly (QRMP) filing is refused on the form with the API's own sentence as the notice and its
 * words under Filing Frequency, and nothing of the form is written; and the web app's "Mark all
 * read" on Notifications marks the person's own notifications read (and only theirs), after which
 * the list shows none unread and the button goes.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { call, login } from '../harness/api';
import { startAccountsStack, type AccountsStack } from '../integration/accounts/helpers';
import { launchBrowser, newPage, signIn } from './browser';
import { ROOT } from './stack';

jest.setTimeout(300_000);

describe("the console's QRMP refusal and the web app's Mark all read, in a browser", () => {
  let stack: AccountsStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startAccountsStack({ maxSessionsPerUser: 5, adminConsole: true, webRoot: path.join(ROOT, 'dist', 'web') }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("refuses a quarterly frequency above ₹5 crore on the console's form with the API's words, writing nothing", async () => {
    const { firm, db } = stack;
    const client = firm.clients[0]!;
    await db.owner('clients').where({ id: client.id }).update({ turnover_band: 'above_5cr', filing_frequency: 'monthly' });
    const before = await db.owner('clients').where({ id: client.id }).first('name', 'filing_frequency');
    // The API's answer to the same change: the words the console must show.
    const token = await login(stack.api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const refused = await call(stack.api, 'PATCH', `/api/clients/${client.id}`, { token, body: { filingFrequency: 'quarterly' } });
    expect([refused.status, refused.body.error?.code]).toEqual([422, 'qrmp_turnover_limit']);
    const sentence = refused.body.error.message as string;
    const fieldWords = refused.body.error.details.fields.filingFrequency as string;

    const { page, context, errors } = await newPage(browser, stack.api.url);
    await page.goto('/admin/login');
    await page.getByLabel('Email').fill(firm.users.firm_admin.email);
    await page.getByLabel('Password').fill(firm.users.firm_admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/?$/);

    // AdminJS bundles its components on first request: allow for it on a loaded machine.
    await page.goto(`/admin/resources/clients/records/${client.id}/edit`);
    const name = page.locator('input#name');
    await name.waitFor({ timeout: 180_000 });
    await name.fill('Should Not Stick');
    await name.press('Tab');
    const frequency = page.getByTestId('property-edit-filingFrequency');
    await frequency.click();
    await frequency.locator('input').fill('quarterly');
    await frequency.locator('input').press('Enter');
    await frequency.getByText('quarterly', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();

    // The notice is the API's sentence; the field says the API's words under itself.
    await page.getByText(sentence, { exact: true }).waitFor();
    await frequency.getByText(fieldWords, { exact: true }).waitFor();
    expect(await db.owner('clients').where({ id: client.id }).first('name', 'filing_frequency')).toEqual(before);
    expect(await db.owner('client_frequency_changes').where({ client_id: client.id })).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('marks all of the signed-in person\'s notifications read from the Notifications page, and only theirs', async () => {
    const { firm, db } = stack;
    const manager = firm.users.manager;
    const staff = firm.users.staff;
    const mine = await db
      .owner('notifications')
      .insert([
        { firm_id: firm.id, user_id: manager.id, kind: 'sign_in_new_ip', payload: { ip: '203.0.113.7', deviceName: 'Hotel lobby PC' } },
        { firm_id: firm.id, user_id: manager.id, kind: 'sign_in_new_ip', payload: { ip: '198.51.100.23', deviceName: 'Borrowed tablet' } },
      ])
      .returning('id');
    const [theirs] = await db.owner('notifications').insert({ firm_id: firm.id, user_id: staff.id, kind: 'sign_in_new_ip', payload: { ip: '192.0.2.55', deviceName: 'Staff laptop' } }).returning('id');

    const { page, context, errors } = await newPage(browser, stack.api.url);
    await page.goto('/sign-in');
    await signIn(page, manager.email, manager.password, 'Manager desktop');
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    await page.goto('/notifications');
    const lobby = page.getByText(/New sign-in from 203\.0\.113\.7 on “Hotel lobby PC”/);
    await lobby.waitFor();
    // Unread ones are in bold.
    const weight = () => lobby.evaluate((el) => Number((globalThis as unknown as { getComputedStyle(e: unknown): { fontWeight: string } }).getComputedStyle(el).fontWeight));
    expect(await weight()).toBeGreaterThanOrEqual(600);

    const button = page.getByRole('button', { name: 'Mark all read' });
    await button.click();
    await button.waitFor({ state: 'detached' });
    expect(await weight()).toBeLessThan(600);
    const read = await db.owner('notifications').whereIn('id', [...mine.map((r: { id: string }) => r.id), theirs.id]).select('id', 'read_at');
    const readAt = Object.fromEntries(read.map((r: { id: string; read_at: Date | null }) => [r.id, r.read_at !== null]));
    expect(readAt).toEqual({ [mine[0].id]: true, [mine[1].id]: true, [theirs.id]: false });
    // Read again, the page agrees: nothing unread, no button.
    await page.reload();
    await lobby.waitFor();
    expect(await page.getByRole('button', { name: 'Mark all read' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
