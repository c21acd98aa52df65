/**
 * The web app in a real Chromium against a fresh `npm start` (real PostgreSQL, Temporal server and
 * worker): a page without a session goes to sign-in and back; staff creates a client, uploads both
 * files (another period's register first: warned before the run, later undone), runs a
 * reconciliation, filters the results, links two rows, exports a real workbook,
 * finds the run in the firm-wide view of the period, then requests the close, which they cannot
 * approve; a manager approves it in the inbox and the period shows closed; Home shows the period open
 * and then waiting for a decision; a client user sees only their own client; a reviewer turns on
 * two-factor authentication from the QR code and signs in with a code; a third device sign-in offers
 * to sign one out; only the firm admin is linked to the admin console and the Temporal UI. Along the
 * way: axe-core finds no serious violation on the main pages, no page logs an error, and the main
 * pages are photographed.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import jsQR from 'jsqr';
import { generateSync } from 'otplib';
import type { Page } from 'playwright-core';
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../ops/bench/recon-data';
import { choose, labelled, newGstin, useAppStack } from './app-stack';
import { newPage, screenshot, seriousA11yViolations, signIn } from './browser';

jest.setTimeout(420_000);

/** Polls until `probe` holds (the page updates from the server at its own pace). */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const categoriesShown = (page: Page) =>
  page.getByTestId('result-row').evaluateAll((rows) => [...new Set(rows.map((r) => (r as unknown as { dataset: { category?: string } }).dataset.category))]);

