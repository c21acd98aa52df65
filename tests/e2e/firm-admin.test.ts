/**
 * The firm admin's pages in a real Chromium against a fresh `npm start`: recording a filing (not
 * offered before the return's period ends), the firm's holidays and a notified extension from the
 * calendar; the SMTP and GSP forms (behind re-authentication; a stored password is never shown
 * or sent back); a client's export (status, then the signed download: a real ZIP with its
 * manifest) and erasure (typed name, then the signed certificate); retention (refused below the
 * legal minimum, then saved, with the planned deletions); "Send test email" through the saved SMTP
 * server (the message in the local catcher, "Test email sent"), and an unreachable server's refusal.
 * axe-core on each page; no page logs an error.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { plusDays } from '../../domain/calendar/dates';
import { freePort } from '../../ops/ports';
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { confirmItIsYou, labelled, newGstin, useAppStack } from './app-stack';
import { screenshot, seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

describe('firm admin pages in the browser', () => {
  const app = useAppStack('firm-admin');

  it('records a filing, a holiday and an extension from the calendar', async () => {
    const { page, done } = await app.signedIn('firm_admin', 'admin-calendar', '/calendar');
    const row = page.getByTestId('calendar-row').filter({ has: page.getByRole('button', { name: /^Record filing of GSTR-3B/, disabled: false }) }).first();
    const button = row.getByRole('button', { name: /^Record filing of GSTR-3B/ });
    const label = (await button.getAttribute('aria-label'))!;
    await button.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('ARN').fill('AA27');
    await dialog.getByRole('button', { name: 'Record filing' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'an ARN is 15 letters and digits' }).waitFor();
    await dialog.getByLabel('ARN').fill('AA2712260012345');
    await dialog.getByRole('button', { name: 'Record filing' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(/ARN AA2712260012345/).waitFor();
    expect(await page.getByRole('button', { name: label }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Next month's monthly returns report this month, which is not over: their button waits, with the first filing day.
    const india = new Date(Date.now() + 5.5 * 3600_000);
    const after = new Date(Date.UTC(india.getUTCFullYear(), india.getUTCMonth() + 1, 1));
    const monthKey = (d: Date) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    await page.getByLabel('Month').fill(monthKey(after));
    const waiting = page.getByTestId('calendar-row').filter({ has: page.getByRole('button', { name: /^Record filing of GSTR-3B/, disabled: true }) }).first();
    await waiting.waitFor();
    const [year, month] = monthKey(after).split('-');
    expect(await waiting.getByTestId('filing-opens').textContent()).toBe(`can be filed from 01-${month}-${year}`);
    await page.getByLabel('Month').fill(monthKey(india));

    // A firm holiday, saved and read back.
    await page.getByRole('button', { name: 'Holidays' }).click();
    const holidays = page.getByRole('dialog', { name: "The firm's working days" });
    const day = `${new Date().getUTCFullYear() + 1}-08-19`;
    await holidays.getByLabel('Holiday date').fill(day);
    await holidays.getByLabel('Holiday name').fill('Firm foundation day');
    await holidays.getByRole('button', { name: 'Add holiday' }).click();
    await holidays.getByRole('button', { name: 'Save holidays' }).click();
    await holidays.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Holidays' }).click();
    await page.getByRole('dialog', { name: "The firm's working days" }).getByTestId('holiday-row').filter({ hasText: 'Firm foundation day' }).waitFor();
    await page.getByRole('dialog', { name: "The firm's working days" }).getByRole('button', { name: 'Cancel' }).click();

    // An extension: a wrong request is refused with the field named; a right one is recorded.
    await page.getByRole('button', { name: 'Record an extension' }).click();
    const ext = page.getByRole('dialog', { name: 'A notified extension' });
    const next = new Date(Date.now() + 40 * 86_400_000);
    const period = `${next.getUTCFullYear()}-${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
    await ext.getByLabel('Period').fill(period);
    await ext.getByLabel('Notification or circular').fill('Notification 09/2026-CT');
    // A mistyped year, far past any notified extension: refused in the dialog, the due date named, nothing recorded.
    // Only what an extension would change: `today` and each item's `status` turn with the IST date,
    // which may change between the two reads (18:30 UTC).
    const calendarOf = async () => {
      const { body } = await call({ url: app.demo.apiUrl }, 'GET', `/api/calendar?from=${period}-01&to=${plusDays(`${period}-01`, 70)}&limit=500`, { token: await app.token('firm_admin') });
      const items = (body as { items: Array<Record<string, unknown>> }).items;
      return items.map((i) => [i.clientId, i.returnType, i.period, i.dueDate, i.extendedDueDate].join(' ')).sort();
    };
    const before = await calendarOf();
    expect(before.length).toBeGreaterThan(0);
    await ext.getByLabel('New due date').fill('2099-01-31');
    await ext.getByRole('button', { name: 'Record extension' }).click();
    const refusal = ext.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/more than 2 years after the statutory due date.*dueDate: at most 2 years after/);
    // Nothing recorded: the calendar's due dates for the period's returns are as they were.
    expect(await calendarOf()).toEqual(before);
    await ext.getByLabel('New due date').fill(`${next.getUTCFullYear() + 1}-01-31`);
    await ext.getByRole('button', { name: 'Record extension' }).click();
    await ext.waitFor({ state: 'detached' });
    await page.getByText('Extension recorded: the due dates moved.').waitFor();
    await done();
  });

  it('saves SMTP and GSP settings behind re-authentication and never shows the password', async () => {
    const { page, done } = await app.signedIn('firm_admin', 'admin-settings', '/settings');
    const password = `smtp-${randomBytes(8).toString('hex')}`;
    const smtp = page.getByRole('form', { name: 'SMTP server' });
    await smtp.getByLabel('Host').fill('smtp.sharmaco.example');
    await smtp.getByLabel(labelled('Port')).fill('587');
    await smtp.getByLabel('User name').fill('accounts');
    await smtp.getByLabel(labelled('Password')).fill(password);
    await smtp.getByLabel('From address').fill('Sharma & Co <accounts@sharmaco.example>');
    await smtp.getByRole('button', { name: 'Save SMTP server' }).click();
    await confirmItIsYou(page, app.user('firm_admin').password);
    await page.getByText('Password stored').first().waitFor();
    await page.reload();
    await page.getByRole('form', { name: 'SMTP server' }).getByLabel('Host').waitFor();
    expect(await page.getByRole('form', { name: 'SMTP server' }).getByLabel('Host').inputValue()).toBe('smtp.sharmaco.example');
    expect(await page.getByRole('form', { name: 'SMTP server' }).getByLabel(labelled('Password')).inputValue()).toBe('');
    expect(await page.content()).not.toContain(password);

    const gsp = page.getByRole('form', { name: 'GSP credentials' });
    await gsp.getByLabel('Provider').fill('Example GSP');
    await gsp.getByLabel('GSP user name').fill('sharmaco');
    await gsp.getByLabel(labelled('Password')).fill(`gsp-${randomBytes(8).toString('hex')}`);
    await gsp.getByRole('button', { name: 'Save GSP credentials' }).click();
    await page.getByText('GSP credentials saved.', { exact: false }).waitFor();
    expect(await page.getByText('Password stored').count()).toBe(2);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'settings');
    await done();
  });

  it('sends a test email through the saved SMTP server and says so, and shows the refusal of an unreachable one', async () => {
    const { page, done } = await app.signedIn('firm_admin', 'admin-smtp-test', '/settings');
    const admin = app.user('firm_admin');
    const token = await app.token('firm_admin');
    const mail = app.demo.mail!;
    const user = `smtp-user-${randomBytes(4).toString('hex')}`;
    const password = `smtp-${randomBytes(8).toString('hex')}`;
    const smtp = page.getByRole('form', { name: 'SMTP server' });
    const saveAt = async (port: number) => {
      await smtp.getByLabel('Host').fill('127.0.0.1');
      await smtp.getByLabel(labelled('Port')).fill(String(port));
      await smtp.getByLabel('User name').fill(user);
      await smtp.getByLabel(labelled('Password')).fill(password);
      await smtp.getByLabel('From address').fill('Sharma & Co <accounts@sharmaco.example>');
      await smtp.getByRole('button', { name: 'Save SMTP server' }).click();
      // Re-authentication is asked unless the password was confirmed in the last ten minutes.
      const saved = page.getByRole('alert').filter({ hasText: 'SMTP server saved.' });
      await confirmItIsYou(page, admin.password, saved);
      await eventually(`the SMTP settings saved with port ${port}`, async () => (await call({ url: app.demo.apiUrl }, 'GET', '/api/settings/smtp', { token })).body.port === port);
      // Gone before the next save, so that save's own confirmation is the one waited for.
      await saved.waitFor({ state: 'detached' });
    };
    const testEmails = async () => {
      const res = await fetch(`${mail.apiUrl}/api/v1/search?query=${encodeURIComponent(`to:"${admin.email}" subject:"Taalmel: SMTP test"`)}`);
      const body = (await res.json()) as { messages: Array<{ ID: string; Subject: string; From: { Address: string }; To: Array<{ Address: string }> }> };
      return body.messages.filter((m) => m.Subject === 'Taalmel: SMTP test').map((m) => ({ from: m.From.Address, to: m.To.map((t) => t.Address) }));
    };

    // Through the local catcher: sent, said so in the result region that was already on the page.
    await saveAt(mail.smtpPort);
    const button = page.getByRole('button', { name: 'Send test email' });
    const hint = page.locator(`[id="${await button.getAttribute('aria-describedby')}"]`);
    expect(await hint.innerText()).toBe('Sends one message to your own address through the saved settings.');
    const result = page.getByRole('status', { name: 'Test email result' });
    expect(await result.innerText()).toBe('');
    await button.focus();
    await page.keyboard.press('Enter');
    await result.getByText('Test email sent').waitFor();
    const arrived = await eventually('the test email in the catcher', async () => {
      const found = await testEmails();
      return found.length ? found : null;
    }, 60_000, 250);
    expect(arrived).toEqual([{ from: 'accounts@sharmaco.example', to: [admin.email] }]);
    // The keyboard stays on the button once the message is sent.
    await button.and(page.locator(':focus')).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A port nobody listens on: the refusal in the server's words, announced as an alert, without
    // the user name or the password.
    await saveAt(await freePort());
    await button.focus();
    await page.keyboard.press('Enter');
    const refusal = page.getByRole('alert').filter({ hasText: 'Test email not sent' });
    await refusal.waitFor();
    const refused = await refusal.innerText();
    expect(refused).toMatch(/The SMTP server refused the test message: .*ECONNREFUSED/);
    expect([user, password].filter((s) => refused.includes(s))).toEqual([]);
    expect(await result.innerText()).toBe('');
    // The user name is shown in its field as stored; the password is nowhere in the page.
    expect(await page.content()).not.toContain(password);
    await button.and(page.locator(':focus')).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'smtp-test-refused');
    expect(await testEmails()).toHaveLength(1);
    await done();
  });

  it('sets retention behind re-authentication, refused below the legal minimum, and shows the planned deletions', async () => {
    const { page, done } = await app.signedIn('firm_admin', 'admin-retention', '/settings');
    const form = page.getByRole('form', { name: 'Retention' });
    await form.getByLabel('Uploaded files (months)').fill('60');
    await form.getByRole('button', { name: 'Save retention' }).click();
    await confirmItIsYou(page, app.user('firm_admin').password);
    await form.getByRole('alert').filter({ hasText: 'sourceFiles.retainMonths: at least 72 months' }).waitFor();
    await form.getByLabel('Uploaded files (months)').fill('72');
    await form.getByLabel('Reconciliation results (months)').fill('84');
    await form.getByRole('button', { name: 'Save retention' }).click();
    await page.getByText('Retention saved.').waitFor();
    await page.reload();
    await page.getByRole('form', { name: 'Retention' }).getByLabel('Uploaded files (months)').waitFor();
    expect(await page.getByRole('form', { name: 'Retention' }).getByLabel('Uploaded files (months)').inputValue()).toBe('72');
    expect(await page.getByRole('form', { name: 'Retention' }).getByLabel('Reconciliation results (months)').inputValue()).toBe('84');
    // The table is the API's plan (the nightly run's), less the classes kept.
    const plan = await call({ url: app.demo.apiUrl }, 'GET', '/api/retention/plan?limit=20', { token: await app.token('firm_admin') });
    const planned = (plan.body.items as Array<{ status: string }>).filter((i) => i.status !== 'kept').length;
    if (planned === 0) await page.getByText("Nothing is planned: every closed period's data is kept.").waitFor();
    else await page.getByTestId('retention-plan').waitFor();
    expect(await page.getByTestId('retention-item').count()).toBe(planned);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await done();
  });

  it('exports a client (a real ZIP through the signed URL) and erases another with a certificate', async () => {
    const { page, done } = await app.signedIn('firm_admin', 'admin-data', `/clients/${app.demo.clients[0]!.id}`);
    await page.getByRole('link', { name: 'Export or erase' }).click();
    await page.getByRole('button', { name: 'Request export' }).click();
    await confirmItIsYou(page, app.user('firm_admin').password);
    const status = page.getByTestId('export-status');
    const link = status.getByRole('link', { name: 'Download the ZIP' });
    await link.waitFor({ timeout: 180_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = path.join(app.dataDir, 'client-export.zip');
    await download.saveAs(file);
    const zip = fs.readFileSync(file);
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(zip.includes(Buffer.from('manifest.json'))).toBe(true);
    await status.getByText(/Downloaded .*each export downloads once/).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Erasure of a client made for it: the name typed to confirm, then the certificate.
    const name = `Erase Me Traders ${randomBytes(2).toString('hex')}`;
    const created = await call({ url: app.demo.apiUrl }, 'POST', '/api/clients', { token: await app.token('firm_admin'), body: { name, gstin: newGstin(), email: 'erase@me.example', filingFrequency: 'monthly' } });
    expect(created.status).toBe(201);
    await page.goto(`/clients/${(created.body as { id: string }).id}/data`);
    await page.getByLabel('Why is the client erased?').fill('Engagement ended; the client asked for erasure.');
    const erase = page.getByRole('button', { name: 'Erase the client' });
    await page.getByLabel(/Type the client's name to confirm/).fill(name.toUpperCase());
    expect(await erase.isDisabled()).toBe(true);
    await page.getByLabel(/Type the client's name to confirm/).fill(name);
    await erase.click();
    // The password was confirmed for the export a moment ago: asked again only if that was over ten minutes back.
    await confirmItIsYou(page, app.user('firm_admin').password, page.getByTestId('erasure-status'));
    const certificate = page.getByTestId('erasure-certificate');
    await certificate.waitFor({ timeout: 240_000 });
    await certificate.getByText('Audit chain after the erasure: verifies.').waitFor();
    await certificate.getByRole('table', { name: 'Deleted' }).getByRole('cell', { name: 'files', exact: true }).waitFor();
    await certificate.getByText('Kept, and why').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'erasure-certificate');
    await done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
