/**
 * A notice's step (run alone, not through its workflow, against PostgreSQL) holds the notice's row
 * and then takes the firm's audit lock for its audited write. Another transaction of the firm may
 * already hold that audit lock and then write a row referencing the notice (a reminder that fired,
 * a hearing, a follow-up): its foreign key check takes FOR KEY SHARE on the notice's row. With the
 * step's lock FOR UPDATE the two waited on each other and PostgreSQL aborted one; the step holds the
 * notice FOR NO KEY UPDATE, so the insert goes through, commits, and the step then finishes. Steps
 * of one notice still take turns.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createNoticeActivities } from '../../../activities/notices';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

type Waiter = { pid: number; query: string; blockedBy: number[] };

describe("a notice's step holding the notice while the audit lock is elsewhere (activity alone)", () => {
  let db: TestDatabase;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const waiters = async (): Promise<Waiter[]> =>
    (await db.owner.raw(`select pid, query, pg_blocking_pids(pid) as blocked_by from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows.map(
      (r: { pid: number; query: string; blocked_by: number[] }) => ({ pid: r.pid, query: r.query, blockedBy: r.blocked_by }),
    );
  const pidOf = async (trx: Knex.Transaction) => ((await trx.raw('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
  /** Waits by state, not by time, with a budget that only a hang exhausts; says what it saw if it ends. */
  async function untilWaiting(what: string, match: (w: Waiter) => boolean): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const seen = await waiters();
      if (seen.some(match)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; waiting on locks: ${JSON.stringify(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function seedNotice(): Promise<string> {
    const client = firm.clients[0]!;
    const id = randomUUID();
    await db.owner('notices').insert({ id, firm_id: firm.id, client_id: client.id, gstin: client.gstin, form: 'ASMT-10', reference: `LK${id.slice(0, 8)}`, served_on: '2024-07-01', workflow_id: `notice:${firm.id}:${id}` });
    return id;
  }

  const assign = (noticeId: string) => {
    const manager = firm.users.manager;
    return createNoticeActivities({ knex: db.app }).noticeApplyStep({
      firmId: firm.id,
      noticeId,
      kind: 'assign',
      actor: { userId: manager.id, email: manager.email, role: manager.role },
      payload: { assigneeId: firm.users.staff.id },
    });
  };

  it('a step waiting for the audit lock lets the holder of that lock write a row referencing the notice: both go through', async () => {
    const noticeId = await seedNotice();
    const other = await db.owner.transaction();
    let step: ReturnType<typeof assign> | null = null;
    let inserted: { ok: boolean; error?: string } = { ok: false };
    try {
      // Bounded so that a hang fails this test instead of stalling it.
      await other.raw(`set local lock_timeout = '30s'`);
      // What the audit trigger takes for every audited write of this firm (migration 002).
      await other.raw(`select pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || ?::text, 0))`, [firm.id]);
      const otherPid = await pidOf(other);
      // The step locks the notice, then its audited update waits for the audit lock.
      step = assign(noticeId);
      step.catch(() => undefined);
      await untilWaiting('the step to wait for the audit lock', (w) => w.blockedBy.includes(otherPid) && /notices/i.test(w.query));
      // A reminder that fired for the notice: its foreign key takes FOR KEY SHARE on the notice's row.
      inserted = await other('notice_alerts')
        .insert({ firm_id: firm.id, notice_id: noticeId, step_key: 'reminder:7', audience: 'assignee', reason: 'due in 7 days', planned_at: new Date(), recipients: 1 })
        .then(
          () => ({ ok: true }),
          (error: Error) => ({ ok: false, error: error.message }),
        );
    } finally {
      if (inserted.ok) await other.commit();
      else await other.rollback();
    }
    const result = await step!.then(
      (r) => ({ ok: true, state: r.facts.state }),
      (error: Error) => ({ ok: false, error: error.message }),
    );
    expect({ inserted, result }).toEqual({ inserted: { ok: true }, result: { ok: true, state: 'assigned' } });
    expect(await db.owner('notices').where({ id: noticeId }).first('assignee_id', 'state')).toEqual({ assignee_id: firm.users.staff.id, state: 'assigned' });
    expect(await db.owner('notice_alerts').where({ notice_id: noticeId }).pluck('step_key')).toEqual(['reminder:7']);
  });

  it('steps of one notice still take turns: a step waits while another holds the notice', async () => {
    const noticeId = await seedNotice();
    const other = await db.owner.transaction();
    let step: ReturnType<typeof assign> | null = null;
    let finished = false;
    try {
      // As another step of this notice does before it writes.
      await other.raw('select id from notices where id = ? for no key update', [noticeId]);
      const otherPid = await pidOf(other);
      step = assign(noticeId);
      void step.then(
        () => (finished = true),
        () => (finished = true),
      );
      await untilWaiting('the step to wait for the other step', (w) => w.blockedBy.includes(otherPid) && /notices/i.test(w.query));
      expect(finished).toBe(false);
    } finally {
      await other.rollback();
    }
    expect((await step!).facts.state).toBe('assigned');
  });
});
