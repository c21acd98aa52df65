/**
 * Notice pages in a real Chromium against a fresh `npm start`: a manager takes in a DRC-01B (the
 * form from the catalogue) for staff, the list ranks it with the days left; staff drafts and submits
 * the reply and cannot approve it; the manager finds it in the approvals inbox, reviews and approves
 * it; staff records the filing with its ARN and a hearing. axe-core on the main pages; no page error.
 */
import { randomBytes } from 'node:crypto';
import { choose, useAppStack } from './app-stack';
import { screenshot, seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

describe('GST notices in the browser', () => {
  const app = useAppStack('notices');

  it('takes in a notice, drafts, reviews with four eyes, files with an ARN and records a hearing', async () => {
    const client = app.demo.clients[0]!;
    const reference = `ZD27${randomBytes(5).toString('hex').toUpperCase()}`;
    const manager = await app.signedIn('manager', 'manager', '/notices');
    const m = manager.page;
    await m.getByRole('heading', { name: 'GST notices' }).waitFor();
    await m.getByText(/No open notice/).waitFor();

    // Intake: the form from the catalogue shows its window; the API computes the due date.
    await m.getByRole('button', { name: 'Take in a notice' }).click();
    const intake = m.getByRole('dialog', { name: 'Take in a notice' });
    await choose(m, intake, 'Client', client.name);
    await choose(m, intake, 'Form', /^DRC-01B — /, 'DRC-01B');
    await intake.getByText(/reply within 7 days of service; blocks the next return/).waitFor();
    await intake.getByLabel('Reference number').fill(reference);
    await intake.getByLabel('Tax (₹)').fill('125000');
    await choose(m, intake, 'Assign to', /Sita Staff/);
    expect(await seriousA11yViolations(m)).toEqual([]);
    await intake.getByRole('button', { name: 'Take in' }).click();
    await m.waitForURL(/\/notices\/[0-9a-f-]{36}$/);
    const noticeUrl = new URL(m.url()).pathname;
    await m.getByRole('heading', { name: `DRC-01B · ${reference}` }).waitFor();
    const dates = m.getByTestId('notice-dates');
    await dates.getByText("counted from the form's window").waitFor();
    await dates.getByText('in 7 days').waitFor();
    await m.getByText('Blocks a return').first().waitFor();
    await m.getByText('₹1,25,000.00').first().waitFor();

    // The list: most urgent first, with the days left.
    await m.getByRole('link', { name: 'Notices' }).first().click();
    const row = m.getByTestId('notice-row').filter({ hasText: reference });
    await row.getByText('in 7 days').waitFor();
    expect(await seriousA11yViolations(m)).toEqual([]);
    await screenshot(m, 'notices');

    // Staff drafts and submits; the drafter sees no approve button.
    const staff = await app.signedIn('staff', 'staff', noticeUrl);
    const s = staff.page;
    await s.getByLabel('Reply draft').fill('The difference is the advance received in November; see the working paper.');
    await s.getByRole('button', { name: 'Save draft' }).click();
    await s.getByText('version 1').waitFor();
    await s.getByRole('button', { name: 'Submit for review' }).click();
    await s.getByText('In review').first().waitFor();
    expect(await s.getByRole('button', { name: 'Approve reply' }).count()).toBe(0);
    await s.getByText(/You drafted this reply: another manager or firm admin reviews it/).waitFor();

    // The manager's inbox shows the reply next to close requests; approve it on the notice.
    await m.goto('/approvals');
    const approval = m.getByTestId('approval-row').filter({ hasText: `DRC-01B reply, reference ${reference}` });
    await approval.waitFor();
    expect(await seriousA11yViolations(m)).toEqual([]);
    await approval.getByRole('link', { name: 'Review the reply' }).click();
    await m.getByRole('button', { name: 'Approve reply' }).click();
    const approve = m.getByRole('dialog', { name: 'Approve the reply' });
    await approve.getByLabel('Note (optional)').fill('Fine, file it.');
    await approve.getByRole('button', { name: 'Approve' }).click();
    await m.getByText('Approved', { exact: true }).first().waitFor();
    await m.goto('/approvals');
    await m.getByText('Nothing is waiting for your approval.').waitFor();

    // Staff files with the ARN: a wrong one is refused in words, the right one stops the reminders.
    await s.reload();
    await s.getByRole('button', { name: 'Record filing' }).click();
    const filing = s.getByRole('dialog', { name: 'Record the filing' });
    await filing.getByLabel('ARN').fill('12');
    await filing.getByRole('button', { name: 'Record filing' }).click();
    await filing.getByRole('alert').filter({ hasText: 'an ARN is 10 to 20 capital letters and digits' }).waitFor();
    await filing.getByLabel('ARN').fill('AA2712260000042');
    await filing.getByRole('button', { name: 'Record filing' }).click();
    await filing.waitFor({ state: 'detached' });
    await s.getByText('AA2712260000042').waitFor();
    await s.getByText('Filed', { exact: true }).first().waitFor();

    // A hearing, then an adjournment.
    await s.getByRole('button', { name: 'Add hearing' }).click();
    const hearing = s.getByRole('dialog', { name: 'Add a personal hearing' });
    const inTenDays = new Date(Date.now() + 10 * 86_400_000 + 330 * 60_000).toISOString().slice(0, 10);
    await hearing.getByLabel('Date and time (IST)').fill(`${inTenDays}T11:30`);
    await hearing.getByLabel('Place').fill('Office of the Superintendent, Range 4');
    await hearing.getByRole('button', { name: 'Add hearing' }).click();
    const hearingRow = s.getByTestId('hearing-row').filter({ hasText: 'Range 4' });
    await hearingRow.getByText(/11:30 IST/).waitFor();
    await hearingRow.getByRole('button', { name: 'Adjourn' }).click();
    const adjourn = s.getByRole('dialog', { name: 'Adjourn the hearing' });
    await adjourn.getByLabel('New date and time (IST)').fill(`${inTenDays}T15:00`);
    await adjourn.getByLabel('Reason').fill('Officer on leave');
    await adjourn.getByRole('button', { name: 'Adjourn' }).click();
    await hearingRow.getByText('adjourned 1×: Officer on leave').waitFor();
    expect(await seriousA11yViolations(s)).toEqual([]);
    await s.getByRole('heading', { name: `DRC-01B · ${reference}` }).scrollIntoViewIfNeeded();
    await screenshot(s, 'notice');
    await staff.done();
    await manager.done();
  });

  it('shows a client user their own notices without the firm’s drafts or actions', async () => {
    const portal = await app.signedIn('client', 'client', '/notices');
    const p = portal.page;
    await p.getByTestId('notice-row').first().waitFor();
    expect(await p.getByRole('button', { name: 'Take in a notice' }).count()).toBe(0);
    await p.getByTestId('notice-row').first().getByRole('link').first().click();
    await p.getByTestId('notice-dates').waitFor();
    expect(await p.getByLabel('Reply draft').count()).toBe(0);
    expect(await p.getByText('version 1').count()).toBe(0);
    expect(await p.getByRole('button', { name: /Record filing|Add hearing|Close notice/ }).count()).toBe(0);
    await portal.done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
