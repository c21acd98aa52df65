/**
 * A preparer's uploads and review in a real Chromium against a fresh `npm start`: a register with
 * two mistyped amounts is refused with each row placed by its line and the file's own column name
 * (no API field codes, no "details.errors"), the page says the file on record stays in use and reads
 * the client's imports again, whose Imports tab lists the refused attempt as rejected; a
 * good register and the 2B are read; in the run, a mismatch's panel says why in words (its reason and
 * remarks, as the exports do) and, once ignored, who ignored it; after the period is closed, an
 * action from a page opened before the close is refused in words with no script error, and the
 * reconcile page says the period is closed before any upload and offers no run, as does a reconcile
 * page opened before the close once an upload from it is refused. No page logs an error.
 */
import { flagLabels, reasonLabel } from '../../domain/recon/labels';
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../ops/bench/recon-data';
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { useAppStack } from './app-stack';

jest.setTimeout(420_000);

const PERIOD = '2024-06';

type Row = { id: string; category: string; reason: string; reasons: string[]; flags: string[]; books: { invoiceNumber: string } | null };

describe('register uploads and the review of a run in the browser', () => {
  const app = useAppStack('uploads');

  it('places row errors in the file, explains a mismatch in words, and says a closed period is closed', async () => {
    const client = app.demo.clients[0]!;
    const data = generateReconData({ n: 120, seed: 11, period: PERIOD, recipientGstin: client.gstin });
    const csv = toRegisterCsv(data);
    // Two amounts mistyped the way a hand-edited export has them (letter O for zero).
    const lines = csv.split('\r\n');
    const header = lines.findIndex((l) => l.startsWith('Date,'));
    const badLines = [header + 3, header + 9];
    for (const k of badLines) lines[k] = lines[k]!.replace(/"[0-9,]+\.\d\d"/, '"1,64,7OO.13"');
    expect(badLines.map((k) => lines[k]).filter((l) => !l!.includes('7OO'))).toEqual([]);

    const { page, done } = await app.signedIn('staff', 'staff', `/clients/${client.id}/reconcile`);
    await page.getByLabel('Period', { exact: true }).fill(PERIOD);
    const registerInput = page.getByTestId('file-purchase_register');

    // The good register first, so a refused one has a file on record to fall back on.
    await registerInput.setInputFiles({ name: 'register.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText(/register\.csv: [\d,]+ documents read/).waitFor();
    // The page's traffic in order: each read of the client's imports list, and the refused upload.
    const traffic: string[] = [];
    const importsPath = `/api/clients/${client.id}/imports`;
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname === importsPath) traffic.push('imports read');
    });
    page.on('response', (r) => {
      if (r.request().method() === 'PUT' && r.status() === 400) traffic.push('upload refused');
    });
    await registerInput.setInputFiles({ name: 'typos.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\r\n')) });
    const refusal = page.getByRole('alert').filter({ hasText: 'typos.csv was not accepted' });
    await refusal.waitFor();
    // The refused file is on record (`rejected`, with its errors): the page reads the client's
    // imports again, so the Imports tab lists the attempt rather than what it read before.
    await eventually('the imports read again after the refused upload', () => traffic.includes('upload refused') && traffic.lastIndexOf('imports read') > traffic.indexOf('upload refused'), 60_000, 200).catch((error: Error) => {
      throw new Error(`${error.message}; the page's traffic: ${JSON.stringify(traffic)}`);
    });
    const problems = await refusal.getByRole('table', { name: 'Problems in the file' }).locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from((tr as unknown as { querySelectorAll(q: string): ArrayLike<{ textContent: string | null }> }).querySelectorAll('td'), (td) => td.textContent ?? '').slice(0, 2)),
    );
    // Lines count from 1 as an editor shows them; the column is the file's heading ("Value").
    expect(problems).toEqual(badLines.map((k) => [`line ${k + 1}`, 'Value']));
    const refusalText = await refusal.innerText();
    expect(refusalText).not.toContain('details.errors');
    expect(refusalText).toContain('The file on record is still the one used: register.csv');
    const tab = await app.signedIn('manager', 'imports-tab', `/clients/${client.id}`);
    await tab.page.getByRole('tab', { name: 'Imports' }).click();
    const attempt = tab.page.getByRole('row').filter({ hasText: 'typos.csv' });
    await attempt.getByText('Rejected').waitFor();
    await tab.done();

    await page.getByTestId('file-gstr2b').setInputFiles({ name: 'gstr2b.json', mimeType: 'application/json', buffer: Buffer.from(toGstr2bJson(data)) });
    await page.getByText(/gstr2b\.json: [\d,]+ documents read/).waitFor();
    await page.getByRole('button', { name: 'Start reconciliation' }).click();
    await page.waitForURL(/\/reconciliations\/[0-9a-f-]{36}/);
    const runId = /\/reconciliations\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.getByText('ITC available in 2B').waitFor({ timeout: 180_000 });

    // A mismatch says why in words: the reason and the remarks, as the exports write them.
    const token = await app.token('staff');
    const api = { url: app.demo.apiUrl };
    const mismatches = (await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=500&category=mismatch`, { token })).body.items as Row[];
    const mismatch = mismatches.find((r) => r.books && mismatches.filter((o) => o.books?.invoiceNumber === r.books!.invoiceNumber).length === 1)!;
    expect(mismatch).toBeDefined();
    await page.goto(`/reconciliations/${runId}?category=mismatch`);
    const row = page.getByTestId('result-row').filter({ hasText: mismatch.books!.invoiceNumber });
    await row.click();
    const panel = page.getByRole('dialog');
    await panel.getByRole('table', { name: 'Books and GSTR-2B side by side' }).waitFor();
    const panelText = await panel.innerText();
    expect(panelText).toContain(reasonLabel(mismatch.reason));
    if (mismatch.flags.length) expect(panelText).toContain(flagLabels(mismatch.flags));
    await panel.getByLabel(/^Note/).fill('Supplier confirmed the rate by phone');
    await panel.getByRole('button', { name: 'Ignore' }).click();
    await panel.waitFor({ state: 'detached' });
    await row.click();
    await panel.getByText('Ignored by reviewer').waitFor();
    await panel.getByText(new RegExp(`Ignored by ${app.user('staff').email.replace(/\./g, '\\.')} \\d{2}-\\d{2}-\\d{4}`)).waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });

    // A reconcile page opened before the close, both files on record: the run is offered.
    const early = await app.signedIn('manager', 'manager', `/clients/${client.id}/reconcile`);
    await early.page.getByLabel('Period', { exact: true }).fill(PERIOD);
    await early.page.getByText('Ready to reconcile Jun 2024.').waitFor();

    // The period closes while this page is open (a manager approves the staff's request).
    const requested = await call(api, 'POST', `/api/clients/${client.id}/periods/${PERIOD}/close`, { token, body: { note: 'Reviewed' } });
    expect(requested.status).toBe(202);
    const manager = await app.token('manager');
    await eventually(
      'the close approved',
      async () => (await call(api, 'POST', `/api/close-requests/${requested.body.closeRequestId as string}/approve`, { token: manager, body: {} })).status === 200,
      60_000,
      500,
    );
    await eventually('the period closed', async () => (await call(api, 'GET', `/api/clients/${client.id}/periods/${PERIOD}`, { token })).body.state === 'closed', 60_000, 500);

    // An action from the page opened before the close: refused in words, the page's script stays quiet.
    await row.click();
    await panel.getByRole('button', { name: 'Mark pending' }).click();
    await page.getByRole('alert').filter({ hasText: 'The period is closed' }).waitFor();

    // The reconcile page opened before the close: an upload is refused, and the page then says the
    // period is closed and offers no run (it asked again rather than keep what it read before).
    await early.page.getByTestId('file-purchase_register').setInputFiles({ name: 'late.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await early.page.getByRole('alert').filter({ hasText: 'late.csv was not accepted' }).waitFor();
    await early.page.getByText('Jun 2024 is closed').waitFor();
    expect(await early.page.getByRole('button', { name: 'Start reconciliation' }).isDisabled()).toBe(true);
    await early.done();

    // The reconcile page says so before any upload, and offers no run.
    await page.goto(`/clients/${client.id}/reconcile`);
    await page.getByLabel('Period', { exact: true }).fill(PERIOD);
    await page.getByText('Jun 2024 is closed').waitFor();
    expect(await page.getByRole('button', { name: 'Start reconciliation' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: /^Purchase register: drop a file/ }).getAttribute('aria-disabled')).toBe('true');
    await done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
