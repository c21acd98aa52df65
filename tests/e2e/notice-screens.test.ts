/**
 * The notice screens in a real Chromium against a fresh `npm start`: a notice taken in without a due
 * date offers the date to set (and no draft box until one is set, saying why), with the keyboard;
 * reminders, escalations and the history read as words and names, never codes; a month of overdue
 * escalations reads as the next steps and one line per kind, every step one click away; the intake
 * records the case id, DIN, issue date, sections and financial years (the limitation clock follows)
 * and shows the API's refusal under the field it names; the list pages past its first page with
 * "Load more". axe-core on each screen; no page error.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { partnerStepLabel } from '../../domain/notices/step-text';
import { formatDate } from '../../web/src/lib/format';
import { call } from '../harness/api';
import { choose, labelled, useAppStack } from './app-stack';
import { screenshot, seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

const RAW_CODES = /\b(due_soon|overdue:|unassigned|review_gate|target_date|partner_escalation|to manager\b|to assignee\b|notice\.[a-z_]+)/;

/** India's date `days` from today, YYYY-MM-DD. */
const indiaDate = (days: number) => new Date(Date.now() + days * 86_400_000 + 330 * 60_000).toISOString().slice(0, 10);
const ddmmyyyy = (iso: string) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

/** The element the keyboard is on shows a focus outline. */
async function focusIsVisible(page: Page): Promise<boolean> {
  // Runs in the page (a string: the test code is compiled without the DOM's types).
  return page.evaluate(`(() => {
    const el = document.activeElement;
    if (!el || !el.matches(':focus-visible')) return false;
    const style = getComputedStyle(el);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  })()`);
}

/** The element the keyboard is on, by its text. */
const focusedText = (page: Page) => page.evaluate<string>('document.activeElement ? document.activeElement.textContent : ""');

