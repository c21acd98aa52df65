/**
 * The checklist page (`/r/<token>`) in a real Chromium against the real stack: dates and periods as
 * the app writes them, labelled file inputs and buttons named for their item, errors said inline in
 * plain words (never a browser dialog), a confirmation after an upload, a received item that takes
 * more files, "not applicable" asked in an inline form, a double click on Upload that sends the file
 * once, and a CSV that Windows labels as an Excel file accepted.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { hashLinkToken } from '../../../db/follow-ups';
import { launchBrowser, newPage } from '../../e2e/browser';
import { minimalPdf } from '../../fixtures/files/pdf';
import { createFollowUp, eventually, inDays, startStack, type Stack } from './helpers';

describe('the checklist page in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startStack({ dayMs: 12_000 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function openPage(): Promise<{ page: Page; followUp: { id: string; items: Array<{ id: string }> }; dialogs: string[]; errors: string[] }> {
    const created = await createFollowUp(stack, stack.firm.clients[0]!.id, { title: 'November documents', dueDate: inDays(6), items: [{ description: 'Purchase bills', period: '2026-11' }, { description: 'Sales register', period: '2026-11' }, { description: 'Fixed asset bills' }] });
    expect(created.status).toBe(201);
    const token = randomBytes(32).toString('base64url');
    await stack.db.owner('follow_up_links').insert({ firm_id: stack.firm.id, client_id: created.body.client_id ?? stack.firm.clients[0]!.id, follow_up_id: created.body.id, token_hash: hashLinkToken(token), expires_at: new Date(Date.now() + 86_400_000) });
    const { page, errors } = await newPage(browser, stack.api.url);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`/r/${token}`);
    await page.getByRole('heading', { name: /November documents/ }).waitFor();
    return { page, followUp: created.body, dialogs, errors };
  }

  const itemRow = (page: Page, id: string) => page.locator(`li[data-item="${id}"]`);

  it('shows dates as dd-mm-yyyy and periods as months, with labelled inputs and buttons named for their item', async () => {
    const { page, dialogs, errors } = await openPage();
    const text = await page.locator('main').innerText();
    expect(text).toContain(`due ${inDays(6).split('-').reverse().join('-')}`);
    expect(text).toContain('Purchase bills — November 2026');
    expect(text).not.toMatch(/\d{4}-\d{2}/);
    await page.getByLabel('File for Purchase bills — November 2026', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Upload the file for Sales register — November 2026' }).waitFor();
    await page.getByRole('button', { name: 'Mark Fixed asset bills as not applicable' }).waitFor();
    expect([dialogs, errors]).toEqual([[], []]);
    await page.context().close();
  });

  it('says inline what is wrong, confirms an upload, sends a double-clicked file once, and keeps Upload on a received item', async () => {
    const { page, followUp, dialogs } = await openPage();
    const [bills, sales] = followUp.items;
    const billsRow = itemRow(page, bills!.id);

    // Nothing chosen, then an empty file: said next to the item, in words.
    await billsRow.getByRole('button', { name: /^Upload/ }).click();
    await billsRow.getByRole('alert').filter({ hasText: 'Choose a file first.' }).waitFor();
    await billsRow.getByLabel(/^File for/).setInputFiles({ name: 'empty.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(0) });
    await billsRow.getByRole('button', { name: /^Upload/ }).click();
    await billsRow.getByRole('alert').filter({ hasText: 'This file is empty' }).waitFor();
    // A text file: the server's refusal names what it is.
    await billsRow.getByLabel(/^File for/).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await billsRow.getByRole('button', { name: /^Upload/ }).click();
    await billsRow.getByRole('alert').filter({ hasText: 'This is a .txt file (text/plain), which is not accepted.' }).waitFor();

    // A double click sends the file once.
    await billsRow.getByLabel(/^File for/).setInputFiles({ name: 'bills.pdf', mimeType: 'application/pdf', buffer: minimalPdf('bills from the browser') });
    await billsRow.getByRole('button', { name: /^Upload/ }).dblclick();
    await page.getByRole('status').filter({ hasText: 'Received bills.pdf for Purchase bills — November 2026. Thank you.' }).waitFor();
    const declared = await stack.db.owner('follow_up_files').where({ item_id: bills!.id }).whereNot('filename', 'notes.txt');
    expect(declared.map((f) => [f.filename, f.status])).toEqual([['bills.pdf', 'received']]);
    // Received, and still takes more files.
    await itemRow(page, bills!.id).getByText('Received (you can add more files)').waitFor();
    await itemRow(page, bills!.id).getByRole('button', { name: 'Upload the file for Purchase bills — November 2026' }).waitFor();

    // A CSV that Windows labels as an Excel file is a CSV.
    const salesRow = itemRow(page, sales!.id);
    await salesRow.getByLabel(/^File for/).setInputFiles({ name: 'sales.csv', mimeType: 'application/vnd.ms-excel', buffer: Buffer.from('invoice,amount\nS-1,100\n') });
    await salesRow.getByRole('button', { name: /^Upload/ }).click();
    await page.getByRole('status').filter({ hasText: 'Received sales.csv' }).waitFor();
    const csv = await stack.db.owner('follow_up_files').where({ item_id: sales!.id, status: 'received' }).first();
    expect(csv?.detected_type).toBe('text/csv');

    // One acknowledgement per upload: two, the double click not counted twice.
    const acks = () => stack.db.owner('outbox').where({ follow_up_id: followUp.id, template: 'acknowledgement' });
    await eventually('both acknowledgements', async () => (await acks()).filter((a) => a.status === 'sent').length >= 2);
    expect(await acks()).toHaveLength(2);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it('asks why an item does not apply in an inline form, not a browser prompt', async () => {
    const { page, followUp, dialogs } = await openPage();
    const assets = followUp.items[2]!;
    const row = itemRow(page, assets.id);
    await row.getByRole('button', { name: 'Mark Fixed asset bills as not applicable' }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect(await row.locator('form').count()).toBe(0);
    await row.getByRole('button', { name: 'Mark Fixed asset bills as not applicable' }).click();
    await row.getByLabel('Why does Fixed asset bills not apply?').fill('No assets bought this month');
    await row.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('status').filter({ hasText: 'Fixed asset bills is marked not applicable. Thank you.' }).waitFor();
    await itemRow(page, assets.id).getByText('Not applicable').waitFor();
    expect(await itemRow(page, assets.id).getByRole('button').count()).toBe(0);
    const item = await stack.db.owner('follow_up_items').where({ id: assets.id }).first();
    expect([item.status, item.reason]).toEqual(['not_applicable', 'No assets bought this month']);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });
});
