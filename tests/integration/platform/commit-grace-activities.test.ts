/**
 * The first steps of workflows the api starts inside the transaction that writes their row
 * (a reconciliation run, a follow-up, a notice), run on a real PostgreSQL as a given attempt of a
 * given retry policy, for a row that is not there: within the commit grace they ask to be retried;
 * on the grace's last attempt (or the policy's, if sooner) they conclude as before. A reconciliation's
 * later step, whose run existed, does not wait. A notice's workflow's first look (`noticeExists`)
 * and its steps say the notice is absent after the grace, and the workflow then ends. With the
 * writer's transaction open (holding the row's commit lock, as the api does), a first step waits for
 * it however long it takes and finds the committed row even on the grace's last attempt; a writer
 * still open after the attempt's wait fails the attempt retryably, concluding nothing.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { createActivities } from '../../../activities';
import { COMMIT_GRACE_ATTEMPTS } from '../../../activities/commit-grace';
import { lockRowCommit, rowCommitWaiters } from '../../../db/row-commit';
import { eventually } from '../../harness/eventually';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { captureLogger } from '../../harness/logs';

jest.setTimeout(60_000);

type Outcome = { ok: unknown } | { type: string | undefined; nonRetryable: boolean; message: string };

describe('activities alone (mock activity environment, real PostgreSQL): a first step that finds no row yet', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let activities: ReturnType<typeof createActivities>;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    activities = createActivities({ knex: db.app, logger: captureLogger('warn').logger });
  });
  afterAll(async () => {
    await db.drop();
  });

  /** Runs `fn` as `attempt` of a policy with `maximumAttempts`; what it returned or how it failed. */
  async function asAttempt<A extends unknown[], R>(attempt: number, maximumAttempts: number, fn: (...args: A) => Promise<R>, ...args: A): Promise<Outcome> {
    return asAttemptWithin(attempt, maximumAttempts, 60_000, fn, ...args);
  }

  /** As asAttempt, with the attempt's start-to-close timeout (half of it bounds the wait for a writer). */
  async function asAttemptWithin<A extends unknown[], R>(attempt: number, maximumAttempts: number, startToCloseTimeoutMs: number, fn: (...args: A) => Promise<R>, ...args: A): Promise<Outcome> {
    // The SDK's "Activity failed" lines (expected here) stay quiet; the outcome is what is checked.
    const env = new MockActivityEnvironment({ attempt, retryPolicy: { maximumAttempts }, startToCloseTimeoutMs } as Partial<Info>, { logger: new DefaultLogger('ERROR') });
    try {
      return { ok: await env.run(fn, ...args) };
    } catch (error) {
      const failure = error as { type?: string; nonRetryable?: boolean; message: string };
      return { type: failure.type, nonRetryable: Boolean(failure.nonRetryable), message: failure.message };
    }
  }

  it('reconciliation: the first step retries, then the run is missing; the later step fails at once', async () => {
    const input = { firmId: firm.id, runId: randomUUID() };
    const prepare = activities.reconciliationPrepare;
    expect(await asAttempt(1, 5, prepare, input)).toEqual({ type: 'RunNotYetVisible', nonRetryable: false, message: `reconciliation run ${input.runId} is not visible yet` });
    expect(await asAttempt(COMMIT_GRACE_ATTEMPTS - 1, 5, prepare, input)).toMatchObject({ type: 'RunNotYetVisible', nonRetryable: false });
    expect(await asAttempt(COMMIT_GRACE_ATTEMPTS, 10, prepare, input)).toEqual({ type: 'RunMissing', nonRetryable: true, message: `reconciliation run ${input.runId} does not exist` });
    // A policy of fewer attempts: its last one says the run is missing.
    expect(await asAttempt(2, 2, prepare, input)).toMatchObject({ type: 'RunMissing', nonRetryable: true });
    expect(await asAttempt(1, 1, prepare, input)).toMatchObject({ type: 'RunMissing', nonRetryable: true });
    expect(await asAttempt(1, 5, activities.reconciliationMatchAndStore, input)).toMatchObject({ type: 'RunMissing', nonRetryable: true });
  });

  it('follow-up: the first message retries, then the follow-up counts as cancelled', async () => {
    const input = { firmId: firm.id, followUpId: randomUUID(), key: 'initial', kind: 'initial' as const, scheduledAt: Date.now() };
    expect(await asAttempt(1, 20, activities.followUpSendSlot, input)).toMatchObject({ type: 'FollowUpNotYetVisible', nonRetryable: false });
    expect(await asAttempt(COMMIT_GRACE_ATTEMPTS, 20, activities.followUpSendSlot, input)).toEqual({ ok: { status: 'skipped', ended: 'cancelled' } });
  });

  it('follow-up: a later message, or a follow-up that exists but is cancelled, never waits', async () => {
    const later = { firmId: firm.id, followUpId: randomUUID(), key: 'interval:3', kind: 'interval' as const, scheduledAt: Date.now() };
    expect(await asAttempt(1, 20, activities.followUpSendSlot, later)).toEqual({ ok: { status: 'skipped', ended: 'cancelled' } });
    const client = firm.clients[0]!;
    const [row] = await db.owner('follow_ups').insert({
      firm_id: firm.id, client_id: client.id, title: 'cancelled at once', due_date: '2030-01-31', owner_id: firm.users.staff.id, created_by: firm.users.staff.id,
      policy: {}, clock: { kind: 'ist' }, workflow_id: `grace-cancelled-${randomUUID()}`, status: 'cancelled',
    }).returning('id');
    const cancelled = { firmId: firm.id, followUpId: row.id as string, key: 'initial', kind: 'initial' as const, scheduledAt: Date.now() };
    expect(await asAttempt(1, 20, activities.followUpSendSlot, cancelled)).toEqual({ ok: { status: 'skipped', ended: 'cancelled' } });
  });

  it('notice: the first look retries, then says the notice is absent; a step due at once retries, then says the same', async () => {
    const look = { firmId: firm.id, noticeId: randomUUID() };
    expect(await asAttempt(1, 10, activities.noticeExists, look)).toMatchObject({ type: 'NoticeNotYetVisible', nonRetryable: false });
    expect(await asAttempt(COMMIT_GRACE_ATTEMPTS, 10, activities.noticeExists, look)).toEqual({ ok: { exists: false } });
    const step = { key: 'overdue:2024-01-01:0', at: new Date().toISOString(), kind: 'escalation', audience: 'manager', reason: 'overdue', forDate: '2024-01-01' } as never;
    const input = { firmId: firm.id, noticeId: randomUUID(), step };
    expect(await asAttempt(1, 10, activities.noticeFireStep, input)).toMatchObject({ type: 'NoticeNotYetVisible', nonRetryable: false });
    expect(await asAttempt(COMMIT_GRACE_ATTEMPTS, 10, activities.noticeFireStep, input)).toEqual({ ok: { fired: false, recipients: 0, absent: true } });
  });

  /** A notice written in an open transaction holding its commit lock, as the intake does; `finish` ends it. */
  async function openIntake(): Promise<{ noticeId: string; finish: (outcome: 'commit' | 'roll back') => Promise<void> }> {
    const client = firm.clients[0]!;
    const trx = await db.owner.transaction();
    const [row] = await trx('notices').insert({ firm_id: firm.id, client_id: client.id, gstin: client.gstin, form: 'DRC-01', reference: `GRACE-${randomUUID().slice(0, 8)}`, served_on: '2026-01-05', workflow_id: `grace-notice-${randomUUID()}` }).returning('id');
    await lockRowCommit(trx, row.id as string);
    return { noticeId: row.id as string, finish: async (outcome) => void (outcome === 'commit' ? await trx.commit() : await trx.rollback()) };
  }

  it('notice: the grace\'s last attempt, its intake still open, waits for the commit and finds the notice', async () => {
    const intake = await openIntake();
    const look = asAttempt(COMMIT_GRACE_ATTEMPTS, 10, activities.noticeExists, { firmId: firm.id, noticeId: intake.noticeId });
    // Committed only once the look is seen waiting on the intake's lock: without the wait it would say absent.
    await eventually('the look to wait for the intake', async () => (await rowCommitWaiters(db.owner, intake.noticeId)) > 0, 20_000, 50);
    await intake.finish('commit');
    expect(await look).toEqual({ ok: { exists: true } });
  });

  it('notice: the grace\'s last attempt, its intake then rolled back, says the notice is absent', async () => {
    const intake = await openIntake();
    const look = asAttempt(COMMIT_GRACE_ATTEMPTS, 10, activities.noticeExists, { firmId: firm.id, noticeId: intake.noticeId });
    await eventually('the look to wait for the intake', async () => (await rowCommitWaiters(db.owner, intake.noticeId)) > 0, 20_000, 50);
    await intake.finish('roll back');
    expect(await look).toEqual({ ok: { exists: false } });
  });

  it('notice: an intake still open after the attempt\'s wait fails the attempt retryably, concluding nothing', async () => {
    const intake = await openIntake();
    try {
      // A 2 s attempt waits 1 s for the writer.
      const started = Date.now();
      const outcome = await asAttemptWithin(COMMIT_GRACE_ATTEMPTS, 10, 2_000, activities.noticeExists, { firmId: firm.id, noticeId: intake.noticeId });
      expect({ outcome, waitedAbout1s: Date.now() - started >= 900 }).toEqual({ outcome: { type: 'RowCommitPending', nonRetryable: false, message: expect.stringContaining('still open') }, waitedAbout1s: true });
    } finally {
      await intake.finish('roll back');
    }
  });

  it('notice: a notice that is there is found at once', async () => {
    const client = firm.clients[0]!;
    const [row] = await db.owner('notices').insert({ firm_id: firm.id, client_id: client.id, gstin: client.gstin, form: 'DRC-01', reference: `GRACE-${randomUUID().slice(0, 8)}`, served_on: '2026-01-05', workflow_id: `grace-notice-${randomUUID()}` }).returning('id');
    expect(await asAttempt(1, 10, activities.noticeExists, { firmId: firm.id, noticeId: row.id as string })).toEqual({ ok: { exists: true } });
  });
});
