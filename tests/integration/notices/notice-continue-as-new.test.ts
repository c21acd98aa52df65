/**
 * A notice's workflow continues as new when its history grows long (the limit made small here), on
 * the real Temporal server with a real worker: the new run starts from the notice's facts and the
 * steps already fired, so nothing fires twice, the plan goes on, and human steps still work.
 */
import { noticeStatusQuery } from '../../../workflows/notice-definitions';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(90_000);

describe('notice workflow continue-as-new', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('notice-can');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE * 2, historyLimit: 12 } });
    firm = await createTestFirm(db, 'Long Notice Firm');
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  it('carries the fired steps and the notice across runs; the plan and the human steps go on', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const created = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, { token: staff, body: { form: 'DRC-01B', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } });
    expect(created.status).toBe(201);
    const notice = created.body as { id: string; workflowId: string };
    const due = daysFromToday(7);
    const fired = async () => (await db.owner('notice_alerts').where({ notice_id: notice.id }).orderBy('created_at').pluck('step_key')) as string[];
    const handle = temporal.client.workflow.getHandle(notice.workflowId);

    await eventually('T-3 fired', async () => (await fired()).includes(`t-3:${due}`));
    // The latest run was continued from an earlier one, and started with the fired steps.
    const started = async () => (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
    await eventually('a continued run', async () => Boolean((await started()).continuedExecutionRunId));
    const status = await handle.query(noticeStatusQuery);
    expect(status.firedKeys).toEqual(expect.arrayContaining([`review-gate:${due}`]));
    expect(status.facts).toMatchObject({ noticeId: notice.id, state: 'assigned', assigneeId: firm.users.staff.id });
    expect(status.next?.key && status.firedKeys.includes(status.next.key)).toBeFalsy();

    // Human steps reach the continued run and are applied once.
    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: staff, body: { text: 'Paid the difference by DRC-03.' } })).body.state).toBe('drafting');
    expect((await call(api, 'POST', `/api/notices/${notice.id}/submit`, { token: staff })).body.state).toBe('in_review');
    expect((await call(api, 'POST', `/api/notices/${notice.id}/approve`, { token: manager, body: {} })).body.state).toBe('approved');
    await eventually('the due-instant escalation', async () => (await fired()).includes(`overdue:${due}:0`));
    const keys = await fired();
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining([`review-gate:${due}`, `t-3:${due}`, `t-1:${due}`, `overdue:${due}:0`]));
    // Each step told its people once, across every run.
    const told = (await db.owner('notifications').where({ firm_id: firm.id }).whereRaw(`payload->>'noticeId' = ?`, [notice.id]).select(db.owner.raw(`payload->>'key' as key`), 'user_id')) as Array<{ key: string; user_id: string }>;
    const pairs = told.map((t) => `${t.key} ${t.user_id}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn' } });
    await eventually('the workflow ended', async () => (await handle.describe()).status.name === 'COMPLETED');
    expect(await handle.result()).toEqual({ noticeId: notice.id, state: 'closed' });
  });
});
