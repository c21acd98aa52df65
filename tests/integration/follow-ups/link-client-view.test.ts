/**
 * A request the firm snoozed, as its client sees it, on the real stack (PostgreSQL, the Temporal
 * server and worker, the api): a snooze pauses the firm's reminders, not the request. The client's
 * own user reads it as `open`, with no next message's time and no reminder schedule (the firm's
 * planning, which would tell when the chase resumes), in the follow-up, the list (its `?status=`
 * filter and its cursor too) and the notice it is for; the link opens it and takes answers. The
 * firm's people still see `snoozed`, `snoozedUntil`, `nextMessageAt` and the schedule.
 */
import { randomBytes } from 'node:crypto';
import { hashLinkToken } from '../../../db/follow-ups';
import { call } from '../../harness/api';
import { reference, today } from '../notices/helpers';
import { createFollowUp, inDays, startStack, type Stack } from './helpers';

jest.setTimeout(120_000);

describe('a snoozed request as its client sees it', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Business days of two minutes: the snooze (three days) outlasts the test.
    stack = await startStack({ dayMs: 120_000 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const clientId = () => stack.firm.clients[0]!.id;
  const get = (path: string, token: string) => call(stack.api, 'GET', path, { token });

  it('is open to the client, with no next message or schedule, in every answer the client gets, and its link takes answers', async () => {
    const staff = stack.tokens.staff!;
    const client = stack.tokens.client!;
    const notice = await call(stack.api, 'POST', `/api/clients/${clientId()}/notices`, { token: staff, body: { form: 'ASMT-10', reference: reference(), servedOn: today(), assigneeId: stack.firm.users.staff.id } });
    expect(notice.status).toBe(201);
    const snoozedOne = await createFollowUp(stack, clientId(), { title: 'Documents for the reply', dueDate: inDays(6), items: [{ description: 'Bills' }, { description: 'Bank statement' }], noticeId: notice.body.id });
    expect(snoozedOne.status).toBe(201);
    const later = await createFollowUp(stack, clientId(), { title: 'Due later', dueDate: inDays(9), items: [{ description: 'Register' }] });
    expect(later.status).toBe(201);
    const id = snoozedOne.body.id as string;

    const snoozed = await call(stack.api, 'POST', `/api/follow-ups/${id}/snooze`, { token: staff, body: { until: inDays(3) } });
    expect(snoozed.status).toBe(200);
    // The firm sees its own planning.
    const firmView = await get(`/api/follow-ups/${id}`, staff);
    expect(firmView.body).toMatchObject({ status: 'snoozed', snoozedUntil: expect.any(String) });
    expect(typeof firmView.body.nextMessageAt).toBe('string');
    expect(firmView.body.schedule.length).toBeGreaterThan(0);

    // The client's own user: open, no next message, no schedule, no word of the snooze.
    const clientView = await get(`/api/follow-ups/${id}`, client);
    expect(clientView.status).toBe(200);
    expect(clientView.body.status).toBe('open');
    expect(['nextMessageAt', 'snoozedUntil'].filter((field) => field in clientView.body)).toEqual([]);
    expect(clientView.body.schedule).toEqual([]);
    expect(clientView.body.dueDate).toBe(inDays(6));
    expect(JSON.stringify(clientView.body)).not.toMatch(/snooz|nextMessage/i);

    // The list: the same row, `?status=open` finds it, `?status=snoozed` finds nothing (the firm's list is unchanged).
    const list = await get(`/api/follow-ups?clientId=${clientId()}`, client);
    const row = (list.body.items as Array<Record<string, unknown>>).find((r) => r.id === id);
    expect(row).toMatchObject({ status: 'open' });
    expect(JSON.stringify(list.body.items)).not.toMatch(/snooz|nextMessage/i);
    expect((await get(`/api/follow-ups?status=open`, client)).body.items.map((r: { id: string }) => r.id)).toContain(id);
    expect((await get(`/api/follow-ups?status=snoozed`, client)).body.items).toEqual([]);
    expect((await get(`/api/follow-ups?status=snoozed`, staff)).body.items.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await get(`/api/follow-ups?status=open`, staff)).body.items.map((r: { id: string }) => r.id)).not.toContain(id);

    // Paged, the client's list goes soonest due first and its cursor carries the due date, never the next message's time.
    const first = await get(`/api/follow-ups?clientId=${clientId()}&limit=1`, client);
    expect(first.body.items.map((r: { id: string }) => r.id)).toEqual([id]);
    expect(JSON.parse(Buffer.from(first.body.nextCursor as string, 'base64url').toString('utf8'))).toEqual([inDays(6), id]);
    const second = await get(`/api/follow-ups?clientId=${clientId()}&limit=1&cursor=${first.body.nextCursor}`, client);
    expect(second.body.items.map((r: { id: string }) => r.id)).toEqual([later.body.id]);
    // A cursor of the firm's order is not one this list issued: 400, not a 500.
    const firmCursor = (await get(`/api/follow-ups?clientId=${clientId()}&limit=1`, staff)).body.nextCursor as string;
    const refused = await get(`/api/follow-ups?clientId=${clientId()}&cursor=${firmCursor}`, client);
    expect([refused.status, refused.body.error?.code, Object.keys(refused.body.error?.details?.fields ?? {})]).toEqual([400, 'invalid_input', ['cursor']]);

    // The notice the request is for lists it as open to the client, as snoozed to the firm.
    const clientNotice = await get(`/api/notices/${notice.body.id}`, client);
    expect(clientNotice.status).toBe(200);
    expect(clientNotice.body.followUps).toEqual([{ id, title: 'Documents for the reply', status: 'open', dueDate: inDays(6) }]);
    expect((await get(`/api/notices/${notice.body.id}`, staff)).body.followUps[0].status).toBe('snoozed');

    // The link opens the request and takes an answer while the chase is paused.
    const token = randomBytes(32).toString('base64url');
    await stack.db.owner('follow_up_links').insert({ firm_id: stack.firm.id, client_id: clientId(), follow_up_id: id, token_hash: hashLinkToken(token), expires_at: new Date(Date.now() + 86_400_000) });
    const page = await call(stack.api, 'GET', `/api/requests/${token}`);
    expect(page.status).toBe(200);
    expect(JSON.stringify(page.body)).not.toMatch(/snooz|nextMessage|schedule/i);
    const itemId = (snoozedOne.body.items as Array<{ id: string }>)[1]!.id;
    const answered = await call(stack.api, 'POST', `/api/requests/${token}/items/${itemId}/not-applicable`, { body: { reason: 'No bank account in this period' } });
    expect([answered.status, answered.body.outstanding]).toEqual([200, 1]);
  });
});
