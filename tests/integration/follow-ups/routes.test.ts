/**
 * The follow-up routes and the checklist link on the real stack: who may do what, other firms' ids,
 * idempotent creation, deadline-based due dates, due-date changes and snoozes replanning the
 * schedule, nudges and their refusals, the period close cancelling its follow-ups, and the link
 * refusing other firms' items, expired, revoked and unknown tokens (all 410).
 */
import { randomBytes } from 'node:crypto';
import { call, login } from '../../harness/api';
import { createTestFirm } from '../../harness/factories';
import { caughtTo, waitForCaught } from '../../harness/mail';
import { seedReconciledPeriod } from '../periods/helpers';
import { statusQuery } from '../../../workflows/follow-up-definitions';
import { positionOf } from '../../../domain/follow-ups';
import { hashLinkToken } from '../../../db/follow-ups';
import { clientEmail, createFollowUp, endLiveFollowUps, eventually, inDays, linkTokenIn, PDF_BYTES, startStack, uploadThroughLink, type Stack } from './helpers';

describe('follow-up routes and the checklist link', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Longer business days than the chase tests: several calls must fit in the first day.
    stack = await startStack({ dayMs: 12_000 });
  });
  afterEach(async () => {
    await endLiveFollowUps(stack);
    // The unsubscribe test opts its client out; a failure before it opts the client back in must
    // not silence that client's email in the tests after it.
    await stack.db.owner('clients').where({ firm_id: stack.firm.id }).update({ email_opted_out_at: null });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const clientId = () => stack.firm.clients[0]!.id;
  async function cancel(id: string) {
    await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.manager, body: {} });
  }

  it('checks roles, input and tenancy, and creates one follow-up per Idempotency-Key', async () => {
    const body = { title: 'Bills', dueDate: inDays(10), items: [{ description: 'Bills' }] };
    expect((await createFollowUp(stack, clientId(), body, 'reviewer')).status).toBe(403);
    expect((await createFollowUp(stack, clientId(), body, 'client')).status).toBe(403);
    const both = await createFollowUp(stack, clientId(), { ...body, deadline: { returnType: 'GSTR-3B', period: '2026-11' } });
    expect(both.status).toBe(400);
    expect(both.body.error.details.fields.dueDate).toMatch(/exactly one/);
    expect((await createFollowUp(stack, clientId(), { ...body, items: [] })).status).toBe(400);
    expect((await createFollowUp(stack, clientId(), { ...body, dueDate: '2026-02-30' })).status).toBe(400);
    // A due date already passed would plan no message and no escalation to tell anyone: refused, nothing written.
    const countBefore = await stack.db.owner('follow_ups').where({ client_id: clientId() }).count('* as n').first();
    const past = await createFollowUp(stack, clientId(), { ...body, dueDate: inDays(-1) });
    expect(past.status).toBe(422);
    expect(past.body.error).toMatchObject({ code: 'due_date_passed', details: { dueDate: inDays(-1) } });
    const pastDeadline = await createFollowUp(stack, clientId(), { title: 'Old 3B', deadline: { returnType: 'GSTR-3B', period: '2025-06' }, items: [{ description: 'x' }] });
    expect(pastDeadline.status).toBe(422);
    expect(pastDeadline.body.error).toMatchObject({ code: 'due_date_passed', details: { deadline: { returnType: 'GSTR-3B', period: '2025-06' } } });
    expect(await stack.db.owner('follow_ups').where({ client_id: clientId() }).count('* as n').first()).toEqual(countBefore);
    expect((await createFollowUp(stack, clientId(), { ...body, policy: { sendAt: '22:00' } })).body.error.details.fields.policy).toMatch(/quiet hours/);

    const other = await createTestFirm(stack.db);
    expect((await createFollowUp(stack, other.clients[0]!.id, body)).status).toBe(404);

    const key = `key-${Date.now()}`;
    const first = await createFollowUp(stack, clientId(), body, 'staff', { 'idempotency-key': key });
    const again = await createFollowUp(stack, clientId(), body, 'staff', { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await stack.db.owner('follow_ups').where({ idempotency_key: key }).count('* as n').first()).toEqual({ n: 1 });

    // Another firm's staff cannot see or touch it: 404, never 403.
    const otherToken = await login(stack.api, other.users.staff.email, other.users.staff.password);
    expect((await call(stack.api, 'GET', `/api/follow-ups/${first.body.id}`, { token: otherToken })).status).toBe(404);
    expect((await call(stack.api, 'POST', `/api/follow-ups/${first.body.id}/nudge`, { token: otherToken })).status).toBe(404);
    expect((await call(stack.api, 'GET', '/api/follow-ups', { token: otherToken })).body.items).toEqual([]);
    // The client role sees its own client's follow-ups only.
    const mine = await call(stack.api, 'GET', `/api/follow-ups?clientId=${clientId()}`, { token: stack.tokens.client });
    expect(mine.body.items.map((i: { id: string }) => i.id)).toContain(first.body.id);

    await stack.db.owner('clients').where({ id: stack.firm.clients[1]!.id }).update({ email: '' });
    const noEmail = await createFollowUp(stack, stack.firm.clients[1]!.id, body);
    expect(noEmail.status).toBe(422);
    expect(noEmail.body.error.code).toBe('client_has_no_email');
    await stack.db.owner('clients').where({ id: stack.firm.clients[1]!.id }).update({ email: `beta-${Date.now()}@client.test` });
    const movedBack = await call(stack.api, 'PATCH', `/api/follow-ups/${first.body.id}`, { token: stack.tokens.staff, body: { dueDate: inDays(-1) } });
    expect(movedBack.status).toBe(422);
    expect(movedBack.body.error.code).toBe('due_date_passed');
    expect((await call(stack.api, 'GET', `/api/follow-ups/${first.body.id}`, { token: stack.tokens.staff })).body.dueDate).toBe(body.dueDate);
    await cancel(first.body.id);
  });

  it('derives the due date from a deadline (target minus two days) and lists follow-ups soonest first', async () => {
    const created = await createFollowUp(stack, clientId(), { title: '3B data', deadline: { returnType: 'GSTR-3B', period: '2027-01' }, items: [{ description: 'Sales register' }] });
    expect(created.status).toBe(201);
    // Two days before the compliance calendar's target date for that return (the due date less the firm's buffer).
    const calendar = await call(stack.api, 'GET', `/api/clients/${clientId()}/calendar?from=2027-02-01&to=2027-02-28&returnType=GSTR-3B`, { token: stack.tokens.staff });
    const entry = calendar.body.items.find((i: { period: string }) => i.period === '2027-01');
    expect(entry).toBeTruthy();
    expect(created.body.dueDate).toBe(new Date(Date.parse(`${entry.targetDate}T00:00:00Z`) - 2 * 86_400_000).toISOString().slice(0, 10));
    expect(created.body.dueDate < entry.dueDate).toBe(true);

    // A notified extension moves the follow-up with the deadline, and its workflow replans.
    const extended = await call(stack.api, 'POST', '/api/calendar/extensions', { token: stack.tokens.firm_admin, body: { returnType: 'GSTR-3B', period: '2027-01', stateCodes: null, dueDate: '2027-03-10', reference: 'Notification 9/2027' } });
    expect(extended.status).toBe(201);
    const after = await call(stack.api, 'GET', `/api/clients/${clientId()}/calendar?from=2027-03-01&to=2027-03-31&returnType=GSTR-3B`, { token: stack.tokens.staff });
    const moved = after.body.items.find((i: { period: string }) => i.period === '2027-01');
    const expectedDue = new Date(Date.parse(`${moved.targetDate}T00:00:00Z`) - 2 * 86_400_000).toISOString().slice(0, 10);
    expect((await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff })).body.dueDate).toBe(expectedDue);
    expect((await stack.temporal.client.workflow.getHandle(created.body.workflowId).query(statusQuery)).dueDate).toBe(expectedDue);
    expect(await stack.db.owner('audit_events').where({ entity_id: created.body.id, action: 'follow_up.deadline_moved' }).first()).toBeTruthy();
    const notFiled = await createFollowUp(stack, clientId(), { title: 'IFF', deadline: { returnType: 'IFF', period: '2027-01' }, items: [{ description: 'x' }] });
    expect(notFiled.status).toBe(422);
    expect(notFiled.body.error.code).toBe('deadline_not_applicable');
    await cancel(created.body.id);

    // Soonest next message first: two follow-ups whose next messages fall in a known order, created
    // in the opposite one (a list in creation order, or in none, puts them the wrong way round).
    const later = await createFollowUp(stack, clientId(), { title: 'Due later', dueDate: inDays(60), items: [{ description: 'Stock statement' }] });
    const sooner = await createFollowUp(stack, clientId(), { title: 'Due sooner', dueDate: inDays(20), items: [{ description: 'Bank statement' }] });
    expect([later.status, sooner.status]).toEqual([201, 201]);
    const ids: string[] = [sooner.body.id, later.body.id];
    // Each opens with its first message at once; after it, the next one is a reminder planned from its
    // due date (days away), so the one due sooner is messaged next.
    const rows = await eventually(
      'both first messages sent and the next ones planned',
      async () => {
        const found: Array<{ id: string; schedule: Array<{ key: string; status: string }>; next_message_at: Date | null }> = await stack.db.owner('follow_ups').whereIn('id', ids).select('id', 'schedule', 'next_message_at');
        return found.length === 2 && found.every((r) => r.next_message_at !== null && r.schedule.find((m) => m.key === 'initial')?.status !== 'planned') && found;
      },
      90_000,
    );
    const nextOf = (id: string) => rows.find((r) => r.id === id)!.next_message_at!.getTime();
    expect(nextOf(sooner.body.id)).toBeLessThan(nextOf(later.body.id));
    const list = await call(stack.api, 'GET', `/api/follow-ups?status=open&clientId=${clientId()}&limit=500`, { token: stack.tokens.manager });
    expect(list.status).toBe(200);
    const listed = list.body.items.map((i: { id: string; title: string }) => i).filter((i: { id: string }) => ids.includes(i.id));
    expect(listed.map((i: { title: string }) => i.title)).toEqual(['Due sooner', 'Due later']);
    const times = list.body.items.map((i: { nextMessageAt: string | null }) => i.nextMessageAt).filter(Boolean).map((t: string) => Date.parse(t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('replans on a new due date and a snooze, never keeping a slot of the old date, and refuses a second nudge the same day', async () => {
    const to = await clientEmail(stack, clientId());
    const before = (await caughtTo(to)).length;
    // No quiet hours here: a business day lasts seconds, and the nudge below must meet the daily rule, not the night.
    const created = await createFollowUp(stack, clientId(), { title: 'Replan', dueDate: inDays(4), items: [{ description: 'Ledger' }], policy: { deadlineOffsets: [1, 0], overdueOffsets: [1], intervalDays: 30, quietHours: { from: '00:00', to: '00:00' } } });
    expect(created.status).toBe(201);
    await waitForCaught(to, before + 1);
    const oldSlots = created.body.schedule.filter((s: { kind: string }) => s.kind !== 'initial').map((s: { at: string }) => s.at);

    const patched = await call(stack.api, 'PATCH', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff, body: { dueDate: inDays(8) } });
    expect(patched.status).toBe(200);
    expect(patched.body.dueDate).toBe(inDays(8));
    const planned = patched.body.schedule.filter((s: { status: string }) => s.status === 'planned').map((s: { at: string }) => s.at);
    expect(planned.length).toBeGreaterThan(0);
    for (const at of planned) expect(oldSlots).not.toContain(at);
    // The next message shown is the fresh plan's, never the row's old one.
    expect(patched.body.nextMessageAt).toBe(planned[0]);

    const { clock } = await stack.db.owner('follow_ups').where({ id: created.body.id }).first('clock');
    const firstDay = positionOf(clock, Date.parse(created.body.schedule[0].at)).day;
    // A loaded machine may have let the first business day end already; then wait for the next one to end too (a new day allows a nudge).
    if (positionOf(clock, Date.now()).day !== firstDay) throw new Error('the first business day ended before the nudge: DAY_MS is too short for this machine');
    const nudged = await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/nudge`, { token: stack.tokens.staff });
    // The first message already went out today (business day 0): a nudge is refused.
    expect(nudged.status).toBe(422);
    expect(nudged.body.error.code).toBe('already_sent_today');
    const refusal = await stack.db.owner('audit_events').where({ request_id: nudged.headers.get('x-request-id') }).first();
    expect(refusal).toMatchObject({ action: 'follow_up.nudge_refused', entity_id: created.body.id, actor_id: stack.firm.users.staff.id });

    const past = await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/snooze`, { token: stack.tokens.staff, body: { until: '2020-01-01T00:00:00Z' } });
    expect([past.status, past.body.error?.message, past.body.error?.details]).toEqual([400, 'until must be in the future.', { fields: { until: 'Must be in the future.' } }]);
    const snoozed = await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/snooze`, { token: stack.tokens.staff, body: { until: inDays(20) } });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body.status).toBe('snoozed');
    expect(snoozed.body.schedule.filter((s: { status: string }) => s.status === 'planned')).toEqual([]);
    expect(snoozed.body.nextMessageAt).toBeNull();
    expect((await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/snooze`, { token: stack.tokens.staff, body: { until: '2020-01-01' } })).status).toBe(400);
    const resumed = await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/resume`, { token: stack.tokens.staff });
    expect(resumed.status).toBe(200);
    expect(resumed.body.schedule.some((s: { status: string }) => s.status === 'planned')).toBe(true);
    expect(resumed.body.nextMessageAt).toBe(resumed.body.schedule.find((s: { status: string }) => s.status === 'planned').at);

    const added = await call(stack.api, 'PATCH', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff, body: { items: [{ description: 'Cash book', period: '2026-11' }] } });
    expect(added.body.items.map((i: { description: string }) => i.description)).toEqual(['Ledger', 'Cash book']);

    const completed = await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/complete`, { token: stack.tokens.staff, body: { note: 'got it by hand' } });
    expect(completed.status).toBe(200);
    expect(completed.body.status).toBe('completed');
    expect(completed.body.schedule.every((s: { status: string }) => s.status !== 'planned')).toBe(true);
    expect((await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/complete`, { token: stack.tokens.staff, body: {} })).body.error.code).toBe('follow_up_ended');
    expect(await stack.temporal.client.workflow.getHandle(created.body.workflowId).result()).toEqual({ state: 'completed' });
    const actions = (await stack.db.owner('audit_events').where({ entity_id: created.body.id }).orderBy('seq')).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['follow_up.created', 'follow_up.changed', 'follow_up.snoozed', 'follow_up.resumed', 'follow_up.completed']));
  });

  it('an unsubscribe through the link stops automatic email and gives the owner a call task', async () => {
    const client = stack.firm.clients[1]!;
    const to = await clientEmail(stack, client.id);
    const created = await createFollowUp(stack, client.id, { title: 'Unsubscribe', dueDate: inDays(2), items: [{ description: 'PAN card' }] });
    expect(created.status).toBe(201);
    const [first] = await waitForCaught(to, 1);
    const { token } = await linkTokenIn(first!);
    // The one-click unsubscribe of the email's List-Unsubscribe-Post header (RFC 8058), as a mail provider sends it.
    const res = await fetch(`${stack.api.url}/api/requests/${token}/unsubscribe`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { unsubscribed: true } });
    expect((await stack.db.owner('clients').where({ id: client.id }).first()).email_opted_out_at).not.toBeNull();
    expect(await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, action: 'client.email_unsubscribed', entity_id: client.id }).first()).toBeTruthy();
    // The next slot is not sent; the owner is asked to call.
    const skipped = await eventually('the next slot skipped', async () => (await stack.db.owner('outbox').where({ follow_up_id: created.body.id, status: 'skipped' }).first()) ?? null);
    expect(skipped.error).toMatch(/unsubscribed/);
    expect((await caughtTo(to)).length).toBe(1);
    const task = await stack.db.owner('notifications').where({ firm_id: stack.firm.id, user_id: stack.firm.users.staff.id, kind: 'follow_up.call_client' }).first();
    expect(task.payload).toMatchObject({ followUpId: created.body.id });
    await cancel(created.body.id);
    await stack.db.owner('clients').where({ id: client.id }).update({ email_opted_out_at: null });
  });

  it('closing the period cancels its follow-ups: the workflow ends and the link stops working', async () => {
    const period = '2026-10';
    const to = await clientEmail(stack, clientId());
    const before = (await caughtTo(to)).length;
    const created = await createFollowUp(stack, clientId(), { title: 'October', dueDate: inDays(5), items: [{ description: 'October bills', period }] });
    expect(created.status).toBe(201);
    const [, ...rest] = await waitForCaught(to, before + 1);
    const { token } = await linkTokenIn(rest.at(-1) ?? (await caughtTo(to)).at(-1)!);
    await seedReconciledPeriod(stack.db, stack.firm.id, clientId(), period);
    const requested = await call(stack.api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: stack.tokens.staff, body: {} });
    expect(requested.status).toBe(202);
    const approved = await call(stack.api, 'POST', `/api/close-requests/${requested.body.closeRequestId}/approve`, { token: stack.tokens.manager, body: {} });
    expect(approved.status).toBe(200);
    expect(await stack.temporal.client.workflow.getHandle(created.body.workflowId).result()).toEqual({ state: 'cancelled' });
    const row = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff });
    expect(row.body.status).toBe('cancelled');
    expect((await call(stack.api, 'GET', `/api/requests/${token}`)).status).toBe(410);
    const audit = await stack.db.owner('audit_events').where({ entity_id: created.body.id, action: 'follow_up.cancelled_period_closed' }).first();
    expect(audit).toMatchObject({ actor_id: stack.firm.users.manager.id });

    // A new follow-up for the closed period would chase what is settled: refused before anything is written or started.
    const countBefore = await stack.db.owner('follow_ups').where({ client_id: clientId() }).count('* as n').first();
    const late = await createFollowUp(stack, clientId(), { title: 'October again', dueDate: inDays(5), items: [{ description: 'October bills', period }] });
    expect(late.status).toBe(422);
    expect(late.body.error).toMatchObject({ code: 'period_closed', details: { period } });
    expect(await stack.db.owner('follow_ups').where({ client_id: clientId() }).count('* as n').first()).toEqual(countBefore);
  });

  it('creating a follow-up for a period while its close is approved: one waits for the other, and no live follow-up is left in the closed period', async () => {
    const client = stack.firm.clients[1]!;
    const period = '2026-09';
    await seedReconciledPeriod(stack.db, stack.firm.id, client.id, period);
    const requested = await call(stack.api, 'POST', `/api/clients/${client.id}/periods/${period}/close`, { token: stack.tokens.staff, body: {} });
    expect(requested.status).toBe(202);
    const waiting = async (where: string) =>
      (await stack.db.owner.raw(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and ${where}`)).rows[0].n > 0;

    // Hold the client's row, so the create stops at its insert (its foreign key waits), after its check of the period.
    const holder = await stack.db.owner.transaction();
    let approval: Promise<Awaited<ReturnType<typeof call>>> | null = null;
    let creation: ReturnType<typeof createFollowUp> | null = null;
    try {
      await holder.raw('select id from clients where id = ? for update', [client.id]);
      creation = createFollowUp(stack, client.id, { title: 'September', dueDate: inDays(5), items: [{ description: 'September bills', period }] });
      await eventually('the create to wait at its insert', () => waiting(`query ilike 'insert into "follow_ups"%'`));
      // The approval, meanwhile: it must not close the period under the create's feet.
      let settled = false;
      approval = call(stack.api, 'POST', `/api/close-requests/${requested.body.closeRequestId}/approve`, { token: stack.tokens.manager, body: {} }).finally(() => {
        settled = true;
      });
      await eventually('the approval to finish or wait for the create', async () => settled || (await waiting(`wait_event = 'advisory'`)));
    } finally {
      await holder.rollback();
    }
    const [created, approved] = await Promise.all([creation!, approval!]);
    expect(approved.status).toBe(200);
    // Either order is right (the create refused, or the approval cancelling what it made); what is
    // wrong is a follow-up still live in the closed period: nothing would ever cancel it.
    expect((await stack.db.owner('periods').where({ client_id: client.id, period }).first()).state).toBe('closed');
    const live = await stack.db.owner('follow_ups').where({ client_id: client.id, period }).whereIn('status', ['open', 'snoozed', 'exhausted']);
    expect(live.map((f) => ({ id: f.id, status: f.status }))).toEqual([]);
    if (created.status === 201) {
      expect(await stack.temporal.client.workflow.getHandle(created.body.workflowId).result()).toEqual({ state: 'cancelled' });
    } else {
      expect([created.status, created.body.error.code]).toEqual([422, 'period_closed']);
    }
  });

  it('an item answered "not applicable" takes no upload: refused when the URL is asked for and when the bytes arrive, nothing written', async () => {
    const created = await createFollowUp(stack, clientId(), { title: 'Answers', dueDate: inDays(6), items: [{ description: 'Fixed asset bills' }, { description: 'Rent agreement' }, { description: 'Bank statement' }] });
    expect(created.status).toBe(201);
    const [assets, rent] = created.body.items;
    // A link of this request, as a message carries one (its token's hash stored, as the sender stores it).
    const token = randomBytes(32).toString('base64url');
    await stack.db.owner('follow_up_links').insert({ firm_id: stack.firm.id, client_id: clientId(), follow_up_id: created.body.id, token_hash: hashLinkToken(token), expires_at: new Date(Date.now() + 86_400_000) });

    // The upload URL was asked for while the item was outstanding; the client then answers "not applicable".
    const declared = await call(stack.api, 'POST', `/api/requests/${token}/items/${assets.id}/uploads`, { body: { filename: 'assets.pdf', contentType: 'application/pdf', size: PDF_BYTES.length } });
    expect(declared.status).toBe(201);
    const na = await call(stack.api, 'POST', `/api/requests/${token}/items/${assets.id}/not-applicable`, { body: { reason: 'no assets bought this year' } });
    expect(na.status).toBe(200);
    const url = new URL(declared.body.uploadUrl as string);
    const put = await fetch(`${stack.api.url}${url.pathname}${url.search}`, { method: 'PUT', body: PDF_BYTES });
    expect({ status: put.status, error: ((await put.json()) as { error: unknown }).error }).toEqual({ status: 422, error: { code: 'item_answered', message: expect.any(String), details: { status: 'not_applicable' } } });
    const again = await call(stack.api, 'POST', `/api/requests/${token}/items/${assets.id}/uploads`, { body: { filename: 'assets.pdf', contentType: 'application/pdf', size: PDF_BYTES.length } });
    expect([again.status, again.body.error?.code, again.body.error?.details]).toEqual([422, 'item_answered', { status: 'not_applicable' }]);
    // Nothing written: no file received for the item, the declared one still unused, the answer as given.
    const files = await stack.db.owner('follow_up_files').where({ item_id: assets.id });
    expect(files.map((f) => f.status)).toEqual(['awaiting_upload']);
    const item = await stack.db.owner('follow_up_items').where({ id: assets.id }).first();
    expect([item.status, item.reason]).toEqual(['not_applicable', 'no assets bought this year']);
    expect(await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, action: 'follow_up.file_received', entity_type: 'follow_up_file' }).whereIn('entity_id', files.map((f) => f.id)).first()).toBeUndefined();

    // An outstanding item takes a file, and a received one takes more.
    const first = await uploadThroughLink(stack, token, rent.id, PDF_BYTES);
    expect(first.put).toMatchObject({ status: 200, body: { itemId: rent.id, outstanding: 1 } });
    const second = await uploadThroughLink(stack, token, rent.id, PDF_BYTES);
    expect(second.put).toMatchObject({ status: 200, body: { itemId: rent.id, outstanding: 1 } });
    await cancel(created.body.id);
  });

  it('filing the return ends the follow-ups keyed to it (nothing more planned, the workflow completed), and one for a filed return is refused', async () => {
    // Last month's GSTR-1, its due date moved a month ahead, so the follow-up's due date lies ahead whatever day this runs.
    const today = inDays(0);
    const [year, month] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
    const period = month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
    const client = stack.firm.clients[1]!;
    const extended = await call(stack.api, 'POST', '/api/calendar/extensions', { token: stack.tokens.firm_admin, body: { returnType: 'GSTR-1', period, stateCodes: null, dueDate: inDays(30), reference: 'Notification 1/2027' } });
    expect(extended.status).toBe(201);
    const deadline = { returnType: 'GSTR-1', period };
    const created = await createFollowUp(stack, client.id, { title: 'Sales invoices', deadline, items: [{ description: 'Sales register' }] });
    expect(created.status).toBe(201);
    expect(created.body.escalations.filter((e: { status: string }) => e.status === 'planned').length).toBeGreaterThan(0);

    const filed = await call(stack.api, 'POST', `/api/clients/${client.id}/filings`, { token: stack.tokens.staff, body: { returnType: 'GSTR-1', period, filedOn: today, arn: 'AA270725000042Z' } });
    expect(filed.status).toBe(201);
    expect(await stack.temporal.client.workflow.getHandle(created.body.workflowId).result()).toEqual({ state: 'completed' });
    const after = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff });
    expect(after.body.status).toBe('completed');
    expect(after.body.nextMessageAt).toBeNull();
    expect(after.body.schedule.filter((m: { status: string }) => m.status === 'planned')).toEqual([]);
    expect(after.body.escalations.filter((e: { status: string }) => e.status === 'planned')).toEqual([]);
    const audit = await stack.db.owner('audit_events').where({ entity_id: created.body.id, action: 'follow_up.completed_return_filed' }).first();
    expect(audit).toMatchObject({ actor_id: stack.firm.users.staff.id });

    const again = await createFollowUp(stack, client.id, { title: 'Sales invoices', deadline, items: [{ description: 'Sales register' }] });
    expect(again.status).toBe(422);
    expect(again.body.error).toMatchObject({ code: 'already_filed', details: { returnType: 'GSTR-1', period, filing: { filedOn: today, arn: 'AA270725000042Z' } } });
  });

  it('the link refuses another firm\'s and another request\'s items, unknown, expired and revoked tokens', async () => {
    const to = await clientEmail(stack, clientId());
    const before = (await caughtTo(to)).length;
    const created = await createFollowUp(stack, clientId(), { title: 'Link checks', dueDate: inDays(6), items: [{ description: 'Invoices' }] });
    const caught = await eventually('the Link checks message', async () => (await waitForCaught(to, before + 1)).find((m) => m.Subject.includes('Link checks')));
    const { token } = await linkTokenIn(caught);
    expect((await call(stack.api, 'GET', `/api/requests/${token}`)).status).toBe(200);

    const other = await createTestFirm(stack.db);
    const otherItem = await stack.db.owner('follow_up_items').insert({ firm_id: other.id, client_id: other.clients[0]!.id, follow_up_id: (await stack.db.owner('follow_ups').insert({ firm_id: other.id, client_id: other.clients[0]!.id, title: 'theirs', due_date: inDays(3), owner_id: other.users.staff.id, created_by: other.users.staff.id, policy: {}, clock: { kind: 'ist' }, workflow_id: `x-${Date.now()}` }).returning('id'))[0].id, position: 0, description: 'their secret' }).returning('id');
    const foreign = await call(stack.api, 'POST', `/api/requests/${token}/items/${otherItem[0].id}/not-applicable`, { body: { reason: 'x' } });
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain('their secret');
    expect((await call(stack.api, 'POST', `/api/requests/${token}/items/${otherItem[0].id}/uploads`, { body: { filename: 'a.pdf', contentType: 'application/pdf', size: 10 } })).status).toBe(404);
    expect((await call(stack.api, 'POST', `/api/requests/${token}/items/${created.body.items[0].id}/uploads`, { body: { filename: 'a.exe', contentType: 'application/x-msdownload', size: 10 } })).status).toBe(415);
    expect((await call(stack.api, 'POST', `/api/requests/${token}/items/${created.body.items[0].id}/uploads`, { body: { filename: 'a.pdf', contentType: 'application/pdf', size: 500 * 1024 * 1024 } })).status).toBe(413);

    expect((await call(stack.api, 'GET', `/api/requests/${'A'.repeat(43)}`)).status).toBe(410);

    await stack.db.owner('follow_up_links').where({ follow_up_id: created.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await call(stack.api, 'GET', `/api/requests/${token}`);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('link_expired');
    await stack.db.owner('follow_up_links').where({ follow_up_id: created.body.id }).update({ expires_at: new Date(Date.now() + 86_400_000) });
    expect((await call(stack.api, 'GET', `/api/requests/${token}`)).status).toBe(200);
    await cancel(created.body.id);
    expect((await call(stack.api, 'GET', `/api/requests/${token}`)).status).toBe(410);
    expect(await eventually('links revoked', async () => (await stack.db.owner('follow_up_links').where({ follow_up_id: created.body.id }).whereNull('revoked_at')).length === 0)).toBe(true);
  });

  it('rate-limits guessing at the link', async () => {
    let last = 0;
    for (let i = 0; i < 25; i += 1) {
      const res = await fetch(`${stack.api.url}/api/requests/${'B'.repeat(40)}${String(i).padStart(3, '0')}`);
      last = res.status;
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        break;
      }
    }
    expect(last).toBe(429);
  });
});
