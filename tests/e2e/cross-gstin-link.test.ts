/**
 * Linking a register entry to a GSTR-2B document of another supplier GSTIN, in a real Chromium
 * against a fresh `npm start`: a run of the demo client is arranged through the API; staff ticks
 * the two rows and asks to link them; the API's `gstin_mismatch` opens "Link documents of two
 * different suppliers?" naming both GSTINs. The dialog is used by keyboard: focus starts on Cancel,
 * Tab stays inside it, Escape closes it with nothing linked and focus back on "Link selected".
 * "Link anyway" then links them: the row is listed as matched manually under the 2B's supplier.
 * axe-core finds no serious violation; no page logs an error.
 */
import type { Page } from 'playwright-core';
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../ops/bench/recon-data';
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { importFile } from '../integration/recon/recon-helpers';
import { useAppStack } from './app-stack';
import { screenshot, seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

const PERIOD = '2024-06';

type Row = { id: string; category: string; supplierGstin: string; supplierName: string | null; books: { invoiceNumber: string } | null; portal: { invoiceNumber: string } | null };

/** What has the keyboard focus: its role-ish tag, its text or label, and whether it sits inside the named dialog. */
async function focused(page: Page, dialogName: string): Promise<{ text: string; inDialog: boolean }> {
  return page.evaluate((name) => {
    const d = globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string | null; getAttribute(a: string): string | null; closest(s: string): { getAttribute(a: string): string | null; querySelector(s: string): { textContent: string | null } | null } | null } | null } };
    const el = d.document.activeElement;
    const dialog = el?.closest('[role="dialog"]');
    const labelledBy = dialog?.getAttribute('aria-labelledby');
    const title = labelledBy ? dialog?.querySelector(`[id="${labelledBy}"]`)?.textContent : null;
    // The page's body has the focus when nothing else does: say so rather than print the whole page.
    if (!el || el.tagName === 'BODY') return { text: '(nothing: the page body)', inDialog: false };
    return { text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(), inDialog: title === name };
  }, dialogName);
}

/** Waits until the focused element is `text` (auto-waiting, no fixed pause); on timeout says what had the focus instead. */
async function focusReaches(page: Page, dialogName: string, text: string): Promise<void> {
  let last: { text: string; inDialog: boolean } | null = null;
  try {
    await eventually(`focus on "${text}"`, async () => {
      last = await focused(page, dialogName);
      return last.text === text;
    }, 15_000);
  } catch {
    throw new Error(`focus never reached "${text}"; it was on ${JSON.stringify(last)}`);
  }
}

describe('linking documents of two different suppliers in the browser', () => {
  const app = useAppStack('cross-link');

  it('asks before linking across GSTINs, by keyboard too, and links only on "Link anyway"', async () => {
    const token = await app.token('staff');
    const api = { url: app.demo.apiUrl };
    const client = app.demo.clients[0]!;
    const data = generateReconData({ n: 120, seed: 11, period: PERIOD, recipientGstin: client.gstin });
    const twoB = await importFile(api, token, client.id, 'gstr2b', PERIOD, toGstr2bJson(data), 'application/json');
    const register = await importFile(api, token, client.id, 'purchase_register', PERIOD, toRegisterCsv(data), 'text/csv');
    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    await eventually('the reconciliation to complete', async () => (await call(api, 'GET', `/api/reconciliations/${runId}`, { token })).body.status === 'completed', 180_000, 500);

    // A register entry missing in 2B and a 2B document missing in the books, of two suppliers, each
    // with an invoice number no other row of its category has (the checkboxes are named by it).
    const rows = async (category: string) => (await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=500&category=${category}`, { token })).body.items as Row[];
    const unique = (list: Row[], number: (r: Row) => string) => list.filter((r) => list.filter((o) => number(o) === number(r)).length === 1);
    const booksRows = unique(await rows('missing_in_2b'), (r) => r.books!.invoiceNumber);
    const portalRows = unique(await rows('missing_in_books'), (r) => r.portal!.invoiceNumber);
    const books = booksRows[0]!;
    const portal = portalRows.find((r) => r.supplierGstin !== books.supplierGstin)!;
    expect({ books: books?.supplierGstin, portalDiffers: portal !== undefined }).toEqual({ books: expect.any(String), portalDiffers: true });

    const { page, done } = await app.signedIn('staff', 'staff', `/reconciliations/${runId}`);
    await page.getByRole('button', { name: /^Missing in 2B/ }).click();
    await page.getByRole('checkbox', { name: `Select ${books.books!.invoiceNumber} for linking` }).check();
    await page.getByRole('button', { name: /^Missing in books/ }).click();
    await page.getByRole('checkbox', { name: `Select ${portal.portal!.invoiceNumber} for linking` }).check();
    const linkSelected = page.getByRole('button', { name: 'Link selected (2)' });
    // By keyboard: focus the button and press Enter.
    await linkSelected.focus();
    await page.keyboard.press('Enter');

    const title = 'Link documents of two different suppliers?';
    const dialog = page.getByRole('dialog', { name: title });
    await dialog.waitFor();
    const text = await dialog.innerText();
    expect([books.supplierGstin, portal.supplierGstin].filter((g) => !text.includes(g))).toEqual([]);
    expect(text).toContain(`both are filed under ${portal.supplierGstin} (the GSTIN in GSTR-2B)`);
    // The dialog is described by its text, so a screen reader reads both GSTINs with the title.
    expect(await dialog.getAttribute('aria-describedby')).toEqual(expect.any(String));
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'cross-gstin-link');

    // Focus starts on the safe answer, and Tab and Shift+Tab stay inside the dialog.
    await focusReaches(page, title, 'Cancel');
    const seen = new Set<string>();
    for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      const now = await focused(page, title);
      expect(now).toEqual({ text: now.text, inDialog: true });
      seen.add(now.text);
    }
    expect([...seen].sort()).toEqual(['Cancel', 'Close', 'Link anyway']);
    for (const name of ['Cancel', 'Close', 'Link anyway']) expect(await dialog.getByRole('button', { name, exact: true }).count()).toBe(1);

    // Escape: closed, nothing linked, focus back where the person was.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await focusReaches(page, title, 'Link selected (2)');
    expect(await page.getByRole('button', { name: /^Matched manually/ }).count()).toBe(0);
    const stillApart = await rows('missing_in_books');
    expect(stillApart.map((r) => r.id)).toContain(portal.id);

    // Again, and this time "Link anyway" (by keyboard): the two become one row, matched manually,
    // under the supplier GSTIN of GSTR-2B.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Link anyway' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('alert').filter({ hasText: 'Linked. The figures are updated.' }).waitFor();
    const tile = page.getByRole('button', { name: /^Matched manually\s*1$/ });
    await tile.waitFor();
    await tile.click();
    // The row is named by the register's invoice number, and listed under the 2B's supplier.
    const linked = page.getByTestId('result-row').filter({ hasText: books.books!.invoiceNumber });
    await linked.waitFor();
    expect(await page.getByTestId('result-row').count()).toBe(1);
    expect(await linked.getAttribute('data-category')).toBe('manual_match');
    expect(await linked.getByRole('gridcell').nth(2).innerText()).toBe(portal.supplierName ?? portal.supplierGstin);
    const manual = (await rows('manual_match')).map((r) => ({ supplierGstin: r.supplierGstin, books: r.books?.invoiceNumber, portal: r.portal?.invoiceNumber }));
    expect(manual).toEqual([{ supplierGstin: portal.supplierGstin, books: books.books!.invoiceNumber, portal: portal.portal!.invoiceNumber }]);
    await done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
