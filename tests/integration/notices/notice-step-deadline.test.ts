/**
 * A notice step whose request outlives its deadline, on the real Temporal server with no worker to
 * take the step: the api answers 503 `request_timeout`, and the Temporal update the request was
 * waiting on is cancelled with it instead of long-polling on after the client has gone.
 */
import { call, login, startTestApi, testSecuritySettings, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { uniqueTaskQueue } from '../../harness/temporal';
import { eventually } from '../../harness/eventually';
import { reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(60_000);

describe('a notice step past its request deadline', () => {
  let db: TestDatabase;
  let api: TestApi;
  let shortApi: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No worker polls this queue: a step's update is never taken. Two apis with the same keys: one
    // signs in and takes the notice in with the usual deadline (argon2 alone may take seconds on a
    // busy machine), the other has a short one for the step.
    const settings = testSecuritySettings();
    const taskQueue = uniqueTaskQueue('notice-deadline');
    api = await startTestApi(db, settings, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    shortApi = await startTestApi(db, settings, { taskQueue, notices: { timeScale: TEST_TIME_SCALE }, limits: { requestTimeoutMs: 6_000 } });
    firm = await createTestFirm(db, 'Deadline Firm');
  });
  afterAll(async () => {
    await shortApi?.close();
    await api?.close();
    await db?.drop();
  });

  it('answers 503 request_timeout and cancels the update it was waiting on', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const intake = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, { token: staff, body: { form: 'DRC-01B', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } });
    expect(intake.status).toBe(201);

    // Watch the api's own update calls (each goes through as it would).
    const service = shortApi.temporal.connection.workflowService;
    const send = service.updateWorkflowExecution.bind(service);
    let sent = 0;
    let pending = 0;
    jest.spyOn(service, 'updateWorkflowExecution').mockImplementation((request) => {
      sent += 1;
      pending += 1;
      const answer = send(request);
      answer.then(
        () => (pending -= 1),
        () => (pending -= 1),
      );
      return answer;
    });

    const closed = await call(shortApi, 'POST', `/api/notices/${intake.body.id}/close`, { token: manager, body: { outcome: 'withdrawn' } });
    expect({ status: closed.status, code: closed.body?.error?.code }).toEqual({ status: 503, code: 'request_timeout' });
    // The server would hold the update's call open far longer than this (it waits for a worker).
    await eventually('the update call to end with its request', () => (sent > 0 && pending === 0 ? { sent, pending } : false), 5_000);
  });
});
