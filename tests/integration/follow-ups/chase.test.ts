/**
 * A whole chase on the real stack (api, worker, Temporal, PostgreSQL, Mailpit) with business days
 * of a few seconds: the first email, a partial answer through the link (only what is missing is
 * listed after it), the last item answered, the follow-up completing, and nothing sent after.
 */
import { call } from '../../harness/api';
import { caughtMessage, caughtHeaders, caughtTo, waitForCaught } from '../../harness/mail';
import { statusQuery } from '../../../workflows/follow-up-definitions';
import { clientEmail, createFollowUp, DAY_MS, inDays, linkTokenIn, PDF_BYTES, startStack, uploadThroughLink, type Stack } from './helpers';

// A chase of six business days (24 s) and the wait past its last slot, on a machine that may be loaded.
jest.setTimeout(120_000);

describe('client follow-up chase', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('emails the client, lists only what is missing after a partial answer, and completes when the last item is answered through the link', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    // The T-1 reminder comes on business day 4 (16 s after the first message): the partial answer
    // below must reach the workflow before it, however slowly a loaded machine runs the steps between.
    const due = inDays(5);
    const created = await createFollowUp(stack, client.id, {
      title: 'November purchase bills',
      dueDate: due,
      items: [{ description: 'Purchase invoices', period: '2026-11' }, { description: 'Bank statement', period: '2026-11' }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'open', dueDate: due, clientId: client.id, workflowId: `followup:${stack.firm.id}:${created.body.id}` });
    expect(created.body.schedule.map((s: { kind: string; status: string }) => `${s.kind}:${s.status}`)).toEqual(['initial:planned', 'anchored:planned', 'anchored:planned', 'overdue:planned']);
    expect(created.body.schedule[0].at).toMatch(/\+05:30$/);
    expect(created.body.escalations.map((e: { audience: string; reason: string }) => `${e.audience}:${e.reason}`)).toEqual(expect.arrayContaining(['owner:reminders_unanswered', 'manager:due_passed', 'firm_admin:overdue']));
    const [purchase, bank] = created.body.items;

    const [first] = await waitForCaught(to, 1);
    const { token, text, html } = await linkTokenIn(first!);
    expect(text).toContain(stack.firm.name);
    expect(text).toContain('Purchase invoices — November 2026');
    expect(text).toContain(`due ${due.split('-').reverse().join('-')}`);
    expect(text).toContain('Bank statement');
    expect(text).toContain(stack.firm.users.staff.email); // the staff contact
    expect(html).toContain(`/r/${token}`);
    const headers = await caughtHeaders(first!.ID);
    expect(headers['List-Unsubscribe']?.[0]).toMatch(/^<http:\/\/taalmel\.test\/api\/requests\/[A-Za-z0-9_-]+\/unsubscribe>$/);
    // Only a hash of the token is stored.
    const links = await stack.db.owner('follow_up_links').where({ follow_up_id: created.body.id });
    expect(links.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(links)).not.toContain(token);

    const page = await call(stack.api, 'GET', `/api/requests/${token}`);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      firmName: stack.firm.name,
      clientName: client.name,
      title: 'November purchase bills',
      dueDate: due,
      dueDateText: due.split('-').reverse().join('-'),
      // Due by a date, not by a return: no return to name.
      deadline: null,
      periodLabel: null,
      contact: { name: expect.any(String), email: stack.firm.users.staff.email },
      items: [
        { id: purchase.id, description: 'Purchase invoices', period: '2026-11', periodText: 'November 2026', status: 'outstanding' },
        { id: bank.id, description: 'Bank statement', period: '2026-11', periodText: 'November 2026', status: 'outstanding' },
      ],
    });

    // A file that is not what it claims is refused by content.
    const fake = await uploadThroughLink(stack, token, purchase.id, Buffer.from('MZ\x90\x00 not a pdf'), 'application/pdf');
    expect(fake.put).toMatchObject({ status: 415, body: { error: { code: 'unsupported_type' } } });
    // The bytes must be what was declared: its size, and its type (text is not a PDF, nor a table).
    const declaredPut = async (declared: { contentType: string; size: number }, bytes: Buffer) => {
      const url = new URL((await call(stack.api, 'POST', `/api/requests/${token}/items/${purchase.id}/uploads`, { body: { filename: 'a.pdf', ...declared } })).body.uploadUrl as string);
      const res = await fetch(`${stack.api.url}${url.pathname}${url.search}`, { method: 'PUT', body: bytes });
      return { status: res.status, body: (await res.json()) as { error: { code: string; details: Record<string, unknown> } } };
    };
    const longer = await declaredPut({ contentType: 'application/pdf', size: 10 }, Buffer.from('hello world'));
    expect([longer.status, longer.body.error.code, longer.body.error.details]).toEqual([400, 'invalid_input', { fields: { body: '11 bytes arrived; 10 were declared' } }]);
    const words = await declaredPut({ contentType: 'text/csv', size: 11 }, Buffer.from('hello world'));
    expect([words.status, words.body.error.code]).toEqual([415, 'unsupported_type']);
    const table = Buffer.from('invoice,amount\nINV-1,100\n');
    const csvAsPdf = await declaredPut({ contentType: 'application/pdf', size: table.length }, table);
    expect([csvAsPdf.status, csvAsPdf.body.error.code, csvAsPdf.body.error.details]).toEqual([415, 'unsupported_type', { declared: 'application/pdf', detected: 'text/csv' }]);
    expect((await call(stack.api, 'GET', `/api/requests/${token}`)).body.items[0].status).toBe('outstanding');

    const uploaded = await uploadThroughLink(stack, token, purchase.id, PDF_BYTES);
    expect(uploaded.declared.status).toBe(201);
    expect(uploaded.put?.status).toBe(200);
    expect(uploaded.put?.body).toMatchObject({ itemId: purchase.id, contentType: 'application/pdf', size: PDF_BYTES.length, outstanding: 1 });
    const reuse = await fetch(`${stack.api.url}${new URL(uploaded.declared.body.uploadUrl).pathname}${new URL(uploaded.declared.body.uploadUrl).search}`, { method: 'PUT', body: PDF_BYTES });
    expect(reuse.status).toBe(403);
    // A received item keeps its files: it cannot be marked not applicable after.
    const late = await call(stack.api, 'POST', `/api/requests/${token}/items/${purchase.id}/not-applicable`, { body: { reason: 'never mind' } });
    expect([late.status, late.body.error.code, late.body.error.details]).toEqual([422, 'item_answered', { status: 'received' }]);

    // The acknowledgement, then the next reminder (T-1) listing only the bank statement.
    const afterAnswer = await waitForCaught(to, 3, 10 * DAY_MS);
    const subjects = afterAnswer.map((m) => m.Subject);
    expect(subjects[1]).toMatch(/received 1 item/);
    const reminder = await caughtMessage(afterAnswer[2]!.ID);
    expect(reminder.Text).toContain('Bank statement');
    expect(reminder.Text).not.toContain('Purchase invoices');

    const detail = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.reviewer });
    expect(detail.status).toBe(200);
    expect(detail.body.items[0]).toMatchObject({ status: 'received', files: [{ filename: 'bills.pdf', size: PDF_BYTES.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    expect(detail.body.sent.length).toBeGreaterThanOrEqual(2);
    const file = await fetch(`${stack.api.url}/api/follow-ups/${created.body.id}/files/${detail.body.items[0].files[0].id}`, { headers: { authorization: `Bearer ${stack.tokens.staff}` } });
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF_BYTES)).toBe(true);

    // The last item: not applicable, with a reason.
    const { token: latest } = await linkTokenIn(afterAnswer[2]!);
    const noReason = await call(stack.api, 'POST', `/api/requests/${latest}/items/${bank.id}/not-applicable`, { body: {} });
    expect(noReason.status).toBe(400);
    const na = await call(stack.api, 'POST', `/api/requests/${latest}/items/${bank.id}/not-applicable`, { body: { reason: 'no bank account this month' } });
    expect(na.status).toBe(200);
    expect(na.body).toMatchObject({ status: 'not_applicable', outstanding: 0 });

    const handle = stack.temporal.client.workflow.getHandle(created.body.workflowId);
    expect(await handle.result()).toEqual({ state: 'completed' });
    const done = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff });
    expect(done.body.status).toBe('completed');
    expect(done.body.schedule.filter((s: { status: string }) => s.status === 'planned')).toEqual([]);
    // Every link of the follow-up is revoked.
    expect((await call(stack.api, 'GET', `/api/requests/${token}`)).status).toBe(410);
    expect((await call(stack.api, 'GET', `/api/requests/${latest}`)).body.error.code).toBe('link_expired');
    // No message after completion (waiting past the would-be T and T+1 slots).
    const count = (await caughtTo(to)).length;
    const lastSlot = Date.parse(created.body.schedule.at(-1).at);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastSlot - Date.now()) + DAY_MS / 2));
    expect((await caughtTo(to)).length).toBe(count);

    // Every write was audited, the client's uploads as the link.
    const actions = (await stack.db.owner('audit_events').where({ firm_id: stack.firm.id }).whereLike('action', 'follow_up.%')).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['follow_up.created', 'follow_up.file_received', 'follow_up.item_not_applicable', 'follow_up.completed']));
    const received = await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, action: 'follow_up.file_received', entity_type: 'follow_up_file' }).first();
    expect(received.actor_email).toBe('client-link');
    expect(JSON.stringify(received.after)).not.toContain('%PDF');
    const status = await handle.query(statusQuery);
    expect(status.state).toBe('completed');
  });
});
