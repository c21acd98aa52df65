/**
 * Follow-up pages in a real Chromium against a fresh `npm start` (real PostgreSQL, Temporal, worker,
 * Mailpit): staff asks a client for documents by a return on the calendar, sees the plan the API
 * computed, the nudge refused in words, snoozes and resumes, and sees what the outbox sent and what
 * the client uploaded through the emailed link; then cancels. The lists (firm-wide and the client's
 * tab) show it; axe-core finds no serious violation; no page logs an error.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { minimalPdf } from '../fixtures/files/pdf';
import { call } from '../harness/api';
import { escalationReasonText } from '../../web/src/lib/escalations';
import { eventually } from '../harness/eventually';
import { choose, labelled, newGstin, useAppStack } from './app-stack';
import { screenshot, seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

/** Minutes since midnight in India now. */
function istMinute(now = new Date()): number {
  const ist = new Date(now.getTime() + 330 * 60_000);
  return ist.getUTCHours() * 60 + ist.getUTCMinutes();
}

// textContent, not innerText: the badge's CSS writes it in capitals.
const statusShown = async (page: Page) => (await page.getByTestId('follow-up-status').textContent())?.trim();

describe('follow-ups in the browser', () => {
  const app = useAppStack('follow-ups');

  it('staff asks for documents, sees the plan, snoozes, resumes, sees what was sent and received, and cancels', async () => {
    const { page, context, done } = await app.signedIn('staff', 'staff', '/follow-ups');
    const client = app.demo.clients[0]!;
    await page.getByRole('heading', { name: 'Follow-ups' }).waitFor();
    await page.getByText(/No follow-up here yet/).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Create: two items, due by a return on the client's calendar.
    const createdAt = istMinute();
    await page.getByRole('button', { name: 'New follow-up' }).click();
    const dialog = page.getByRole('dialog', { name: 'New follow-up' });
    await choose(page, dialog, 'Client', client.name);
    await dialog.getByLabel('Title').fill('Purchase bills for November');
    await dialog.getByLabel(labelled('Item 1')).fill('Purchase bills');
    await dialog.getByRole('button', { name: 'Add an item' }).click();
    await dialog.getByLabel(labelled('Item 2')).fill('Bank statement');
    // Without a return the form says so at the field, takes the focus there, and sends nothing.
    const posted: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.method() === 'POST' && /\/follow-ups(\?|$)/.test(r.url())) posted.push(r.url());
    };
    page.on('request', onRequest);
    await dialog.getByPlaceholder('Choose a return').waitFor();
    await dialog.getByRole('button', { name: 'Create follow-up' }).click();
    const returnField = dialog.getByLabel(/^Return it feeds/);
    // Either the field's words or the API's refusal (the old form sent the request): whichever shows first.
    await dialog.getByText('Choose the return it feeds, or choose “A date” above.').or(dialog.getByRole('alert')).first().waitFor();
    page.off('request', onRequest);
    // What a screen reader reads with the field: its description and the words (aria-describedby).
    const describedBy = ((await returnField.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
    expect({
      posted,
      refusals: await dialog.getByRole('alert').count(),
      invalid: await returnField.getAttribute('aria-invalid'),
      described: (await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()))).join(' | '),
    }).toEqual({ posted: [], refusals: 0, invalid: 'true', described: expect.stringContaining('Choose the return it feeds') });
    // The field takes the focus (after the words show), so the correction is typed there.
    await returnField.and(page.locator(':focus')).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await returnField.click();
    const firstReturn = page.getByRole('option', { name: /GSTR-3B .* our target / }).first();
    const chosen = await firstReturn.innerText();
    await firstReturn.click();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Create follow-up' }).click();
    await page.waitForURL(/\/follow-ups\/[0-9a-f-]{36}$/);
    const followUpId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: 'Purchase bills for November' }).waitFor();
    await page.getByText(`for ${chosen.split(' · ')[0]}`).first().waitFor();

    // The plan as the API computed it: the first message, the reminders, the alerts inside the firm.
    const api = (await (await fetch(`${app.demo.apiUrl}/api/follow-ups/${followUpId}`, { headers: { authorization: `Bearer ${await app.token('staff')}` } })).json()) as { schedule: Array<{ at: string; kind: string; status: string }>; escalations: Array<{ reason: string }> };
    const schedule = page.getByTestId('schedule');
    await schedule.getByText('First message').waitFor();
    expect(await schedule.getByRole('row').count()).toBe(api.schedule.length);
    expect(api.schedule.length).toBeGreaterThan(2);
    // The alerts say why in words, never the plan's reason codes.
    expect(api.escalations.length).toBeGreaterThan(0);
    const alerts = await page.getByRole('table', { name: 'Alerts inside the firm' }).innerText();
    for (const { reason } of api.escalations) expect({ reason, said: alerts.includes(escalationReasonText(reason)) }).toEqual({ reason, said: true });
    expect(alerts.match(/\b[a-z]+(?:_[a-z]+)+\b/g)).toBeNull();
    expect(await page.getByTestId('follow-up-item').count()).toBe(2);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'follow-up');

    // Sent at once in the day; planned for the send time during quiet hours (20:00–09:00 IST).
    const daytime = createdAt >= 9 * 60 + 2 && createdAt < 19 * 60 + 50;
    if (daytime) {
      await page.getByTestId('sent-message').filter({ hasText: 'accounts@meridian.example' }).waitFor({ timeout: 90_000 });
      // A second message the same day is refused, and the refusal is said.
      await page.getByRole('button', { name: 'Nudge now' }).click();
      await page.getByRole('alert').filter({ hasText: 'The client already got a message today.' }).waitFor();

      // The client answers through the emailed link (no sign-in): the page shows what arrived.
      const link = await eventually('the email with the checklist link', async () => {
        const search = (await (await fetch(`${app.demo.mail!.apiUrl}/api/v1/search?query=${encodeURIComponent('to:"accounts@meridian.example"')}`)).json()) as { messages: Array<{ ID: string }> };
        for (const m of search.messages) {
          const text = ((await (await fetch(`${app.demo.mail!.apiUrl}/api/v1/message/${m.ID}`)).json()) as { Text: string }).Text;
          const found = /https?:\/\/\S+\/r\/[A-Za-z0-9_-]+/.exec(text);
          if (found && text.includes('Bank statement')) return found[0];
        }
        return null;
      });
      const clientPage = await context.newPage();
      await clientPage.goto(new URL(link).pathname);
      // The page names the return the documents feed, its period as the form offered it.
      await clientPage.getByText(`Needed for the ${chosen.split(' · ')[0]!.replace(/^(\S+) /, '$1 return of ')}.`).waitFor();
      const item = clientPage.getByRole('listitem').filter({ hasText: 'Purchase bills' });
      await item.locator('input[type=file]').setInputFiles({ name: 'bills-november.pdf', mimeType: 'application/pdf', buffer: minimalPdf('Purchase bills, November') });
      await item.getByRole('button', { name: 'Upload' }).click();
      await clientPage.getByRole('listitem').filter({ hasText: 'Purchase bills — received' }).waitFor();
      await clientPage.close();
      await page.getByTestId('follow-up-item').filter({ hasText: 'Purchase bills' }).getByRole('link', { name: 'bills-november.pdf' }).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('follow-up-item').filter({ hasText: 'Purchase bills' }).getByText('Received').count()).toBe(1);
    } else if (!(api.schedule[0]?.status === 'planned' && Date.parse(api.schedule[0].at) - Date.now() > 2 * 60_000)) {
      // Created in the minutes at the quiet hours' edges (08:58–09:02, 19:50–20:00 IST), the plan says
      // the first message goes now or at 09:00 in a moment: it is sent, and a nudge then meets either
      // refusal (the day's message, or the quiet hours just begun).
      expect(api.schedule[0]?.kind).toBe('initial');
      await page.getByTestId('sent-message').filter({ hasText: 'accounts@meridian.example' }).waitFor({ timeout: Math.max(0, Date.parse(api.schedule[0]!.at) - Date.now()) + 90_000 });
      await page.getByRole('button', { name: 'Nudge now' }).click();
      await page.getByRole('alert').filter({ hasText: /The client already got a message today\.|No messages between/ }).waitFor();
    } else {
      await page.getByText('Nothing sent yet').waitFor();
      await page.getByRole('button', { name: 'Nudge now' }).click();
      await page.getByRole('alert').filter({ hasText: /No messages between/ }).waitFor();
    }

    // Snooze, then resume: the status and the plan follow.
    await page.getByRole('button', { name: 'Snooze' }).click();
    const snooze = page.getByRole('dialog', { name: 'Snooze the reminders' });
    const inFiveDays = new Date(Date.now() + 5 * 86_400_000 + 330 * 60_000).toISOString().slice(0, 10);
    await snooze.getByLabel('Snooze until').fill(inFiveDays);
    await snooze.getByRole('button', { name: 'Snooze' }).click();
    await snooze.waitFor({ state: 'detached' });
    await eventually('the snoozed status', async () => (await statusShown(page)) === 'Snoozed');
    await page.getByText(/snoozed until/).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await eventually('the open status', async () => (await statusShown(page)) === 'Open');

    // The lists: firm-wide and on the client's page.
    await page.getByRole('link', { name: 'Follow-ups' }).first().click();
    await page.getByTestId('follow-up-row').filter({ hasText: 'Purchase bills for November' }).waitFor();
    await page.goto(`/clients/${client.id}`);
    await page.getByRole('tab', { name: 'Follow-ups' }).click();
    await page.getByTestId('follow-up-row').filter({ hasText: 'Purchase bills for November' }).getByRole('link').click();

    // Cancel: no message after it.
    await page.getByRole('button', { name: 'Cancel follow-up' }).click();
    const cancel = page.getByRole('dialog', { name: 'Cancel the follow-up' });
    await cancel.getByLabel('Note (optional)').fill('Client sent everything by hand');
    await cancel.getByRole('button', { name: 'Cancel follow-up' }).click();
    await eventually('the cancelled status', async () => (await statusShown(page)) === 'Cancelled');
    expect(await page.getByRole('button', { name: 'Nudge now' }).count()).toBe(0);
    await done();
  });

  it('shows a reviewer the follow-ups and their plan without the actions', async () => {
    await app.addUser('reviewer');
    const { page, done } = await app.signedIn('reviewer', 'reviewer', '/follow-ups');
    await page.getByTestId('follow-up-row').first().waitFor();
    expect(await page.getByRole('button', { name: 'New follow-up' }).count()).toBe(0);
    await page.getByTestId('follow-up-row').first().getByRole('link').first().click();
    await page.getByTestId('schedule').waitFor();
    expect(await page.getByRole('button', { name: /Nudge now|Snooze|Cancel follow-up/ }).count()).toBe(0);
    await done();
  });

  it("names a QRMP filer's return by its quarter in the form, on the follow-up and in the list", async () => {
    const api = { url: app.demo.apiUrl };
    const token = await app.token('staff');
    const name = `Quarterly Traders ${randomBytes(3).toString('hex')}`;
    const created = await call(api, 'POST', '/api/clients', { token, body: { name, gstin: newGstin(), email: 'quarterly@example.com', filingFrequency: 'quarterly' } });
    expect(created.status).toBe(201);
    const clientId = (created.body as { id: string }).id;
    // The running quarter's GSTR-3B (the latest key in the form's four months, its documents' date
    // always ahead), as the calendar names it: a quarter of the financial year, not its last month.
    const day = (ms: number) => new Date(ms + 330 * 60_000).toISOString().slice(0, 10);
    const calendar = await call(api, 'GET', `/api/clients/${clientId}/calendar?from=${day(Date.now())}&to=${day(Date.now() + 120 * 86_400_000)}&returnType=GSTR-3B&limit=100`, { token });
    const entries = (calendar.body as { items: Array<{ period: string; periodLabel: string }> }).items;
    const threeB = entries.reduce((a, b) => (b.period > a.period ? b : a));
    expect(threeB.periodLabel).toMatch(/^Q[1-4] FY \d{4}-\d{2} \([A-Z][a-z]{2}–[A-Z][a-z]{2} \d{4}\)$/);
    const escaped = threeB.periodLabel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

    const { page, done } = await app.signedIn('staff', 'follow-up-quarter', '/follow-ups');
    await page.getByRole('button', { name: 'New follow-up' }).click();
    const dialog = page.getByRole('dialog', { name: 'New follow-up' });
    await choose(page, dialog, 'Client', name, name);
    await dialog.getByLabel('Title').fill('Quarter documents');
    await dialog.getByLabel(labelled('Item 1')).fill('Sales register');
    await dialog.getByLabel(labelled('Item 1 period')).fill(threeB.period);
    await choose(page, dialog, 'Return it feeds', new RegExp(`^GSTR-3B ${escaped} · due `));
    await dialog.getByRole('button', { name: 'Create follow-up' }).click();
    await page.waitForURL(/\/follow-ups\/[0-9a-f-]{36}$/);
    const followUpId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: 'Quarter documents' }).waitFor();
    await page.getByText(`for GSTR-3B ${threeB.periodLabel}`).first().waitFor();
    // The item of the return's own period reads as that quarter too.
    expect(await page.getByTestId('follow-up-item').filter({ hasText: 'Sales register' }).innerText()).toContain(threeB.periodLabel);

    await page.getByRole('link', { name: 'Follow-ups' }).first().click();
    const row = page.getByTestId('follow-up-row').filter({ hasText: 'Quarter documents' });
    await row.waitFor();
    expect(await row.innerText()).toContain(`for GSTR-3B ${threeB.periodLabel}`);
    expect((await call(api, 'POST', `/api/follow-ups/${followUpId}/cancel`, { token, body: {} })).status).toBe(200);
    await done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
