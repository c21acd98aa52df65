/**
 * Determinism guard for noticeWorkflow: histories recorded from real runs (committed under
 * tests/fixtures/histories/) are replayed through the current workflow code with
 * Worker.runReplayHistories, so a change that would break running notices fails the suite. A negative
 * control (a changed workflow) must fail the same replay.
 *
 * The test also records fresh histories of the same scenarios and replays them; with
 * UPDATE_HISTORY_FIXTURES=1 it writes them over the committed fixtures (only for a change meant to be
 * incompatible, together with a versioning plan for running workflows).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { eventually } from '../../harness/eventually';
import { committedHistories, HISTORY_FIXTURES, replayHistories, type History } from '../../harness/replay';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(90_000);

const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/notice-changed.ts');

describe('noticeWorkflow replay', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('notice-replay');
  const fresh: Array<{ workflowId: string; history: History }> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  it('records the scenarios from real runs (filed after review; extended, reminded and closed; a reply re-linked between two notices)', async () => {
    const clientId = firm.clients[0]!.id;
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const intake = async (form: string) => (await call(api, 'POST', `/api/clients/${clientId}/notices`, { token: staff, body: { form, reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } })).body;

    const a = await intake('ASMT-10');
    await call(api, 'PUT', `/api/notices/${a.id}/draft`, { token: staff, body: { text: 'ASMT-11 reply' } });
    await call(api, 'POST', `/api/notices/${a.id}/submit`, { token: staff, body: {} });
    expect((await call(api, 'POST', `/api/notices/${a.id}/request-changes`, { token: manager, body: { comment: 'cite the DRC-03' } })).body.state).toBe('drafting');
    await call(api, 'PUT', `/api/notices/${a.id}/draft`, { token: staff, body: { text: 'ASMT-11 reply citing DRC-03' } });
    await call(api, 'POST', `/api/notices/${a.id}/submit`, { token: staff, body: {} });
    await call(api, 'POST', `/api/notices/${a.id}/approve`, { token: manager, body: {} });
    expect((await call(api, 'POST', `/api/notices/${a.id}/filing`, { token: staff, body: { arn: 'AA2712260000009', filedOn: today() } })).body.state).toBe('filed');
    expect((await call(api, 'POST', `/api/notices/${a.id}/close`, { token: manager, body: { outcome: 'dropped' } })).body.state).toBe('closed');

    const b = await intake('DRC-01B');
    const newDue = daysFromToday(10);
    await call(api, 'POST', `/api/notices/${b.id}/extension`, { token: staff, body: { extendedDueDate: newDue, reference: 'letter' } });
    await eventually('the new T-3', async () => (await db.owner('notice_alerts').where({ notice_id: b.id, step_key: `t-3:${newDue}` }).first()) ?? null);
    await call(api, 'POST', `/api/notices/${b.id}/close`, { token: manager, body: { outcome: 'withdrawn' } });

    // A reply approved on the older notice of a case, re-linked to the newer one: the newer one's
    // workflow takes it and signals the older one's, which re-reads its notice and is drafted again.
    const caseId = `AD27${reference('C')}`;
    const older = (await call(api, 'POST', `/api/clients/${clientId}/notices`, { token: staff, body: { form: 'ASMT-10', caseId, reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } })).body;
    const newer = (await call(api, 'POST', `/api/clients/${clientId}/notices`, { token: staff, body: { form: 'DRC-01', caseId, reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } })).body;
    await call(api, 'PUT', `/api/notices/${older.id}/draft`, { token: staff, body: { text: 'DRC-06 reply' } });
    await call(api, 'POST', `/api/notices/${older.id}/submit`, { token: staff, body: {} });
    await call(api, 'POST', `/api/notices/${older.id}/approve`, { token: manager, body: {} });
    expect((await call(api, 'POST', `/api/notices/${older.id}/reply/relink`, { token: staff, body: { noticeId: newer.id, reason: 'filed against the wrong notice' } })).body.to.state).toBe('approved');
    const redrafted = await call(api, 'PUT', `/api/notices/${older.id}/draft`, { token: staff, body: { text: 'ASMT-11 reply of its own' } });
    expect([redrafted.status, redrafted.body.state ?? redrafted.body.error]).toEqual([200, 'drafting']);
    for (const n of [older, newer]) await call(api, 'POST', `/api/notices/${n.id}/close`, { token: manager, body: { outcome: 'dropped' } });

    for (const [name, workflowId] of [['notice-filed', a.workflowId], ['notice-extended-reminded', b.workflowId], ['notice-relinked-from', older.workflowId], ['notice-relinked-to', newer.workflowId]] as const) {
      const handle = temporal.client.workflow.getHandle(workflowId);
      await handle.result();
      const history = await handle.fetchHistory();
      fresh.push({ workflowId: name, history });
      if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), `${historyToJSON(history)}\n`);
    }
    expect(fresh).toHaveLength(4);
  });

  it('replays the committed histories and the fresh ones through the current workflow code without a determinism error', async () => {
    const committed = committedHistories('notice-');
    expect(committed.map((h) => h.workflowId)).toEqual(['notice-extended-reminded', 'notice-filed', 'notice-relinked-from', 'notice-relinked-to']);
    const results = await replayHistories({ codePath: harnessValue('workflowBundle') }, [...committed, ...fresh]);
    expect(results.map((r) => ({ workflowId: r.workflowId, error: r.error?.message ?? null }))).toEqual([...committed, ...fresh].map((h) => ({ workflowId: h.workflowId, error: null })));
  });

  it('fails the replay of the same histories through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replayHistories({ code: changed.code }, committedHistories('notice-'));
    expect(results).toHaveLength(4);
    for (const result of results) expect(result.error?.name).toBe('DeterminismViolationError');
  });
});