describe('the web app in a browser', () => {
  const app = useAppStack('web');
  const { errors } = app;
  const user = (role: string) => app.user(role);

  it('staff reconciles a new client and asks to close; a manager approves; the period closes', async () => {
    const staff = await newPage(app.browser, app.demo.apiUrl);
    errors.staff = staff.errors;
    const page = staff.page;

    // No session: to sign-in, then back to the page asked for.
    await page.goto('/clients');
    await page.waitForURL(/\/sign-in\?next=%2Fclients$/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');
    await signIn(page, user('staff').email, user('staff').password, 'Office desktop');
    await page.waitForURL(/\/clients$/);
    await page.getByRole('link', { name: 'Meridian Components Pvt Ltd' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A new client, its GSTIN checked as typed.
    const gstin = newGstin();
    const name = `Kaveri Engineering ${randomBytes(2).toString('hex')}`;
    await page.getByRole('button', { name: 'New client' }).click();
    await page.getByLabel('Legal name').fill(name);
    await page.getByLabel('GSTIN').fill(`${gstin.slice(0, 14)}${gstin[14] === 'A' ? 'B' : 'A'}`);
    await page.getByText('The last character (check character) does not match').waitFor();
    await page.getByLabel('GSTIN').fill(gstin);
    await page.getByText('State: Maharashtra').waitFor();
    await page.getByLabel('Email for requests').fill('accounts@kaveri.example');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.waitForURL(/\/clients\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name }).waitFor();
    const clientUrl = page.url();

    // Both files by the signed-URL flow, then the run.
    const period = '2024-06';
    const data = generateReconData({ n: 240, seed: 5, period, recipientGstin: gstin });
    // A purchase return the books hold and 2B does not show yet: no ITC at risk, shown beside it.
    const lastSupplier = [...data.books].sort((a, b) => (a.supplierGstin < b.supplierGstin ? 1 : -1))[0]!;
    data.books.push({ ...lastSupplier, rowRef: 'pr.csv:9001', docType: 'credit_note', invoiceNumberRaw: 'CN/RET/77', voucherNumber: 'DN-77', invoiceDate: `${period}-28`, voucherDate: `${period}-28`, taxableValue: 10_000_00, igst: 1_800_00, cgst: 0, sgst: 0, cess: 0, invoiceValue: 11_800_00, itcEligible: true });
    await page.getByRole('link', { name: 'Reconcile a period' }).click();
    await page.waitForURL(/\/reconcile$/);
    await page.getByLabel('Period', { exact: true }).fill(period);
    // A file the server refuses: its problems are listed, nothing is kept.
    await page.getByTestId('file-purchase_register').setInputFiles({ name: 'notes.csv', mimeType: 'text/csv', buffer: Buffer.from('remarks,owner\nchase supplier,Sita\n') });
    await page.getByText('notes.csv was not accepted').waitFor();
    // Another period's register: kept, with a warning to check the period before running.
    const october = generateReconData({ n: 40, seed: 9, period: '2024-10', recipientGstin: gstin });
    await page.getByTestId('file-purchase_register').setInputFiles({ name: 'register-october.csv', mimeType: 'text/csv', buffer: Buffer.from(toRegisterCsv(october)) });
    await page.getByText(/register-october\.csv: [\d,]+ documents read/).waitFor();
    const periodWarning = page.getByText('Check the period before running');
    await periodWarning.waitFor();
    await page.getByText(/documents are dated after the period \(2024-06-30\)/).first().waitFor();
    await page.getByTestId('file-purchase_register').setInputFiles({ name: 'register-june.csv', mimeType: 'text/csv', buffer: Buffer.from(toRegisterCsv(data)) });
    await page.getByText(/register-june\.csv: [\d,]+ documents read/).waitFor();
    await periodWarning.waitFor({ state: 'detached' });
    await page.getByTestId('file-gstr2b').setInputFiles({ name: 'gstr2b-june.json', mimeType: 'application/json', buffer: Buffer.from(toGstr2bJson(data)) });
    await page.getByText(/gstr2b-june\.json: [\d,]+ documents read/).waitFor();
    await page.getByRole('button', { name: 'Start reconciliation' }).click();
    await page.waitForURL(/\/reconciliations\/[0-9a-f-]{36}/);
    await page.getByText('ITC available in 2B').waitFor({ timeout: 120_000 });
    await page.getByTestId('result-row').first().waitFor();
    // The credit note not yet in 2B, in plain words under the ITC at risk it is not part of.
    await page.getByText('₹1,800.00 of credit notes not yet in 2B (not at risk)').first().waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'reconciliation');

    // A credit note's taxable values carry the minus sign the CSV and the workbook give them.
    const creditNotes = await page.getByTestId('result-row').evaluateAll((rows) =>
      rows.map((r) => Array.from((r as unknown as { querySelectorAll(q: string): ArrayLike<{ textContent: string | null }> }).querySelectorAll('[role="gridcell"]'), (c) => c.textContent ?? '')).filter((cells) => cells[3]!.startsWith('CN/')).map((cells) => ({ number: cells[3], books: cells[5], portal: cells[6] })),
    );
    expect(creditNotes.length).toBeGreaterThan(0);
    expect(creditNotes.filter((n) => ![n.books, n.portal].every((v) => v === '—' || v!.startsWith('-₹')))).toEqual([]);

    // A mismatch side by side, the differing fields highlighted.
    await page.getByRole('button', { name: /^Mismatch/ }).click();
    await until('only mismatches', async () => JSON.stringify(await categoriesShown(page)) === '["mismatch"]');
    await page.getByTestId('result-row').first().click();
    const drawer = page.getByRole('dialog');
    await drawer.getByRole('table', { name: 'Books and GSTR-2B side by side' }).waitFor();
    expect(await drawer.locator('td.diff').count()).toBeGreaterThan(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'row-detail');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });

    // Filter by category: only that category's rows.
    await page.getByRole('button', { name: /^Missing in 2B/ }).click();
    await until('only missing-in-2B rows', async () => JSON.stringify(await categoriesShown(page)) === '["missing_in_2b"]');
    const linkedBefore = await page.getByRole('button', { name: /^Matched manually/ }).count();
    expect(linkedBefore).toBe(0);
    await page.getByRole('checkbox', { name: /for linking/ }).first().check();
    await page.getByRole('button', { name: /^Missing in books/ }).click();
    await until('only missing-in-books rows', async () => JSON.stringify(await categoriesShown(page)) === '["missing_in_books"]');
    await page.getByRole('checkbox', { name: /for linking/ }).first().check();
    await page.getByRole('button', { name: 'Link selected (2)' }).click();
    await page.getByText('Linked. The figures are updated.').waitFor();
    await page.getByRole('button', { name: /^Matched manually\s*1$/ }).waitFor();

    // Export: a real workbook.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('button', { name: 'Export', exact: true })
        .click()
        .then(() => page.getByRole('menuitem', { name: 'Excel workbook (XLSX)' }).click()),
    ]);
    expect(download.suggestedFilename()).toBe(`reconciliation-${gstin}-${period}.xlsx`);
    const file = path.join(app.dataDir, 'export.xlsx');
    await download.saveAs(file);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets.length).toBeGreaterThan(1);
    expect(workbook.worksheets.map((w) => w.rowCount).reduce((a, b) => a + b, 0)).toBeGreaterThan(200);

    // The firm-wide view of the period: this client's latest run with its ITC at risk, which is the
    // practice's whole total (the demo clients have no run for the period).
    const runUrl = page.url();
    await page.getByRole('link', { name: 'Firm-wide view' }).click();
    await page.getByLabel('Period', { exact: true }).fill(period);
    const line = page.getByRole('table', { name: 'Latest reconciliation of each client' }).getByRole('row').filter({ hasText: name });
    await line.waitFor();
    const total = (await page.getByLabel('Total ITC at risk').textContent()) ?? '';
    expect(total).toMatch(/^₹[\d,]+\.\d{2}$/);
    expect(await line.textContent()).toContain(total);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The wrong upload undone from the client's imports: nothing used it, so it is discarded.
    await page.goto(clientUrl);
    await page.getByRole('tab', { name: 'Imports' }).click();
    const wrongUpload = page.getByRole('row').filter({ hasText: 'register-october.csv' });
    page.once('dialog', (dialog) => void dialog.accept());
    await wrongUpload.getByRole('button', { name: 'Undo the upload of register-october.csv' }).click();
    await wrongUpload.getByText('Discarded').waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'register-june.csv' }).getByText('Validated').count()).toBe(1);

    // Home: the period is open and reconciled, ready to ask for its close; staff has no link out of the app.
    await page.goto('/');
    const openLine = page.getByRole('table', { name: 'Open' }).getByTestId('home-period').filter({ hasText: `${name} · Jun 2024` });
    await openLine.waitFor();
    expect(await openLine.textContent()).toContain('Reconciled: ready to ask for the close');
    expect(await page.getByRole('link', { name: /^Admin console/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /^Temporal UI/ }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.goto(runUrl);

    // Close: requested by staff, who cannot approve it.
    await page.getByRole('link', { name: 'Period close' }).click();
    await page.getByRole('button', { name: 'Request close' }).click();
    await page.getByText('Close request waiting for a decision').waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    const periodUrl = page.url();
    // A period not over is not offered for its close: the button waits with the first day it can be
    // asked. Next month (IST), not the running one: next month is still not over on the server
    // should the month turn between this line and the page's render.
    const india = new Date(Date.now() + 5.5 * 3600_000);
    const nextMonth = new Date(Date.UTC(india.getUTCFullYear(), india.getUTCMonth() + 1, 1));
    const notOver = `${nextMonth.getUTCFullYear()}-${String(nextMonth.getUTCMonth() + 1).padStart(2, '0')}`;
    const opens = new Date(Date.UTC(india.getUTCFullYear(), india.getUTCMonth() + 2, 1));
    const notOverPath = new URL(periodUrl).pathname.replace(/\/periods\/\d{4}-\d{2}/, `/periods/${notOver}`);
    await page.goto(notOverPath);
    const closeOpens = page.getByTestId('close-opens');
    await closeOpens.waitFor();
    const hint = `can be closed from 01-${String(opens.getUTCMonth() + 1).padStart(2, '0')}-${opens.getUTCFullYear()}`;
    expect(await closeOpens.textContent()).toBe(hint);
    expect(await page.getByRole('button', { name: 'Request close' }).isDisabled()).toBe(true);
    await page.goto(periodUrl);
    // The server decides, not the browser: a laptop whose clock runs two months ahead (past the day
    // the period can be closed, by its own reckoning) still waits, as the API would refuse the close.
    const ahead = await app.signedIn('staff', 'Laptop with a wrong clock');
    try {
      await ahead.context.clock.setFixedTime(new Date(opens.getTime() + 20 * 86_400_000));
      await ahead.page.goto(notOverPath);
      const wrongClockHint = ahead.page.getByTestId('close-opens');
      await wrongClockHint.waitFor();
      expect([await wrongClockHint.textContent(), await ahead.page.getByRole('button', { name: 'Request close' }).isDisabled()]).toEqual([hint, true]);
      // Shown again (a tab brought back after midnight), the page asks the server again rather than
      // trust what it read, however fresh the browser's clock says that is.
      const asked = ahead.page.waitForRequest((r) => r.method() === 'GET' && new URL(r.url()).pathname.endsWith(`/periods/${notOver}`));
      await ahead.page.evaluate("window.dispatchEvent(new Event('visibilitychange'))");
      await asked;
    } finally {
      await ahead.done();
    }
    // Home now lists it as waiting for a decision, asked by staff.
    await page.goto('/');
    const waitingLine = page.getByRole('table', { name: 'Waiting for a decision' }).getByTestId('home-period').filter({ hasText: `${name} · Jun 2024` });
    await waitingLine.waitFor();
    expect(await waitingLine.textContent()).toContain(`asked by ${user('staff').email}`);
    expect(await page.getByRole('table', { name: 'Open' }).getByTestId('home-period').filter({ hasText: `${name} · Jun 2024` }).count()).toBe(0);
    await screenshot(page, 'home');
    await page.goto('/approvals');
    await page.getByText('This page does not exist').waitFor();

    // The manager's inbox: approve; the period is closed.
    const manager = await newPage(app.browser, app.demo.apiUrl);
    errors.manager = manager.errors;
    await manager.page.goto('/approvals');
    await manager.page.waitForURL(/\/sign-in\?next=%2Fapprovals$/);
    await signIn(manager.page, user('manager').email, user('manager').password, 'Manager laptop');
    const row = manager.page.getByTestId('approval-row').filter({ hasText: name });
    await row.waitFor();
    expect(await seriousA11yViolations(manager.page)).toEqual([]);
    await screenshot(manager.page, 'approvals');
    await row.getByRole('button', { name: 'Approve' }).click();
    await manager.page.getByRole('button', { name: 'Approve and close' }).click();
    await manager.page.getByText('Approved: the period is closed.').waitFor();
    await page.goto(periodUrl);
    await page.getByText('This period is closed').waitFor();
    await screenshot(page, 'period-closed');

    // A tablet: nothing spills sideways.
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.goto('/clients');
    await page.getByRole('link', { name }).waitFor();
    const fits = await page.evaluate(() => {
      const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return g.document.documentElement.scrollWidth <= g.innerWidth;
    });
    expect(fits).toBe(true);
    await screenshot(page, 'clients-tablet');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in(\?|$)/);
    await staff.context.close();
    await manager.context.close();
  });

  it('shows a client user only their own client', async () => {
    const portal = await newPage(app.browser, app.demo.apiUrl);
    errors.portal = portal.errors;
    const [own, other] = app.demo.clients;
    await portal.page.goto('/');
    await signIn(portal.page, user('client').email, user('client').password);
    await portal.page.getByRole('link', { name: 'My business' }).click();
    await portal.page.getByRole('heading', { name: own!.name }).waitFor();
    expect(await portal.page.getByRole('button', { name: 'Reconcile a period' }).count()).toBe(0);
    expect(await portal.page.getByRole('link', { name: 'Reconcile a period' }).count()).toBe(0);
    expect(await portal.page.getByRole('link', { name: 'Approvals' }).count()).toBe(0);
    await portal.page.goto(`/clients/${other!.id}`);
    await portal.page.getByText('This client does not exist').waitFor();
    await portal.page.goto('/clients');
    await portal.page.getByRole('link', { name: own!.name }).waitFor();
    expect(await portal.page.getByRole('link', { name: other!.name }).count()).toBe(0);
    // The calendar: their own returns only.
    await portal.page.getByRole('link', { name: 'Calendar' }).click();
    await portal.page.getByRole('link', { name: own!.name }).first().waitFor();
    expect(await portal.page.getByRole('link', { name: other!.name }).count()).toBe(0);
    expect(await seriousA11yViolations(portal.page)).toEqual([]);
    await portal.context.close();
  });

  it('creates a reviewer without re-authentication; they turn on two-factor authentication from the QR code and are asked for a code at sign-in', async () => {
    // The firm admin creates the reviewer in "New user": creating a user is firm_admin only, with no
    // fresh password asked (only a role change or deactivation is sensitive).
    const reviewer = { email: `reviewer-${randomBytes(3).toString('hex')}@demo.taalmel.test`, password: `Pw-${randomBytes(12).toString('hex')}` };
    const admin = await app.signedIn('firm_admin', 'Admin desk', '/settings');
    try {
      await admin.page.getByRole('button', { name: 'New user' }).click();
      const form = admin.page.getByRole('dialog', { name: 'New user' });
      await form.getByLabel(labelled('Name')).fill('Rekha Iyer');
      await form.getByLabel(labelled('Email')).fill(reviewer.email);
      await choose(admin.page, form, 'Role', 'Reviewer');
      await form.getByLabel(labelled('First password')).fill(reviewer.password);
      await form.getByRole('button', { name: 'Create user' }).click();
      await admin.page.getByText('Rekha Iyer can now sign in.').waitFor();
      expect(await admin.page.getByRole('dialog', { name: 'Confirm it is you' }).count()).toBe(0);
      await form.waitFor({ state: 'detached' });
      await admin.page.getByRole('cell', { name: /^Rekha Iyer/ }).waitFor();
    } finally {
      // Signing out frees the admin's device for the device-limit test below.
      await admin.done();
    }
    const { context, page, errors: pageErrors } = await newPage(app.browser, app.demo.apiUrl);
    errors.reviewer = pageErrors;
    await page.goto('/account');
    await signIn(page, reviewer.email, reviewer.password, 'Reviewer laptop');
    await page.waitForURL(/\/account$/);

    // A weak new password: the refusal (details.fields.newPassword) shows under "New password", not elsewhere.
    await page.getByLabel(labelled('Current password')).fill(reviewer.password);
    await page.getByLabel(labelled('New password')).fill('password1234');
    await page.getByRole('button', { name: 'Change password' }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirm it is you' });
    await confirm.getByLabel(labelled('Password')).fill(reviewer.password);
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    // What a screen reader reads with each input: its description and error (aria-describedby).
    const describedText = async (label: string) => {
      const ids = ((await page.getByLabel(labelled(label)).getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
      return (await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(' | ');
    };
    const passwordForm = page.locator('form').filter({ has: page.getByRole('button', { name: 'Change password' }) });
    await until('the refusal under New password', async () => /too common/.test(await describedText('New password'))).catch(async (error: Error) => {
      throw new Error(`${error.message}; the form shows: ${await passwordForm.textContent()}`);
    });
    expect(await page.getByLabel(labelled('New password')).getAttribute('data-invalid')).toBe('true');
    expect(await describedText('Current password')).not.toMatch(/too common/);
    expect(await page.getByLabel(labelled('Current password')).getAttribute('data-invalid')).toBeNull();
    // The error's text is readable (AA contrast), and editing the input clears it.
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel(labelled('Current password')).fill('');
    await page.getByLabel(labelled('New password')).fill('');
    expect(await page.getByLabel(labelled('New password')).getAttribute('data-invalid')).toBeNull();

    await page.getByRole('button', { name: 'Set up' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'totp-setup');

    // What a phone's camera reads: the SVG drawn on a canvas, decoded by a QR reader.
    const pixels = JSON.parse(
      await page.evaluate<string>(`(async () => {
        const svg = document.querySelector('[data-testid="totp-qr"]');
        const img = new Image();
        img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 400;
        const ctx = canvas.getContext('2d');
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, 400, 400);
        ctx.drawImage(img, 0, 0, 400, 400);
        return JSON.stringify({ width: 400, height: 400, data: Array.from(ctx.getImageData(0, 0, 400, 400).data) });
      })()`),
    ) as { width: number; height: number; data: number[] };
    const decoded = jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height);
    const key = ((await page.getByLabel('Setup key').textContent()) ?? '').replace(/\s/g, '');
    expect(key).toMatch(/^[A-Z2-7]{16,}$/);
    expect(decoded?.data).toMatch(/^otpauth:\/\/totp\/Taalmel:/);
    expect(new URL(decoded!.data).searchParams.get('secret')).toBe(key);

    // The code the authenticator would show for that secret turns it on.
    const enabledAt = Math.floor(Date.now() / 1000);
    await page.getByLabel('Code from the app').fill(generateSync({ secret: key, epoch: enabledAt }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Two-factor authentication is on.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in(\?|$)/);

    // Signing in again asks for a code; a code is used once, so this one is of a later 30-second step.
    await signIn(page, reviewer.email, reviewer.password, 'Reviewer laptop');
    const codeField = page.getByLabel('Authenticator code');
    await codeField.waitFor();
    const now = Math.floor(Date.now() / 1000);
    const later = Math.floor(now / 30) > Math.floor(enabledAt / 30) ? now : now + 30;
    await codeField.fill(generateSync({ secret: key, epoch: later }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    await context.close();
  });

  it('offers to sign a device out on the third sign-in', async () => {
    // The firm admin: the test above signed them out again, so they start with no device.
    const admin = user('firm_admin');
    const devices = [];
    for (const deviceName of ['Laptop', 'Tablet']) {
      const d = await newPage(app.browser, app.demo.apiUrl);
      await d.page.goto('/sign-in');
      await signIn(d.page, admin.email, admin.password, deviceName);
      await d.page.getByTestId('signed-in-as').waitFor();
      devices.push(d);
    }
    const third = await newPage(app.browser, app.demo.apiUrl);
    errors.third = third.errors;
    await third.page.goto('/sign-in');
    await signIn(third.page, admin.email, admin.password, 'Phone');
    await third.page.getByText('You are signed in on too many devices').waitFor();
    // Each button's name starts with its visible words (label in name) and says which device it signs out.
    const signOuts = third.page.getByRole('button', { name: /^Sign out this one: / });
    expect(await signOuts.count()).toBe(2);
    await third.page.getByRole('button', { name: /^Sign out this one: Laptop, last active / }).click();
    await third.page.getByTestId('signed-in-as').waitFor();
    // A firm admin is linked to the console and, under npm start, to its own Temporal UI.
    expect(await third.page.getByRole('link', { name: /^Admin console/ }).getAttribute('href')).toBe('/admin');
    expect(app.demo.temporalUiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(await third.page.getByRole('link', { name: /^Temporal UI/ }).getAttribute('href')).toBe(app.demo.temporalUiUrl);
    // The laptop's session is gone: its next request sends it to sign-in.
    await devices[0]!.page.goto('/notifications');
    await devices[0]!.page.waitForURL(/\/sign-in/);
    for (const d of [...devices, third]) await d.context.close();
  });

  afterAll(() => {
    // No page of the app logged an error along the way.
    expect(errors).toEqual(Object.fromEntries(Object.keys(errors).map((k) => [k, []])));
  });
});