describe('Notice screens in the browser', () => {
  const app = useAppStack('notice-screens');
  const api = (method: string, path: string, token: string, body?: unknown) => call({ url: app.demo.apiUrl }, method, path, { token, body });

  async function arrange() {
    const manager = await app.token('manager');
    const users = (await api('GET', '/api/users?limit=500', manager)).body as { items: Array<{ id: string; email: string; name: string }> };
    const staff = users.items.find((u) => u.email === app.user('staff').email)!;
    const managerUser = users.items.find((u) => u.email === app.user('manager').email)!;
    const take = async (body: Record<string, unknown>) => {
      const res = await api('POST', `/api/clients/${app.demo.clients[0]!.id}/notices`, manager, { reference: `ZD27${randomBytes(5).toString('hex').toUpperCase()}`, servedOn: indiaDate(0), ...body });
      if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as { id: string; reference: string; escalations: unknown[]; reminders: unknown[] };
    };
    return { manager, staff, managerUser, take };
  }

  it('sets the missing due date with the keyboard, then drafts; steps and history read as words; a month of escalations is summarised', async () => {
    const { staff, managerUser, take } = await arrange();
    const undated = await take({ form: 'DRC-01A', assigneeId: staff.id });

    const session = await app.signedIn('staff', 'staff', `/notices/${undated.id}`);
    const s = session.page;
    await s.getByRole('heading', { name: `DRC-01A · ${undated.reference}` }).waitFor();
    await s.getByTestId('no-due-date').waitFor();
    // No draft box that could only be refused: the reason instead.
    await s.getByTestId('draft-needs-date').getByText(/can be drafted once the notice has a due date or a target date/).waitFor();
    expect(await s.getByLabel('Reply draft').count()).toBe(0);
    expect(await s.getByRole('button', { name: 'Save draft' }).count()).toBe(0);

    // Reached with the keyboard, with a visible focus ring; Enter opens the dialog.
    const setDate = s.getByRole('button', { name: 'Set the due date' });
    await setDate.focus();
    await s.keyboard.press('Shift+Tab');
    await s.keyboard.press('Tab');
    expect(await focusedText(s)).toBe('Set the due date');
    expect(await focusIsVisible(s)).toBe(true);
    await s.keyboard.press('Enter');
    const dialog = s.getByRole('dialog', { name: "Change the notice's dates" });
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Save dates' }).isDisabled()).toBe(true);
    const due = indiaDate(20);
    await dialog.getByLabel(labelled('Due date')).fill(due);
    expect(await seriousA11yViolations(s)).toEqual([]);
    await dialog.getByRole('button', { name: 'Save dates' }).click();
    await dialog.waitFor({ state: 'detached' });
    const dates = s.getByTestId('notice-dates');
    await dates.getByText('entered by hand').waitFor();
    await dates.getByText('in 20 days').waitFor();
    await s.getByTestId('no-due-date').waitFor({ state: 'detached' });
    // Drafting is open now.
    await s.getByLabel('Reply draft').fill('The demand is answered by the reconciliation attached.');
    await s.getByRole('button', { name: 'Save draft' }).click();
    await s.getByText('version 1').waitFor();
    // The plan and the history in words: no code on the page.
    await s.getByText('Due date approaching').first().waitFor();
    await s.getByText('to the assignee').first().waitFor();
    await s.getByRole('table', { name: 'History' }).getByText('Taken in').waitFor();
    await s.getByRole('table', { name: 'History' }).getByText('Dates or amounts changed').waitFor();
    // Staff may not read the people list, yet read names: the manager who took it in, and themselves.
    const historyRows = s.getByRole('table', { name: 'History' }).getByTestId('history-row');
    await historyRows.filter({ hasText: 'Taken in' }).getByText(managerUser.name).waitFor();
    await historyRows.filter({ hasText: 'Dates or amounts changed' }).getByText(staff.name).waitFor();
    expect(await s.getByRole('table', { name: 'History' }).innerText()).not.toContain(managerUser.email);
    expect(await s.locator('main').innerText()).not.toMatch(RAW_CODES);
    expect(await seriousA11yViolations(s)).toEqual([]);
    await session.done();

    // A notice a day overdue: a month of escalations (two a day), summarised for the manager.
    const late = await take({ form: 'DRC-01', servedOn: indiaDate(-31), dueDate: indiaDate(-1), assigneeId: staff.id });
    const total = late.escalations.length;
    expect(total).toBeGreaterThan(50);
    const mgr = await app.signedIn('manager', 'manager', `/notices/${late.id}`);
    const m = mgr.page;
    await m.getByRole('heading', { name: `DRC-01 · ${late.reference}` }).waitFor();
    const escalations = m.locator('.mantine-Card-root').filter({ has: m.getByRole('heading', { name: 'Escalations' }) });
    const overdue = escalations.getByTestId('notice-step-group').filter({ hasText: 'Overdue: no ARN recorded' });
    await overdue.getByText('to the managers and the assignee').waitFor();
    const overdueAt = (late.escalations as Array<{ reason: string; at: string }>).filter((e) => e.reason === 'overdue').map((e) => e.at).sort((a, b) => Date.parse(a) - Date.parse(b));
    await overdue.getByText(`${formatDate(overdueAt[0])} to ${formatDate(overdueAt[overdueAt.length - 1])}`, { exact: true }).waitFor();
    await overdue.getByText(/^\d+ steps, \d+ sent$/).waitFor();
    await escalations.getByTestId('notice-step-group').filter({ hasText: partnerStepLabel() }).getByText('to the firm admins').waitFor();
    // At a glance: at most three next steps and a line per kind, not sixty rows.
    const glance = (await escalations.getByTestId('notice-step').count()) + (await escalations.getByTestId('notice-step-group').count());
    expect(glance).toBeLessThanOrEqual(6);
    expect(await escalations.getByTestId('notice-step-each').count()).toBe(0);
    const showAll = escalations.getByRole('button', { name: `Show all ${total} steps` });
    expect(await showAll.getAttribute('aria-expanded')).toBe('false');
    await showAll.click();
    await escalations.getByRole('button', { name: `Hide the ${total} steps` }).waitFor();
    expect(await escalations.getByTestId('notice-step-each').count()).toBe(total);
    // The history names the manager who took it in.
    await m.getByRole('table', { name: 'History' }).getByTestId('history-row').filter({ hasText: 'Taken in' }).getByText(managerUser.name).waitFor();
    expect(await m.locator('main').innerText()).not.toMatch(RAW_CODES);
    expect(await seriousA11yViolations(m)).toEqual([]);
    await screenshot(m, 'notice-escalations');
    await mgr.done();
  });

  it('takes in a notice with its case id, DIN, sections and financial years (refusals under the field), and pages the list', async () => {
    const { take } = await arrange();
    // More than a page of the list (50): the notices past it are one click away.
    for (let i = 0; i < 52; i += 1) await take({ form: 'GSTR-3A' });
    const client = app.demo.clients[0]!;
    const caseId = `AD27${randomBytes(5).toString('hex').toUpperCase()}`;
    const reference = `ZD27${randomBytes(5).toString('hex').toUpperCase()}`;

    const mgr = await app.signedIn('manager', 'manager-intake', '/notices');
    const m = mgr.page;
    await m.getByRole('heading', { name: 'GST notices' }).waitFor();
    const rows = m.getByTestId('notice-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    const open = (await call({ url: app.demo.apiUrl }, 'GET', '/api/notices?limit=200', { token: await app.token('manager') })).body as { items: unknown[]; nextCursor: string | null };
    expect(open.nextCursor).toBeNull();
    await m.getByRole('button', { name: 'Load more' }).click();
    await m.getByTestId('notice-count').getByText(`${open.items.length} notices.`).waitFor();
    expect(await rows.count()).toBe(open.items.length);
    expect(await m.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    await m.getByRole('button', { name: 'Take in a notice' }).click();
    const intake = m.getByRole('dialog', { name: 'Take in a notice' });
    await choose(m, intake, 'Client', client.name);
    await choose(m, intake, 'Form', /^ASMT-10 — /, 'ASMT-10');
    await intake.getByLabel(labelled('Reference number')).fill(reference);
    await intake.getByLabel('Case id (optional)').fill(caseId);
    await intake.getByLabel('DIN (optional)').fill('20261206DDDDDDDD1234');
    await intake.getByLabel('Issued on (optional)').fill(indiaDate(-2));
    await choose(m, intake, 'Financial years it covers (optional)', 'FY 2020-21');
    await choose(m, intake, 'Financial years it covers (optional)', 'FY 2019-20');
    await m.keyboard.press('Escape');
    const sections = intake.getByLabel('Sections (optional)');
    await sections.fill('section 61 read with rule 99');
    await sections.press('Enter');
    expect(await seriousA11yViolations(m)).toEqual([]);
    await intake.getByRole('button', { name: 'Take in' }).click();
    // The API's refusal: announced, and under the field it names.
    await intake.getByRole('alert').filter({ hasText: 'sections' }).waitFor();
    expect(await sections.getAttribute('aria-invalid')).toBe('true');
    // The field reads out the API's words with its label (aria-describedby), and has the focus.
    const described = await Promise.all(((await sections.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean).map((id) => m.locator(`[id="${id}"]`).innerText()));
    const alertFields = await intake.getByRole('alert').getByRole('listitem').allInnerTexts();
    const sectionsProblem = alertFields.find((t) => t.startsWith('sections'))?.replace(/^sections[^:]*:\s*/, '');
    expect({ described, sectionsProblem }).toEqual({ described: expect.arrayContaining([sectionsProblem]), sectionsProblem: expect.any(String) });
    expect(await m.evaluate<string>('document.activeElement ? document.activeElement.id : ""')).toBe(await sections.getAttribute('id'));
    await sections.press('Backspace');
    await sections.fill('61');
    await sections.press('Enter');
    await intake.getByRole('button', { name: 'Take in' }).click();
    await m.waitForURL(/\/notices\/[0-9a-f-]{36}$/);
    await m.getByRole('heading', { name: `ASMT-10 · ${reference}` }).waitFor();
    const facts = m.getByRole('table', { name: 'The notice' });
    await facts.getByText(caseId).waitFor();
    await facts.getByText('20261206DDDDDDDD1234').waitFor();
    await facts.getByText('FY 2019-20, FY 2020-21').waitFor();
    await facts.getByText('61', { exact: true }).waitFor();
    await facts.getByText(ddmmyyyy(indiaDate(-2))).waitFor();
    // Each financial year has its own limitation clock (docs/notices.md "Other clocks").
    await m.getByTestId('notice-dates').getByText('Limitation ends (FY 2019-20)').waitFor();
    await m.getByTestId('notice-dates').getByText('Limitation ends (FY 2020-21)').waitFor();
    expect(await seriousA11yViolations(m)).toEqual([]);
    await mgr.done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
