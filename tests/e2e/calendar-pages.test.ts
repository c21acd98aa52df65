/**
 * The compliance calendar of a firm with a few hundred clients, in a real Chromium against a fresh
 * `npm start`: a month holds more returns than one page of the API (500), and the page lists every
 * one of them, not the first page alone.
 */
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { newGstin, useAppStack } from './app-stack';

jest.setTimeout(600_000);

const CLIENTS = 255; // two monthly returns each fall due in every month (GSTR-1 on the 11th, GSTR-3B on the 20th)

describe('the calendar page of a large firm', () => {
  const app = useAppStack('calendar-pages');

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
