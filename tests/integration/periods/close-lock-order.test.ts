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
import { abandonCloseRequest } from '../../../db/period-close';
import { inTenantTransaction } from '../../../db/tenant';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { holdThenWrite } from '../../harness/lock-waits';

jest.setTimeout(120_000);

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

    const manager = firm.users.manager;
    const { written: took, waited: abandoned } = await holdThenWrite(db.owner, {
      // As a new close request does first (db/period-close.ts, lockPeriod).
      hold: (request) => request.raw('select id from periods where id = ? for no key update', [periodId]),
      waiter: () => inTenantTransaction(db.app, { firmId: firm.id, actor: { userId: manager.id, email: manager.email, role: manager.role } }, (trx) => abandonCloseRequest(trx, requestId, 'terminated')),
      waitsOn: { what: 'the step to wait for the period', query: /periods/i },
      // The new request then locks the orphan to abandon it itself.
      write: (request) => request.raw('select id from close_requests where id = ? for no key update', [requestId]),
      end: 'rollback',
    });
    // The new request rolled back here: the step then finds the orphan still pending and abandons it.
    expect({ took: took.ok || took, abandoned }).toEqual({ took: true, abandoned: { ok: true, value: 'abandoned' } });
    expect(await db.owner('close_requests').where({ id: requestId }).first('status')).toEqual({ status: 'abandoned' });
    expect(await db.owner('periods').where({ id: periodId }).first('state')).toEqual({ state: 'open' });
  });
});
