/**
 * Follow-ups for a notice's documents, on the real Temporal server with real workers, PostgreSQL and
 * the mail catcher: created with `noticeId` (only an open notice of the same client), listed on the
 * notice, and cancelled with their links revoked and their workflows ended when the notice closes.
 */
import { followUpWorkflowId } from '../../../workflows/follow-up-definitions';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(60_000);

describe('follow-ups linked to a notice', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  let staff: string;
  let manager: string;
  const taskQueue = uniqueTaskQueue('notice-follow-ups');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    // A follow-up's business day lasts seconds, so its first message goes out now whatever the hour.
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE }, followUps: { dayMs: 8000 } });
    firm = await createTestFirm(db, 'Linked Firm');
    other = await createTestFirm(db, 'Unlinked Firm');
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    manager = await login(api, firm.users.manager.email, firm.users.manager.password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const intake = async (clientId: string, token = staff) => {
    const res = await call(api, 'POST', `/api/clients/${clientId}/notices`, { token, body: { form: 'ASMT-10', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const ask = (clientId: string, noticeId: string, token = staff) =>
    call(api, 'POST', `/api/clients/${clientId}/follow-ups`, { token, body: { title: 'Documents for the ASMT-10 reply', items: [{ description: 'Purchase register FY 2024-25' }, { description: 'Bank statement' }], dueDate: daysFromToday(10), noticeId } });

  it('asks the client for the reply’s documents, lists the request on the notice, and cancels it when the notice closes', async () => {
    const clientId = firm.clients[0]!.id;
    const notice = await intake(clientId);
    const created = await ask(clientId, notice.id);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ noticeId: notice.id, status: 'open' });
    const followUpId = created.body.id as string;
    await eventually('the first message and its link', async () => (await db.owner('follow_up_links').where({ follow_up_id: followUpId })).length > 0);

    const shown = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: manager })).body;
    expect(shown.followUps).toEqual([expect.objectContaining({ id: followUpId, title: 'Documents for the ASMT-10 reply', status: 'open', dueDate: daysFromToday(10) })]);
    expect((await call(api, 'GET', `/api/follow-ups?noticeId=${notice.id}`, { token: staff })).body.items.map((f: { id: string }) => f.id)).toEqual([followUpId]);

    const closed = await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn', reason: 'officer dropped it' } });
    expect(closed.status).toBe(200);
    const row = await db.owner('follow_ups').where({ id: followUpId }).first('status', 'end_note');
    expect(row).toEqual({ status: 'cancelled', end_note: 'the notice was closed' });
    expect(await db.owner('follow_up_links').where({ follow_up_id: followUpId }).whereNull('revoked_at').count('* as n').first()).toEqual({ n: 0 });
    const handle = temporal.client.workflow.getHandle(followUpWorkflowId(firm.id, followUpId));
    await eventually('the follow-up workflow ended', async () => (await handle.describe()).status.name === 'COMPLETED');
    expect(await handle.result()).toEqual({ state: 'cancelled' });
    const audit = await db.owner('audit_events').where({ entity_type: 'follow_up', entity_id: followUpId }).pluck('action');
    expect(audit).toContain('follow_up.cancelled_notice_closed');
  });

  it('refuses a notice of another client, another firm, or one already closed', async () => {
    const [first, second] = firm.clients;
    const notice = await intake(first!.id);
    const otherFirmNotice = (await call(api, 'POST', `/api/clients/${other.clients[0]!.id}/notices`, { token: await login(api, other.users.staff.email, other.users.staff.password), body: { form: 'ASMT-10', reference: reference(), servedOn: today() } })).body as { id: string };
    const closedNotice = await intake(first!.id);
    await call(api, 'POST', `/api/notices/${closedNotice.id}/close`, { token: manager, body: { outcome: 'duplicate' } });
    for (const [clientId, noticeId] of [[second!.id, notice.id], [first!.id, otherFirmNotice.id], [first!.id, closedNotice.id]] as const) {
      const refused = await ask(clientId, noticeId);
      expect([refused.status, Object.keys(refused.body.error.details.fields)]).toEqual([400, ['noticeId']]);
    }
    expect(await db.owner('follow_ups').where({ firm_id: firm.id }).whereIn('notice_id', [notice.id, otherFirmNotice.id, closedNotice.id]).count('* as n').first()).toEqual({ n: 0 });
  });
});
