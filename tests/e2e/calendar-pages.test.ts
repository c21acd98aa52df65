/**
 * The compliance calendar in a real Chromium against a fresh `npm start`: each return's period named
 * the way a CA reads it (a quarterly return by its quarter of the financial year, an annual return by
 * the year), and, for a firm with a few hundred clients, a month that holds more returns than one page
 * of the API (500) listed in full, not the first page alone.
 */
import { randomBytes } from 'node:crypto';
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { newGstin, useAppStack } from './app-stack';

jest.setTimeout(600_000);

const CLIENTS = 255; // two monthly returns each fall due in every month (GSTR-1 on the 11th, GSTR-3B on the 20th)

describe('the calendar page of a large firm', () => {
  const app = useAppStack('calendar-pages');

  it('names a quarterly return by its quarter of the financial year and an annual one by the year', async () => {
    const api = { url: app.demo.apiUrl };
    const token = await app.token('staff');
    const name = `Quarterly Traders ${randomBytes(3).toString('hex')}`;
    const created = await call(api, 'POST', '/api/clients', { token, body: { name, gstin: newGstin(), email: 'quarterly@example.com', filingFrequency: 'quarterly' } });
    expect(created.status).toBe(201);
    const clientId = (created.body as { id: string }).id;
    // Fixed months long over (the window may be any 400 days), so the expected labels never depend on today.
    const months = { '2025-12': { 'IFF 2025-11': 'Nov 2025', 'GSTR-9 2025-03': 'FY 2024-25' }, '2026-01': { 'GSTR-1 2025-12': 'Q3 FY 2025-26 (Oct–Dec 2025)', 'GSTR-3B 2025-12': 'Q3 FY 2025-26 (Oct–Dec 2025)' } };
    for (const [month, expected] of Object.entries(months)) {
      const res = await call(api, 'GET', `/api/calendar?clientId=${clientId}&from=${month}-01&to=${month}-31`, { token });
      const items = (res.body as { items: Array<{ returnType: string; period: string; periodLabel: string }> }).items;
      expect([res.status, Object.fromEntries(items.map((i) => [`${i.returnType} ${i.period}`, i.periodLabel]))]).toEqual([200, expected]);
    }

    const { page, done } = await app.signedIn('staff', 'calendar-periods', '/calendar');
    // The returns of the client on the page for a month, by return type, once they are the ones expected:
    // the month before's rows stay until the new list is in, so the wait is on what the rows say.
    const rowsOf = async () => {
      const shown: Record<string, string> = {};
      for (const row of await page.getByTestId('calendar-row').filter({ hasText: name }).all()) {
        // Due, Client, Return, Period, …
        const cells = await row.getByRole('cell').allInnerTexts();
        shown[(cells[2] ?? '').trim()] = (cells[3] ?? '').trim();
      }
      return shown;
    };
    const shownFor = async (month: string, expected: Record<string, string>) => {
      await page.getByLabel('Month').fill(month);
      const want = JSON.stringify(Object.entries(expected).sort());
      let seen: Record<string, string> = {};
      await eventually(`the returns of ${name} in ${month}: ${want}`, async () => {
        seen = await rowsOf().catch(() => ({}));
        return JSON.stringify(Object.entries(seen).sort()) === want || false;
      }, 120_000).catch(() => undefined);
      return seen;
    };
    const december = { IFF: 'Nov 2025', 'GSTR-9': 'FY 2024-25' };
    expect(await shownFor('2025-12', december)).toEqual(december);
    const january = { 'GSTR-1': 'Q3 FY 2025-26 (Oct–Dec 2025)', 'GSTR-3B': 'Q3 FY 2025-26 (Oct–Dec 2025)' };
    expect(await shownFor('2026-01', january)).toEqual(january);

    // "Record filing" names the quarter too, and so does its dialog.
    await page.getByRole('button', { name: `Record filing of GSTR-1 Q3 FY 2025-26 (Oct–Dec 2025) for ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'GSTR-1 Q3 FY 2025-26 (Oct–Dec 2025) filed' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(app.errors['calendar-periods']).toEqual([]);
    await done();
  });

  it('lists every return due in the month, past the first page of the API', async () => {
    const api = { url: app.demo.apiUrl };
    const token = await app.token('staff');
    const queue = Array.from({ length: CLIENTS }, (_, i) => i);
    // A few at a time: enough to be quick, few enough not to crowd a loaded machine.
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const res = await call(api, 'POST', '/api/clients', { token, body: { name: `Client ${String(i).padStart(3, '0')}`, gstin: newGstin(), email: `c${i}@example.com`, filingFrequency: 'monthly' } });
          if (res.status !== 201) throw new Error(`creating client ${i} answered ${res.status}: ${JSON.stringify(res.body)}`);
        }
      }),
    );
    // What the API has for the page's month (the current one in India), page by page.
    const first = await call(api, 'GET', '/api/calendar?limit=500', { token });
    expect(first.status).toBe(200);
    const { from, to } = first.body as { from: string; to: string };
    let total = 0;
    let pages = 0;
    let cursor: string | null = null;
    do {
      const res = await call(api, 'GET', `/api/calendar?from=${from}&to=${to}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token });
      total += (res.body as { items: unknown[] }).items.length;
      cursor = (res.body as { nextCursor: string | null }).nextCursor;
      pages += 1;
    } while (cursor);
    expect({ pages, more: total > 500 }).toEqual({ pages: 2, more: true });

    const { page, done } = await app.signedIn('staff', 'calendar-large', '/calendar');
    const rows = page.getByTestId('calendar-row');
    // Two pages of a firm-wide list are computed on a loaded machine: a generous wait, and what the page says if it runs out.
    await rows.first().waitFor({ timeout: 180_000 }).catch(async (error: unknown) => {
      throw new Error(`no calendar row: ${String(error)}\nthe page says: ${(await page.locator('main').innerText()).slice(0, 500)}`);
    });
    // The table shows the rows once every page is in: its count is then the API's total, never 500.
    const shown = await eventually(`${total} rows on the page`, async () => {
      const n = await rows.count();
      return n === total ? n : false;
    }, 60_000).catch(async () => rows.count());
    expect(shown).toBe(total);
    expect(app.errors['calendar-large']).toEqual([]);
    await done();
  });
});
