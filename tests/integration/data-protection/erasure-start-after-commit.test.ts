/**
 * `POST /api/clients/:id/erasure` records the erasure (an audited write: the firm's audit lock) in a
 * transaction of its own and starts the workflow only after that commit. A slow start therefore
 * holds no lock: another audited write of the firm goes through while it waits. A start that fails
 * after the commit answers 503 `unavailable` naming the erasure, which stays recorded; asking again
 * starts its workflow (the same erasure, one run, one `client.erasure_requested`) and the erasure completes. The real api,
 * PostgreSQL, Temporal server and worker; the api's Temporal client is held (or made to fail) at its
 * start of an erasure workflow.
 */
import { call } from '../../harness/api';
import { askErasure, withErasureStartStack } from '../../harness/erasure-start-stack';
import { boundedTransaction } from '../../harness/lock-waits';
import { until } from './helpers';

jest.setTimeout(240_000);

describe('an erasure whose workflow starts after its record commits', () => {
  const s = withErasureStartStack('erasure-start-after-commit', { cancelGraceSeconds: 5 });

  const completed = (erasureId: string) =>
    until(`erasure ${erasureId} to complete`, async () => (await call(s.stack.api, 'GET', `/api/erasures/${erasureId}`, { token: s.token })).body.status === 'completed', 180_000, async () =>
      JSON.stringify(await s.stack.db.owner('client_erasures').where({ id: erasureId }).first('status', 'failure_reason')),
    );
  const requested = (erasureId: string) => s.stack.db.owner('audit_events').where({ firm_id: s.stack.firm.id, action: 'client.erasure_requested', entity_id: erasureId }).pluck('seq');

  it('while the start waits, the erasure is committed and the firm’s audit lock is free', async () => {
    const { db, firm } = s.stack;
    const { startHook } = s;
    const client = firm.clients[0]!;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let waiting = false;
    startHook.beforeNext = async () => {
      waiting = true;
      await gate;
    };
    const before = startHook.count;
    const asked = askErasure(s, client);
    let audited: { ok: boolean; error?: string } = { ok: false };
    let rows: unknown[] = [];
    try {
      await until('the api to reach the start of the erasure workflow', async () => waiting && startHook.count === before + 1);
      // Committed before the start: visible to another connection, running.
      rows = await db.owner('client_erasures').where({ client_id: client.id }).select('status');
      // Another audited write of the firm (a held audit lock fails it instead of stalling the test).
      audited = await boundedTransaction(db.owner, (trx) => trx('clients').where({ id: firm.clients[1]!.id }).update({ updated_at: trx.fn.now() }));
    } finally {
      open();
    }
    const res = await asked;
    expect({ rows, audited, status: res.status }).toEqual({ rows: [{ status: 'running' }], audited: { ok: true }, status: 202 });
    await completed(res.body.erasureId as string);
    expect(await requested(res.body.erasureId as string)).toHaveLength(1);
  });

  it('a start that fails after the commit answers 503 naming the erasure; asking again starts it and it completes', async () => {
    const { db, firm } = s.stack;
    const { startHook } = s;
    const client = firm.clients[1]!;
    startHook.beforeNext = async () => {
      throw new Error('Temporal is unreachable');
    };
    const failed = await askErasure(s, client);
    expect([failed.status, failed.body.error?.code]).toEqual([503, 'unavailable']);
    const erasureId = failed.body.error.details.erasureId as string;
    expect(await db.owner('client_erasures').where({ client_id: client.id }).select('id', 'status')).toEqual([{ id: erasureId, status: 'running' }]);

    const before = startHook.count;
    const again = await askErasure(s, client);
    expect([again.status, again.body.erasureId]).toEqual([202, erasureId]);
    expect(startHook.count).toBe(before + 1);
    await completed(erasureId);
    // One erasure: the second request started the first one's workflow, which never ran before, so
    // it is no restart: the request that recorded it is the one audit event.
    expect(await db.owner('client_erasures').where({ client_id: client.id }).pluck('status')).toEqual(['completed']);
    // (The events' payloads are redacted by the erasure; the events stay.)
    expect(await requested(erasureId)).toHaveLength(1);
  });
});
