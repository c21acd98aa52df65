/**
 * The firm admin's pages in a real Chromium against a fresh `npm start`: recording a filing (not
 * offered before the return's period ends), the firm's holidays and a notified extension from the
 * calendar; the SMTP and GSP forms (behind re-authentication; a stored password is never shown
 * or sent back); a client's export (status, then the signed download: a real ZIP with its
 * manifest) and erasure (typed name, then the signed certificate); retention (refused below the
 * legal minimum, then saved, with the planned deletions).
 * axe-core on each page; no page logs an error.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { call } from '../harness/api';
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
    await ext.getByLabel('New due date').fill(`${next.getUTCFullYear() + 1}-01-31`);
    await ext.getByLabel('Notification or circular').fill('Notification 09/2026-CT');
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
