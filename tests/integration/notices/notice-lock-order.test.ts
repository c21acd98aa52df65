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
import { createNoticeActivities } from '../../../activities/notices';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { backendPid, holdThenWrite, untilWaiting } from '../../harness/lock-waits';

jest.setTimeout(120_000);

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
    const { written, waited } = await holdThenWrite(db.owner, {
      // What the audit trigger takes for every audited write of this firm (migration 002).
      hold: (other) => other.raw(`select pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || ?::text, 0))`, [firm.id]),
      // The step locks the notice, then its audited update waits for the audit lock.
      waiter: async () => (await assign(noticeId)).facts.state,
      waitsOn: { what: 'the step to wait for the audit lock', query: /notices/i },
      // A reminder that fired for the notice: its foreign key takes FOR KEY SHARE on the notice's row.
      write: (other) => other('notice_alerts').insert({ firm_id: firm.id, notice_id: noticeId, step_key: 'reminder:7', audience: 'assignee', reason: 'due in 7 days', planned_at: new Date(), recipients: 1 }),
    });
    expect({ inserted: written.ok || written, result: waited }).toEqual({ inserted: true, result: { ok: true, value: 'assigned' } });
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
      const otherPid = await backendPid(other);
      step = assign(noticeId);
      void step.then(
        () => (finished = true),
        () => (finished = true),
      );
      await untilWaiting(db.owner, 'the step to wait for the other step', (w) => w.blockedBy.includes(otherPid) && /notices/i.test(w.query));
      expect(finished).toBe(false);
    } finally {
      await other.rollback();
    }
    expect((await step!).facts.state).toBe('assigned');
  });
});
