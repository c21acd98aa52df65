/**
 * The api starts a notice's workflow inside the transaction that writes the notice, so the workflow
 * can look for its notice before that commits, and an intake whose transaction fails after the
 * start leaves a workflow whose notice never appears. On the real stack (PostgreSQL, Temporal
 * server, a real worker, the production retry policy): the notice is written, its commit lock taken
 * and its workflow started in an open tenant transaction, as the api does; the transaction stays
 * open until the workflow's first look is seen waiting on that lock. Committed then, even after
 * longer than the old commit grace (whose fifth attempt, about 15 s in, said absent), the look finds
 * the notice on its first attempt and the workflow goes on; rolled back, the workflow ends after
 * the commit grace with `absent`, having fired nothing, rather than waiting for steps nobody sees.
 */
import { randomUUID } from 'node:crypto';
import { findNotice, noticeView, workflowFacts, type NoticeRow } from '../../../db/notices';
import { lockRowCommit, rowCommitWaiters } from '../../../db/row-commit';
import { inTenantTransaction, setAuditAction, type TenantScope } from '../../../db/tenant';
import type { RunningWorker } from '../../../ops/worker';
import { NOTICE_WORKFLOW, noticeStatusQuery, noticeWorkflowId, type NoticeWorkflowInput } from '../../../workflows/notice-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { reference, today } from './helpers';

jest.setTimeout(180_000);

class RolledBack extends Error {}

describe("a notice's workflow that starts before its notice is committed", () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let scope: TenantScope;
  const taskQueue = uniqueTaskQueue('notice-commit');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    firm = await createTestFirm(db);
    scope = { firmId: firm.id, actor: { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' } };
  });
  afterAll(async () => {
    await worker.shutdown();
    await temporal.close();
    await db.drop();
  });

  /**
   * Writes a notice, takes its commit lock and starts its workflow in one open transaction (as the
   * intake does), holds it open until the workflow's first look waits on the lock and at least
   * `holdMs` has passed since the start, then commits or rolls back.
   */
  async function intake(outcome: 'commit' | 'roll back', holdMs = 0) {
    const client = firm.clients[0]!;
    const noticeId = randomUUID();
    const workflowId = noticeWorkflowId(firm.id, noticeId);
    const handle = temporal.client.workflow.getHandle(workflowId);
    let seenBeforeCommit: unknown;
    const written = inTenantTransaction(db.app, scope, async (trx) => {
      await setAuditAction(trx, 'notice.intake');
      await trx('notices').insert({
        id: noticeId, firm_id: firm.id, client_id: client.id, gstin: client.gstin, form: 'DRC-01', reference: reference(), served_on: today(),
        state: 'received', workflow_id: workflowId, created_by: firm.users.staff.id,
      });
      await setAuditAction(trx, null);
      const view = await noticeView(trx, (await findNotice(trx, noticeId)) as NoticeRow);
      // Real time (no time scale) and the production retry policy: what the look does then is under test.
      const input: NoticeWorkflowInput = { firmId: firm.id, facts: workflowFacts(view), timeScale: null };
      await lockRowCommit(trx, noticeId);
      const started = Date.now();
      await temporal.client.workflow.start(NOTICE_WORKFLOW, { taskQueue, workflowId, args: [input] });
      await eventually('the first look to wait for the intake', async () => (await rowCommitWaiters(db.owner, noticeId)) > 0, 60_000, 200);
      if (Date.now() - started < holdMs) await new Promise((resolve) => setTimeout(resolve, holdMs - (Date.now() - started)));
      const description = await handle.describe();
      const look = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'noticeExists');
      seenBeforeCommit = { running: description.status.name, look: look ? { attempt: Number(look.attempt), failureType: look.lastFailure?.applicationFailureInfo?.type ?? null } : null };
      if (outcome === 'roll back') throw new RolledBack();
    });
    await (outcome === 'roll back' ? expect(written).rejects.toBeInstanceOf(RolledBack) : written);
    return { noticeId, handle, seenBeforeCommit };
  }

  it('committed after longer than the old grace: the first look waited for it and the workflow goes on', async () => {
    // 20 s: past the old grace's fifth attempt (about 15 s after the first) that answered absent.
    const { noticeId, handle, seenBeforeCommit } = await intake('commit', 20_000);
    expect(seenBeforeCommit).toEqual({ running: 'RUNNING', look: { attempt: 1, failureType: null } });
    const status = await eventually('the look to have found the notice', async () => {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') throw new Error(`the workflow ended ${description.status.name}`);
      return description.raw.pendingActivities?.length ? null : handle.query(noticeStatusQuery);
    }, 60_000, 200);
    expect({ state: status.state, running: (await handle.describe()).status.name }).toEqual({ state: 'received', running: 'RUNNING' });
    expect((await db.owner('notices').where({ id: noticeId }).first('state'))?.state).toBe('received');
    await handle.terminate('test over');
  });

  it('rolled back: the workflow ends after the commit grace, absent, having fired nothing', async () => {
    const started = Date.now();
    const { noticeId, handle, seenBeforeCommit } = await intake('roll back');
    expect(seenBeforeCommit).toEqual({ running: 'RUNNING', look: { attempt: 1, failureType: null } });
    expect(await handle.result()).toEqual({ noticeId, state: 'absent' });
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType?.name);
    expect({ scheduled, alerts: (await db.owner('notice_alerts').where({ notice_id: noticeId })).length }).toEqual({ scheduled: ['noticeExists'], alerts: 0 });
    // The rollback ends the wait; then the grace (five attempts a second apart and doubling: about 15 s).
    expect(Date.now() - started).toBeLessThan(90_000);
  });
});
