/**
 * A new close request holds the period's row when it finds a pending request whose workflow ended,
 * and then locks that request to abandon it. A decision meeting the same orphan abandons it too. If
 * the decision's step locked the request first and then the period, the two waited on each other
 * and PostgreSQL aborted one. Every period close step locks the period, then the request
 * (docs/period-close.md, "Locks"): the abandoning step waits for the period without holding the
 * request, the new request locks the request and commits, and the step then finds it as it is.
 * The step runs alone (db/period-close.ts) against PostgreSQL; the new request's locks are taken by hand.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { abandonCloseRequest } from '../../../db/period-close';
import { inTenantTransaction } from '../../../db/tenant';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

type Waiter = { pid: number; query: string; blockedBy: number[] };

describe('abandoning an orphan close request beside a new close request of its period', () => {
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

  it('the step waits for the period without holding the request; the new request takes the request and commits', async () => {
    const client = firm.clients[0]!;
    const staff = firm.users.staff;
    const [period] = await db.owner('periods').insert({ firm_id: firm.id, client_id: client.id, period: '2024-04' }).returning('id');
    const periodId = (period as { id: string }).id;
    const requestId = randomUUID();
    await db.owner('close_requests').insert({
      id: requestId, firm_id: firm.id, client_id: client.id, period_id: periodId, period: '2024-04', status: 'pending', from_state: 'open',
      requested_by: staff.id, requested_by_email: staff.email, requested_by_role: staff.role, evidence: JSON.stringify({}), evidence_hash: 'h', workflow_id: `period-close:${requestId}`,
    });
    await db.owner('periods').where({ id: periodId }).update({ state: 'close_requested', close_request_id: requestId });

    const request = await db.owner.transaction();
    let abandoning: Promise<string> | null = null;
    let took: { ok: boolean; error?: string } = { ok: false };
    try {
      await request.raw(`set local lock_timeout = '30s'`);
      // As a new close request does first (db/period-close.ts, lockPeriod).
      await request.raw('select id from periods where id = ? for no key update', [periodId]);
      const requestPid = await pidOf(request);
      const manager = firm.users.manager;
      abandoning = inTenantTransaction(db.app, { firmId: firm.id, actor: { userId: manager.id, email: manager.email, role: manager.role } }, (trx) => abandonCloseRequest(trx, requestId, 'terminated')).then(
        (status) => String(status),
        (error: Error) => `error: ${error.message}`,
      );
      const deadline = Date.now() + 60_000;
      for (;;) {
        const seen = await waiters();
        if (seen.some((w) => w.blockedBy.includes(requestPid) && /periods/i.test(w.query))) break;
        if (Date.now() > deadline) throw new Error(`timed out waiting for the step to wait for the period; waiting on locks: ${JSON.stringify(seen)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The new request then locks the orphan to abandon it itself.
      took = await request.raw('select id from close_requests where id = ? for no key update', [requestId]).then(
        () => ({ ok: true }),
        (error: Error) => ({ ok: false, error: error.message }),
      );
    } finally {
      await request.rollback();
    }
    // The new request rolled back here: the step then finds the orphan still pending and abandons it.
    expect({ took, abandoned: await abandoning! }).toEqual({ took: { ok: true }, abandoned: 'abandoned' });
    expect(await db.owner('close_requests').where({ id: requestId }).first('status')).toEqual({ status: 'abandoned' });
    expect(await db.owner('periods').where({ id: periodId }).first('state')).toEqual({ state: 'open' });
  });
});
