/**
 * Chasing supplier invoices from a reconciliation, in a real Chromium against a fresh `npm start`:
 * a run of the demo client is arranged through the API; staff opens it, ticks a supplier in the
 * supplier view, creates the follow-up and lands on it with one item per document; the client's
 * email in the local catcher carries that supplier's statement. axe-core finds no serious
 * violation; no page logs an error.
 */
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../ops/bench/recon-data';
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { importFile } from '../integration/recon/recon-helpers';
import { useAppStack } from './app-stack';
import { seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

const PERIOD = '2024-06';

describe('chasing supplier invoices in the browser', () => {
  const app = useAppStack('mismatch');

  it('staff ticks a supplier on the reconciliation, creates the follow-up, and the client gets its statement', async () => {
    const token = await app.token('staff');
    const api = { url: app.demo.apiUrl };
    const client = app.demo.clients[0]!;
    const email = ((await call(api, 'GET', `/api/clients/${client.id}`, { token })).body as { email: string }).email;
    const data = generateReconData({ n: 120, seed: 11, period: PERIOD, recipientGstin: client.gstin });
    const twoB = await importFile(api, token, client.id, 'gstr2b', PERIOD, toGstr2bJson(data), 'application/json');
    const register = await importFile(api, token, client.id, 'purchase_register', PERIOD, toRegisterCsv(data), 'text/csv');
    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    await eventually('the reconciliation to complete', async () => (await call(api, 'GET', `/api/reconciliations/${runId}`, { token })).body.status === 'completed', 180_000, 500);
    // The supplier with the most documents to chase, as the API reports them.
    const results = (await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=500`, { token })).body.items as Array<{ category: string; supplierGstin: string; supplierName: string }>;
    const chased = results.filter((r) => r.category === 'missing_in_books' || r.category === 'mismatch');
    const counts = new Map<string, number>();
    for (const r of chased) counts.set(r.supplierGstin, (counts.get(r.supplierGstin) ?? 0) + 1);
    const [gstin, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const supplier = await call(api, 'GET', `/api/reconciliations/${runId}/suppliers?limit=500`, { token });
    const name = (supplier.body.items as Array<{ supplierGstin: string; supplierName: string | null }>).find((s) => s.supplierGstin === gstin)!.supplierName ?? gstin;

    const { page, done } = await app.signedIn('staff', 'staff', `/reconciliations/${runId}`);
    await page.getByRole('tab', { name: 'Suppliers by ITC at risk' }).click();
    const chase = page.getByRole('button', { name: /^Chase supplier invoices/ });
    await chase.waitFor();
    expect(await chase.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: `Chase ${name}` }).check();
    await page.getByRole('button', { name: 'Chase supplier invoices (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Chase supplier invoices' });
    await dialog.getByText(`${count} document${count === 1 ? '' : 's'}`).waitFor();
    const due = new Date(Date.now() + 10 * 86_400_000 + 330 * 60_000).toISOString().slice(0, 10);
    await dialog.getByLabel(/^Due date/).fill(due);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create follow-up' }).click();
    await page.waitForURL(/\/follow-ups\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: new RegExp(`Purchase bills to check for June 2024: ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).waitFor();
    await eventually('every document listed', async () => (await page.getByTestId('follow-up-item').count()) === count);
    expect(await page.getByTestId('follow-up-item').filter({ hasText: gstin }).count()).toBe(count);
    await page.getByRole('link', { name: /from the reconciliation/ }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Sent at once in the day (the client's email in the local catcher carries that supplier's
    // statement); in quiet hours (20:00–09:00 IST) the first message waits for the send time.
    // Minutes near the quiet hours' edges (09:00, 20:00) may go either way: the first message may have
    // gone at 09:00 before the view was read, or been planned just before 20:00.
    const followUpId = page.url().split('/').pop()!;
    const ist = new Date(Date.now() + 330 * 60_000);
    const minute = ist.getUTCHours() * 60 + ist.getUTCMinutes();
    const view = (await call(api, 'GET', `/api/follow-ups/${followUpId}`, { token })).body as { schedule: Array<{ kind: string; status: string }> };
    if (minute >= 9 * 60 + 2 && minute < 19 * 60 + 50) {
      const filename = `reconciliation-${client.gstin}-${PERIOD}-${gstin}.xlsx`;
      const attached = await eventually(
        'the email with the statement',
        async () => {
          const search = (await (await fetch(`${app.demo.mail!.apiUrl}/api/v1/search?query=${encodeURIComponent(`to:"${email}"`)}`)).json()) as { messages: Array<{ ID: string }> };
          for (const m of search.messages) {
            const message = (await (await fetch(`${app.demo.mail!.apiUrl}/api/v1/message/${m.ID}`)).json()) as { Attachments?: Array<{ FileName: string }> };
            const names = (message.Attachments ?? []).map((a) => a.FileName);
            if (names.length) return names;
          }
          return null;
        },
        120_000,
        500,
      );
      expect(attached).toEqual([filename]);
    } else if (minute < 8 * 60 + 58 || minute >= 20 * 60 + 2) {
      expect(view.schedule[0]).toMatchObject({ kind: 'initial', status: 'planned' });
    } else {
      expect({ kind: view.schedule[0]?.kind, planned: view.schedule[0]?.status === 'planned' || view.schedule[0]?.status === 'sent' }).toEqual({ kind: 'initial', planned: true });
    }
    await done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
