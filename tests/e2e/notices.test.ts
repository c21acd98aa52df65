/**
 * Notice pages in a real Chromium against a fresh `npm start`: a manager takes in a DRC-01B (the
 * form from the catalogue) for staff, the list ranks it with the days left; staff drafts and submits
 * the reply and cannot approve it; the manager finds it in the approvals inbox, reviews and approves
 * it; staff records the filing with its ARN and a hearing. Staff uploads the notice's papers (a PDF
 * listed and downloaded as sent; a double click uploads once; a wrong type, a file that is not what
 * it says and one too large refused in the API's words) and moves a reply to the notice of the case
 * it answers. A manager who saved any version of a reply is offered no review of it; the client's
 * user reads the reply as filed and none of the firm's plan. axe-core on the main pages; no page error.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { minimalPdf } from '../fixtures/files/pdf';
import { call } from '../harness/api';
import { choose, labelled, useAppStack } from './app-stack';
import { screenshot, seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

describe('GST notices in the browser', () => {
  // A 1 MB file cap: a file too large is quick to make in the browser.
  const app = useAppStack('notices', { FOLLOW_UP_MAX_FILE_MB: '1' });

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

  it('uploads a notice’s papers (once per click, refusals in words), downloads them, and moves a reply to another notice of the case', async () => {
    const client = app.demo.clients[0]!;
    const caseId = `AD27${randomBytes(5).toString('hex').toUpperCase()}`;
    const manager = await app.token('manager');
    const users = (await call({ url: app.demo.apiUrl }, 'GET', '/api/users', { token: manager })).body as { items: Array<{ id: string; email: string }> };
    const staffId = users.items.find((u) => u.email === app.user('staff').email)!.id;
    const take = async (form: string) => {
      const res = await call({ url: app.demo.apiUrl }, 'POST', `/api/clients/${client.id}/notices`, { token: manager, body: { form, caseId, reference: `ZD27${randomBytes(5).toString('hex').toUpperCase()}`, servedOn: new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10), assigneeId: staffId } });
      if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body as { id: string; reference: string };
    };
    const older = await take('ASMT-10');
    const newer = await take('DRC-01');

    const staff = await app.signedIn('staff', 'staff-papers', `/notices/${older.id}`);
    const s = staff.page;
    await s.getByRole('heading', { name: `ASMT-10 · ${older.reference}` }).waitFor();
    await s.getByText('No document yet.').waitFor();
    const declarations: string[] = [];
    s.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/api/notices/${older.id}/documents`)) declarations.push(r.url());
    });

    // A well-formed PDF, sent with a double click: one declaration, one document, listed.
    const pdf = minimalPdf('ASMT-10 notice for 2023-24');
    await s.getByTestId('notice-document-file').setInputFiles({ name: 'asmt-10-notice.pdf', mimeType: 'application/pdf', buffer: pdf });
    await s.getByText(/asmt-10-notice\.pdf · /).waitFor();
    await s.getByRole('button', { name: 'Upload', exact: true }).dblclick();
    await s.getByRole('status').filter({ hasText: 'asmt-10-notice.pdf uploaded' }).waitFor();
    const listed = s.getByTestId('notice-document');
    await listed.filter({ hasText: 'asmt-10-notice.pdf' }).getByText('The notice').waitFor();
    expect([await listed.count(), declarations.length]).toEqual([1, 1]);
    expect(await seriousA11yViolations(s)).toEqual([]);

    // Downloadable, byte for byte.
    const [download] = await Promise.all([s.waitForEvent('download'), listed.getByRole('link', { name: 'asmt-10-notice.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('asmt-10-notice.pdf');
    expect(fs.readFileSync((await download.path())!).equals(pdf)).toBe(true);

    // Refusals, in the API's words: a type it does not take, a broken PDF, a file too large.
    const refused = async (name: string, mimeType: string, buffer: Buffer, words: RegExp) => {
      await s.getByTestId('notice-document-file').setInputFiles({ name, mimeType, buffer });
      await s.getByRole('button', { name: 'Upload', exact: true }).click();
      const alert = s.getByRole('alert').filter({ hasText: `${name} was not accepted` });
      await alert.filter({ hasText: words }).waitFor();
    };
    await refused('notes.txt', 'text/plain', Buffer.from('call the officer\n'), /Upload one of: PDF.*415 · unsupported_type/);
    // A PDF cut short (a header, no cross-reference): refused when its bytes arrive, not when declared.
    await refused('scan.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), /not one of: PDF.*415 · unsupported_type/);
    await refused('ledger.pdf', 'application/pdf', Buffer.alloc(1536 * 1024, 0x20), /It is 1\.5 MB\. Files may be at most 1 MB\..*413 · too_large/);
    expect(await listed.count()).toBe(1);

    // A reply drafted on the older notice of the case moves to the one it answers.
    await s.getByLabel('Reply draft').fill('Reply to the show cause notice: the credit was reversed in March.');
    await s.getByRole('button', { name: 'Save draft' }).click();
    await s.getByText('version 1').waitFor();
    await s.getByTestId('case-notice').filter({ hasText: newer.reference }).getByText('Assigned').waitFor();
    await s.getByRole('button', { name: 'Move the reply to another notice' }).click();
    const move = s.getByRole('dialog', { name: 'Move the reply to another notice of the case' });
    await choose(s, move, 'The notice it answers', `DRC-01 · ${newer.reference}`);
    await move.getByLabel(labelled('Why (kept in the history)')).fill('The portal shows this reply under the DRC-01.');
    expect(await seriousA11yViolations(s)).toEqual([]);
    await move.getByRole('button', { name: 'Move the reply' }).click();
    await s.waitForURL(new RegExp(`/notices/${newer.id}$`));
    await s.getByRole('heading', { name: `DRC-01 · ${newer.reference}` }).waitFor();
    await s.getByText('version 1').waitFor();
    await s.getByText('Drafting').first().waitFor();
    await s.getByTestId('case-notice').filter({ hasText: older.reference }).getByText('Assigned').waitFor();
    await screenshot(s, 'notice-papers-and-case');
    await staff.done();
  });

  it('shows a client user their own notices without the firm’s drafts or actions', async () => {
    const portal = await app.signedIn('client', 'client', '/notices');
    const p = portal.page;
    await p.getByTestId('notice-row').first().waitFor();
    expect(await p.getByRole('button', { name: 'Take in a notice' }).count()).toBe(0);
    // The firm's own target date is not a column of theirs.
    expect(await p.getByRole('columnheader', { name: 'Our target' }).count()).toBe(0);
    await p.getByTestId('notice-row').first().getByRole('link').first().click();
    await p.getByTestId('notice-dates').waitFor();
    expect(await p.getByLabel('Reply draft').count()).toBe(0);
    expect(await p.getByText('version 1').count()).toBe(0);
    expect(await p.getByRole('button', { name: /Record filing|Add hearing|Close notice/ }).count()).toBe(0);
    await portal.done();
  });

  it('offers no review to a manager who saved any version of the reply, and shows the client the reply as filed, not the firm’s plan', async () => {
    const client = app.demo.clients[0]!;
    const api = (method: string, path: string, token: string, body?: unknown) => call({ url: app.demo.apiUrl }, method, path, { token, body });
    const [manager, staff, admin] = [await app.token('manager'), await app.token('staff'), await app.token('firm_admin')];
    const users = (await api('GET', '/api/users', manager)).body as { items: Array<{ id: string; email: string }> };
    const staffId = users.items.find((u) => u.email === app.user('staff').email)!.id;
    const today = new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
    const notice = (await api('POST', `/api/clients/${client.id}/notices`, manager, { form: 'ASMT-10', reference: `ZD27${randomBytes(5).toString('hex').toUpperCase()}`, servedOn: today, assigneeId: staffId })).body as { id: string; reference: string };
    // Staff drafts, the manager rewrites a version, staff saves the last one and submits it.
    for (const [token, text] of [[staff, 'Version one.'], [manager, 'Version two, by the manager.'], [staff, 'Dear Sir, the difference is explained in the annexure.']] as const) {
      expect((await api('PUT', `/api/notices/${notice.id}/draft`, token, { text })).status).toBe(200);
    }
    expect((await api('POST', `/api/notices/${notice.id}/submit`, staff)).status).toBe(200);

    // Four eyes counts every drafter: the manager is offered no review and is told why.
    const m = await app.signedIn('manager', 'manager-four-eyes', `/notices/${notice.id}`);
    await m.page.getByText('You drafted this reply: another manager or firm admin reviews it (four eyes).').waitFor();
    expect(await m.page.getByRole('button', { name: /Approve reply|Request changes/ }).count()).toBe(0);
    await m.done();
    expect((await api('POST', `/api/notices/${notice.id}/approve`, admin, {})).status).toBe(200);
    expect((await api('POST', `/api/notices/${notice.id}/filing`, staff, { arn: 'AD2712260004567', filedOn: today })).status).toBe(200);

    // The client's own user reads the reply as filed, and none of the firm's working.
    const portal = await app.signedIn('client', 'client-filed', `/notices/${notice.id}`);
    const p = portal.page;
    const reply = p.getByTestId('client-reply');
    await reply.getByText('Dear Sir, the difference is explained in the annexure.').waitFor();
    await reply.getByText('AD2712260004567').waitFor();
    expect(await p.getByText('Version two, by the manager.').count()).toBe(0);
    expect(await p.getByTestId('notice-dates').getByText('Our target').count()).toBe(0);
    expect(await p.getByRole('heading', { name: /^(Reminders|Escalations)$/ }).count()).toBe(0);
    expect(await seriousA11yViolations(p)).toEqual([]);
    await screenshot(p, 'notice-client-filed');
    await portal.done();
  });

  it('tells the client of a reply filed outside Taalmel whether a copy of it is among their documents', async () => {
    const client = app.demo.clients[0]!;
    const api = (method: string, path: string, token: string, body?: unknown) => call({ url: app.demo.apiUrl }, method, path, { token, body });
    const staff = await app.token('staff');
    const today = new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
    const upload = async (noticeId: string, kind: string) => {
      const bytes = minimalPdf(kind);
      const declared = await api('POST', `/api/notices/${noticeId}/documents`, staff, { filename: `${kind}.pdf`, contentType: 'application/pdf', size: bytes.length, kind });
      expect(declared.status).toBe(201);
      const url = new URL((declared.body as { uploadUrl: string }).uploadUrl);
      expect((await fetch(`${app.demo.apiUrl}${url.pathname}${url.search}`, { method: 'PUT', body: bytes })).status).toBe(200);
      return (declared.body as { documentId: string }).documentId;
    };
    // One reply recorded with the portal's acknowledgement only (evidence, the firm's), one with the reply as filed.
    const noticeIds: string[] = [];
    for (const [kind, arn] of [['evidence', 'AD2712260004601'], ['reply', 'AD2712260004602']] as const) {
      const notice = (await api('POST', `/api/clients/${client.id}/notices`, staff, { form: 'ASMT-10', reference: `ZD27${randomBytes(5).toString('hex').toUpperCase()}`, servedOn: today })).body as { id: string };
      const paper = await upload(notice.id, kind);
      expect((await api('POST', `/api/notices/${notice.id}/outside-reply`, staff, { arn, filedOn: today, documentIds: [paper] })).status).toBe(200);
      noticeIds.push(notice.id);
    }
    const portal = await app.signedIn('client', 'client-outside', `/notices/${noticeIds[0]}`);
    const p = portal.page;
    let reply = p.getByTestId('client-reply');
    await reply.getByText('AD2712260004601').waitFor();
    await reply.getByText('No copy of the reply as filed is among the documents', { exact: false }).waitFor();
    expect(await reply.getByText('The reply as filed is among the documents.').count()).toBe(0);
    await p.goto(`/notices/${noticeIds[1]}`);
    reply = p.getByTestId('client-reply');
    await reply.getByText('AD2712260004602').waitFor();
    await reply.getByText('The reply as filed is among the documents.').waitFor();
    expect(await reply.getByText('No copy of the reply as filed', { exact: false }).count()).toBe(0);
    await portal.done();
  });

  afterAll(() => {
    expect(app.errors).toEqual(Object.fromEntries(Object.keys(app.errors).map((k) => [k, []])));
  });
});
