/**
 * The api starts a notice's workflow inside the transaction that writes the notice, so the workflow
 * can look for its notice before that commits, and an intake whose transaction fails after the
 * start leaves a workflow whose notice never appears. On the real stack (PostgreSQL, Temporal
 * server, a real worker, the production retry policy): the notice is written and its workflow
 * started in an open tenant transaction, as the api does; the transaction stays open until
 * Temporal reports that the workflow's first look found nothing and is to be retried. Committed
 * then, the workflow goes on with its notice; rolled back, the workflow ends after the commit
 * grace with `absent`, having fired nothing, rather than waiting for steps of a notice nobody sees.
 */
import { randomUUID } from 'node:crypto';
import { findNotice, noticeView, workflowFacts, type NoticeRow } from '../../../db/notices';
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
   * Writes a notice and starts its workflow in one open transaction (as the intake does), holds it
   * open until the workflow's first look has missed the notice, then commits or rolls back.
   */
  async function intake(outcome: 'commit' | 'roll back') {
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
      // Real time (no time scale) and the production retry policy: the grace is what is under test.
      const input: NoticeWorkflowInput = { firmId: firm.id, facts: workflowFacts(view), timeScale: null };
      await temporal.client.workflow.start(NOTICE_WORKFLOW, { taskQueue, workflowId, args: [input] });
      seenBeforeCommit = await eventually('the first look to have missed the uncommitted notice', async () => {
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING') throw new Error(`the workflow ended ${description.status.name} before the commit`);
        const look = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'noticeExists');
        if (!look || Number(look.attempt) < 2) return null;
        return { attempt: Number(look.attempt), failureType: look.lastFailure?.applicationFailureInfo?.type };
      }, 60_000, 200);
      if (outcome === 'roll back') throw new RolledBack();
    });
    await (outcome === 'roll back' ? expect(written).rejects.toBeInstanceOf(RolledBack) : written);
    expect(seenBeforeCommit).toMatchObject({ attempt: expect.any(Number), failureType: 'NoticeNotYetVisible' });
    return { noticeId, handle };
  }

  it('committed after the first look: the workflow goes on with its notice', async () => {
    const { noticeId, handle } = await intake('commit');
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
    const { noticeId, handle } = await intake('roll back');
    expect(await handle.result()).toEqual({ noticeId, state: 'absent' });
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType?.name);
    expect({ scheduled, alerts: (await db.owner('notice_alerts').where({ notice_id: noticeId })).length }).toEqual({ scheduled: ['noticeExists'], alerts: 0 });
    // Within the grace and not long after (five attempts a second apart and doubling: about 15 s).
    expect(Date.now() - started).toBeLessThan(90_000);
  });
});
