/**
 * In a real Chromium, against the real api (with the AdminJS console and the built web app), a real
 * worker, PostgreSQL and Mailpit: a firm admin signs in to the console and lands on Taalmel's
 * dashboard (not AdminJS's welcome page), which names people by name and email with their devices;
 * the devices list names people too, never by bare id, and signs a device out from its own button. Then an invitee opens the emailed link in the
 * web app, chooses a password and signs in; and a person who mistyped their password sees the
 * attempts left, asks for a reset link and signs in with the new password. Under Firm & users the
 * admin also sends a user a reset link (the email names the admin; a fourth in the hour is refused
 * in the dialog with its wait).
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ROLES, SECURITY_EVENT_LABEL } from '../../db/console-labels';
import { RESET_LINK_GONE, RESET_LINK_INCOMPLETE } from '../../web/src/lib/account-links';
import { call, login } from '../harness/api';
import { startAccountsStack, linkTokenTo, type AccountsStack } from '../integration/accounts/helpers';
import { launchBrowser, newPage, screenshot, signIn } from './browser';
import { ROOT } from './stack';

jest.setTimeout(300_000);

describe('the console dashboard and an invitation, in a browser', () => {
  let stack: AccountsStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startAccountsStack({ maxSessionsPerUser: 5, adminConsole: true, webRoot: path.join(ROOT, 'dist', 'web') }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it("opens on Taalmel's dashboard, which shows people by name and email with their devices", async () => {
    const { firm } = stack;
    await login(stack.api, firm.users.staff.email, firm.users.staff.password, { deviceName: 'Staff phone Pixel' });
    const adminToken = await login(stack.api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const invitee = `dashboard.invitee.${Date.now()}@people.test`;
    expect((await call(stack.api, 'POST', '/api/invitations', { token: adminToken, body: { email: invitee, name: 'Dash Invitee', role: 'staff' } })).status).toBe(201);
    const { page, context, errors } = await newPage(browser, stack.api.url);
    await page.goto('/admin/login');
    await page.getByLabel('Email').fill(firm.users.firm_admin.email);
    await page.getByLabel('Password').fill(firm.users.firm_admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/?$/);

    // AdminJS bundles the component on first request: allow for it on a loaded machine.
    const dashboard = page.getByTestId('taalmel-dashboard');
    await dashboard.waitFor({ timeout: 180_000 });
    const people = page.getByTestId('people');
    for (const role of ['firm_admin', 'manager', 'staff', 'reviewer', 'client'] as const) {
      await people.getByText(firm.users[role].email, { exact: true }).waitFor();
      await people.getByText(`${role} of ${firm.name}`, { exact: false }).first().waitFor();
    }
    await people.getByText(/Staff phone Pixel/).waitFor();
    // Times read as in the web app: DD-MM-YYYY HH:mm IST.
    expect(await people.getByText(/Staff phone Pixel[^,]*, seen \d{2}-\d{2}-\d{4} \d{2}:\d{2} IST/).count()).toBe(1);
    // Roles and events in words, as the web app names them, never their codes.
    const roles = new Set(await people.locator('tbody tr td:nth-child(3)').allInnerTexts());
    expect([...roles].sort()).toEqual(['Client', 'Firm admin', 'Manager', 'Reviewer', 'Staff']);
    const events = await page.getByTestId('security-events').locator('tbody tr td:nth-child(2)').allInnerTexts();
    // Each one a label of a known event: an unknown action would read as its code's words, not a code.
    const labels = new Set(Object.values(SECURITY_EVENT_LABEL));
    expect({ events: events.length > 0, unknown: events.filter((e) => !labels.has(e)) }).toEqual({ events: true, unknown: [] });
    // An invitation's events name the invitee; the invitation waits under its own heading.
    await page.getByTestId('security-events').getByText(`Dash Invitee <${invitee}>`).first().waitFor();
    await page.getByTestId('invitations').getByText(invitee, { exact: true }).waitFor();
    await page.getByTestId('backup').getByText(/No backup has been verified/).waitFor();
    expect(await page.getByText('Welcome on Board').count()).toBe(0);
    await screenshot(page, 'console-dashboard');

    // The devices list names the person ("Name <email>"), never the bare user id.
    await page.goto('/admin/resources/sessions');
    await page.getByText(`staff of ${firm.name} <${firm.users.staff.email}>`).first().waitFor({ timeout: 60_000 });
    const listed = await page.locator('table').innerText();
    expect(listed).not.toContain(firm.users.staff.id);

    // The People list writes its times as the dashboard does: in IST, labelled.
    await page.goto('/admin/resources/users');
    const lastSignIn = page.locator('table tbody tr').filter({ hasText: firm.users.firm_admin.email }).getByText(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2} IST$/);
    await lastSignIn.first().waitFor({ timeout: 60_000 });
    // Its roles in words too (AdminJS's availableValues from the one list), never the codes.
    await page.locator('table tbody tr').filter({ hasText: firm.users.firm_admin.email }).getByText('Firm admin', { exact: true }).waitFor();
    const cells = (await page.locator('table tbody td').allInnerTexts()).map((t) => t.trim());
    expect(cells.filter((t) => (ROLES as readonly string[]).includes(t))).toEqual([]);

    // The audit trail names who acted the same way; no list of the console shows a person's bare id.
    await page.goto('/admin/resources/audit');
    await page.locator('table').getByText(`staff of ${firm.name} <${firm.users.staff.email}>`).first().waitFor({ timeout: 60_000 });
    // Each column in words (no "Actor Id", no second column repeating the address), what happened in
    // words, and an address kept whole on one line (AdminJS's cells break long words anywhere).
    // (textContent: the headings are shown in capitals, innerText would write them so.)
    const headings = (await page.locator('table thead tr').first().locator('th, td').allTextContents()).map((text) => text.trim());
    expect({ headings: headings.length > 0, codeLike: headings.filter((text) => /\b[A-Z][a-z]+ Id\b|Actor|List \d/.test(text)) }).toEqual({ headings: true, codeLike: [] });
    const column = headings.indexOf('What happened');
    expect({ column: column >= 0, headings }).toEqual({ column: true, headings });
    const happened = await page.locator(`table tbody tr td:nth-child(${column + 1})`).allInnerTexts();
    expect({ rows: happened.length > 0, codes: happened.filter((text) => /\w\.\w/.test(text)) }).toEqual({ rows: true, codes: [] });
    const address = page.locator('table tbody').getByText(`<${firm.users.staff.email}>`, { exact: true }).first();
    expect(await address.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { whiteSpace: string } }).getComputedStyle(el).whiteSpace)).toBe('nowrap');
    for (const resource of ['users', 'clients', 'sessions', 'audit']) {
      await page.goto(`/admin/resources/${resource}`);
      const rows = page.locator('table tbody tr');
      await rows.first().waitFor({ timeout: 60_000 });
      const text = await page.locator('table').innerText();
      const ids = Object.values(firm.users).map((u) => u.id).filter((id) => text.includes(id));
      expect({ resource, ids }).toEqual({ resource, ids: [] });
    }

    // The device's own page offers "Sign this device out": AdminJS sends it as a GET from the console's page,
    // which the console accepts from there (a link from another site is refused).
    const phone = await stack.db.owner('sessions').where({ user_id: firm.users.staff.id, device_name: 'Staff phone Pixel' }).first();
    await page.goto(`/admin/resources/sessions/records/${phone.id}/show`);
    await page.getByRole('button', { name: 'Sign this device out' }).or(page.getByRole('link', { name: 'Sign this device out' })).first().click();
    await page.getByRole('button', { name: /confirm/i }).click();
    await page.getByText('The device is signed out.').waitFor();
    expect((await stack.db.owner('sessions').where({ id: phone.id }).first()).revoked_reason).toBe('revoked_by_admin');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an invitee opens the emailed link, chooses a password and signs in', async () => {
    const admin = await login(stack.api, stack.firm.users.firm_admin.email, stack.firm.users.firm_admin.password);
    const email = `browser.invitee.${Date.now()}@people.test`;
    expect((await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'Browser Invitee', role: 'reviewer' } })).status).toBe(201);
    const { token } = await linkTokenTo(email, 'invite');

    const { page, context, errors } = await newPage(browser, stack.api.url);
    await page.goto(`/invite/${token}`);
    await page.getByText(`Join ${stack.firm.name}`).waitFor();
    await page.getByLabel(/^Password(\s*\*)?$/).fill('browser chosen passphrase 64');
    await page.getByLabel('Password again').fill('browser chosen passphrase 64');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByText('Your account is ready').waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await signIn(page, email, 'browser chosen passphrase 64', 'Invitee laptop');
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    const me = (await page.evaluate(async () => (await fetch('/api/auth/me')).json())) as { user: Record<string, unknown> };
    expect(me.user).toMatchObject({ email, role: 'reviewer', name: 'Browser Invitee' });
    // The link worked once.
    await page.goto(`/invite/${token}`);
    await page.getByText(/expired or was already used/).waitFor();
    expect(errors.filter((e) => !e.includes('410'))).toEqual([]);
    await context.close();
  });

  it('a firm admin invites, resends and revokes under Firm & users, and unlocks a locked-out person', async () => {
    const { firm } = stack;
    const { page, context, errors } = await newPage(browser, stack.api.url);
    await page.goto('/sign-in');
    await signIn(page, firm.users.firm_admin.email, firm.users.firm_admin.password, 'Admin desktop');
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    await page.goto('/settings');

    // Invite: the emailed link opens the invitation.
    const email = `web.invitee.${Date.now()}@people.test`;
    await page.getByRole('button', { name: 'Invite someone' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite someone' });
    await dialog.getByLabel(/^Name/).fill('Web Invitee');
    await dialog.getByLabel(/^Email/).fill(email);
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${email}.`).waitFor();
    await page.getByText(email, { exact: true }).waitFor();
    const first = await linkTokenTo(email, 'invite', 1);
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${first.token}`)).body).toMatchObject({ email, name: 'Web Invitee', role: 'staff' });

    // Resend: a second link, and the first one stops working.
    await page.getByRole('button', { name: `Resend the invitation to ${email}` }).click();
    await page.getByText(`A new link is on its way to ${email}.`).waitFor();
    const second = await linkTokenTo(email, 'invite', 2);
    expect(second.token).not.toBe(first.token);
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${first.token}`)).status).toBe(410);

    // Revoke: the invitation leaves the list and its link is dead.
    await page.getByRole('button', { name: `Revoke the invitation to ${email}` }).click();
    await page.getByText(`The invitation to ${email} is revoked.`).waitFor();
    await page.getByText(email, { exact: true }).waitFor({ state: 'detached' });
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${second.token}`)).status).toBe(410);

    // Unlock: five wrong passwords pause the reviewer's sign-ins; the admin's Unlock ends that.
    const reviewer = firm.users.reviewer;
    const reviewerName = `reviewer of ${firm.name}`;
    const unlock = page.getByRole('button', { name: `Unlock sign-in for ${reviewerName}` });
    // No "Unlock" where nothing is held: the list is shown, the reviewer's row has none.
    await page.getByRole('button', { name: `Send password reset link to ${reviewerName}` }).waitFor();
    expect(await page.getByRole('button', { name: /^Unlock sign-in for / }).count()).toBe(0);
    for (let i = 0; i < 5; i += 1) await call(stack.api, 'POST', '/api/auth/login', { body: { email: reviewer.email, password: `a wrong guess ${i}` } });
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: reviewer.email, password: reviewer.password } })).status).toBe(429);
    await page.reload();
    await unlock.click();
    await page.getByText(`${reviewerName} can sign in again.`).waitFor();
    // Unlocked, the button goes: nothing is held any more.
    await unlock.waitFor({ state: 'detached' });
    expect((await call(stack.api, 'POST', '/api/auth/login', { body: { email: reviewer.email, password: reviewer.password } })).status).toBe(200);
    const unlocked = await stack.db.owner('audit_events').where({ firm_id: firm.id, entity_id: reviewer.id, action: 'user.unlocked' }).first();
    expect(unlocked?.actor_id).toBe(firm.users.firm_admin.id);

    // Send password reset link: confirmed in a dialog, emailed to the reviewer naming the admin; a
    // fourth within the hour is refused in the dialog with the wait its Retry-After names.
    const sendReset = async () => {
      await page.getByRole('button', { name: `Send password reset link to ${reviewerName}` }).click();
      const confirm = page.getByRole('dialog', { name: 'Send password reset link' });
      await confirm.getByText(`It goes to ${reviewer.email} only`, { exact: false }).waitFor();
      await confirm.getByRole('button', { name: 'Send link' }).click();
      return confirm;
    };
    await sendReset();
    await page.getByText(`A password reset link is on its way to ${reviewer.email}.`).waitFor();
    const resetMail = await linkTokenTo(reviewer.email, 'reset');
    expect(resetMail.text.replace(/\s+/g, ' ')).toContain(`, your firm administrator at ${firm.name}, asked for a link to reset your Taalmel password.`);
    for (let i = 0; i < 2; i += 1) expect((await call(stack.api, 'POST', '/api/auth/password-reset', { body: { email: reviewer.email } })).status).toBe(202);
    const refused = await sendReset();
    await refused.getByRole('alert').getByText(/^Too many attempts; try again later\. Try again in \d+ (minutes?|hour)\.$/).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows the attempts left on sign-in, then resets a forgotten password through the emailed link', async () => {
    const manager = stack.firm.users.manager;
    const { page, context, errors } = await newPage(browser, stack.api.url);
    await page.goto('/sign-in');
    for (let i = 0; i < 3; i += 1) await signIn(page, manager.email, `wrong password number ${i}`);
    await page.getByRole('alert').getByText('2 attempts left', { exact: false }).waitFor();

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(manager.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText('is on its way').waitFor();
    const { token } = await linkTokenTo(manager.email, 'reset');

    await page.goto(`/reset/${token}`);
    // Until when the link works, in IST as every time the app shows.
    await page.getByText(/This link works once, until \d{2}-\d{2}-\d{4} \d{2}:\d{2} IST\./).waitFor();
    await page.getByLabel(/^New password(\s*\*)?$/).fill('a fresh browser passphrase 19');
    await page.getByLabel('New password again').fill('a fresh browser passphrase 19');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByText('Your new password is set').waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await signIn(page, manager.email, 'a fresh browser passphrase 19', 'Manager desktop');
    await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
    // The used link, opened again, says so at once: no password form to fill in first.
    await page.goto(`/reset/${token}`);
    await page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    await page.getByRole('alert').getByText(RESET_LINK_GONE).waitFor();
    expect({ form: await page.getByRole('button', { name: 'Set the password' }).count(), newLink: await page.getByRole('link', { name: 'Ask for a new link' }).count(), signIn: await page.getByRole('link', { name: 'Sign in' }).count() }).toEqual({ form: 0, newLink: 1, signIn: 1 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('explains a reset address with its code cut off (/reset, /reset/) instead of sending to sign-in', async () => {
    const { page, context, errors } = await newPage(browser, stack.api.url);
    for (const path of ['/reset', '/reset/']) {
      await page.goto(path);
      await page.getByRole('heading', { name: 'This link is incomplete' }).waitFor();
      await page.getByRole('alert').getByText(RESET_LINK_INCOMPLETE).waitFor();
      const seen = { path, at: new URL(page.url()).pathname, newLink: await page.getByRole('link', { name: 'Ask for a new link' }).count(), form: await page.getByRole('button', { name: 'Set the password' }).count() };
      expect(seen).toEqual({ path, at: path, newLink: 1, form: 0 });
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
