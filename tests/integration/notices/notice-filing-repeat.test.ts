/**
 * A notice's filing sent again, over HTTP with real PostgreSQL, a real Temporal server and a real
 * worker: the same ARN and date again (also as two requests at once) answers 200 with the notice and
 * leaves one filing step and one audit row; another ARN on a filed notice is 409 `already_filed`
 * naming the filing on record, never 422 `reply_not_approved`. And a refused step's message and
 * `details.state` both come from the state the workflow judged it on, even when the api's row was
 * read before another step moved the notice (a double click).
 */
import type { NoticeRow } from '../../../db/notices';
import { ApiError } from '../../../api/errors';
import { sendStep } from '../../../api/notices/workflow-client';
import { noticeStatusQuery } from '../../../workflows/notice-definitions';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(60_000);

describe('a notice filed twice', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('notice-filing');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db, 'Filing Firm');
    for (const role of ['staff', 'manager'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const post = (token: string, id: string, step: string, body: unknown = {}) => call(api, 'POST', `/api/notices/${id}/${step}`, { token, body });
  const actions = async (id: string) => (await db.owner('audit_events').where({ entity_id: id }).orderBy('seq').select('action')).map((r: { action: string }) => r.action);
  const noticeRow = async (id: string): Promise<NoticeRow> => db.owner('notices').where({ id }).first();

  it('answers the same filing again with the notice, once audited, and another filing with a conflict', async () => {
    const notice = (await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, {
      token: tokens.staff, body: { form: 'DRC-01B', reference: reference(), servedOn: today(), periods: ['2026-09'], assigneeId: firm.users.staff.id },
    })).body;
    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'The difference is the advance received.' } })).body.state).toBe('drafting');
    expect((await post(tokens.staff!, notice.id, 'submit')).body.state).toBe('in_review');
    expect((await post(tokens.manager!, notice.id, 'approve')).body.state).toBe('approved');

    const filing = { arn: 'AA2709260000001', filedOn: today() };
    // A double click: both requests read the notice approved; one of them reaches the workflow second.
    const both = await Promise.all([post(tokens.staff!, notice.id, 'filing', filing), post(tokens.staff!, notice.id, 'filing', filing)]);
    expect(both.map((r) => [r.status, r.body.state ?? r.body.error?.code, r.body.reply?.arn])).toEqual([[200, 'filed', filing.arn], [200, 'filed', filing.arn]]);
    const again = await post(tokens.staff!, notice.id, 'filing', filing);
    expect([again.status, again.body.state, again.body.reply]).toEqual([200, 'filed', expect.objectContaining({ ...filing, filedOutside: false })]);
    expect((await actions(notice.id)).filter((a) => a.startsWith('notice.file'))).toEqual(['notice.file']);

    const other = await post(tokens.staff!, notice.id, 'filing', { arn: 'AA2709260000002', filedOn: filing.filedOn });
    expect([other.status, other.body.error?.code]).toEqual([409, 'already_filed']);
    expect(other.body.error.details).toMatchObject({ state: 'filed', reply: { arn: filing.arn, filedOn: filing.filedOn } });
    expect((await actions(notice.id)).filter((a) => a.startsWith('notice.file'))).toEqual(['notice.file', 'notice.file_refused']);
    expect((await noticeRow(notice.id)).arn).toBe(filing.arn);
    expect((await temporal.client.workflow.getHandle(notice.workflowId).query(noticeStatusQuery)).state).toBe('filed');
  });

  it('names in details.state the state its message names when the api read the notice before the step that moved it (sendStep with a stale row)', async () => {
    const notice = (await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, {
      token: tokens.staff, body: { form: 'DRC-01B', reference: reference(), servedOn: today(), periods: ['2026-09'], assigneeId: firm.users.staff.id },
    })).body;
    await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'Reply.' } });
    const readBefore = await noticeRow(notice.id);
    expect(readBefore.state).toBe('drafting');
    expect((await post(tokens.staff!, notice.id, 'submit')).body.state).toBe('in_review');

    // The second click's request: its row says drafting, the workflow's notice is in review.
    const actor = { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' };
    const refused = await sendStep(api.temporal, readBefore, 'submit', { actor, payload: {} }).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    const { status, code, message, details } = refused as ApiError;
    expect({ status, code, message, details }).toEqual({ status: 422, code: 'notice_state_conflict', message: expect.stringMatching(/^The notice is in_review/), details: { state: 'in_review' } });
  });
});
