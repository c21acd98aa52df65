/**
 * `POST /api/clients/:id/exports` records the export (an audited write: the firm's audit lock) in a
 * transaction of its own and starts the workflow only after that commit. A slow start therefore
 * holds no lock: another audited write of the firm goes through while it waits. A start that fails
 * after the commit answers 503 `unavailable` naming the export, which stays queued; asking again
 * starts its workflow and the export completes. The real api, PostgreSQL, Temporal server and worker;
 * the api's Temporal client is held (or made to fail) at its start of an export workflow.
 */
import { CLIENT_EXPORT_WORKFLOW } from '../../../workflows/client-export-definitions';
import { call, loginReauthenticated, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { startDataProtectionStack, type DataProtectionStack } from '../../harness/data-protection-stack';
import { until } from './helpers';
import { boundedTransaction } from '../../harness/lock-waits';
import { hookStarts, type StartHook } from '../../harness/start-hook';

jest.setTimeout(180_000);

describe('an export whose workflow starts after its record commits', () => {
  let stack: DataProtectionStack;
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;
  /** What the api's next start of an export workflow does first: wait for a gate, or fail. */
  let startHook: StartHook;

  beforeAll(async () => {
    stack = await startDataProtectionStack('export-start-after-commit');
    ({ db, api, firm } = stack);
    startHook = hookStarts(api, CLIENT_EXPORT_WORKFLOW);
    token = await loginReauthenticated(api, firm.users.firm_admin);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const ready = (exportId: string) =>
    until(`export ${exportId} to be ready`, async () => (await call(api, 'GET', `/api/exports/${exportId}`, { token })).body.status === 'ready', 120_000, async () =>
      JSON.stringify(await db.owner('client_exports').where({ id: exportId }).first('status', 'failure_reason')),
    );

  it('while the start waits, the export is committed and the firm’s audit lock is free', async () => {
    const client = firm.clients[0]!;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let waiting = false;
    startHook.beforeNext = async () => {
      waiting = true;
      await gate;
    };
    const before = startHook.count;
    const asked = call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    let audited: { ok: boolean; error?: string } = { ok: false };
    try {
      await until('the api to reach the start of the export workflow', async () => waiting && startHook.count === before + 1);
      // Committed before the start: visible to another connection, queued.
      const rows = await db.owner('client_exports').where({ client_id: client.id }).select('status');
      expect(rows).toEqual([{ status: 'queued' }]);
      // Another audited write of the firm (a held audit lock fails it instead of stalling the test).
      audited = await boundedTransaction(db.owner, (trx) => trx('clients').where({ id: firm.clients[1]!.id }).update({ updated_at: trx.fn.now() }));
    } finally {
      open();
    }
    const res = await asked;
    expect({ audited, status: res.status }).toEqual({ audited: { ok: true }, status: 202 });
    await ready(res.body.exportId as string);
  });

  it('a start that fails after the commit answers 503 naming the queued export; asking again starts it', async () => {
    const client = firm.clients[1]!;
    startHook.beforeNext = async () => {
      throw new Error('Temporal is unreachable');
    };
    const failed = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    expect([failed.status, failed.body.error?.code]).toEqual([503, 'unavailable']);
    const exportId = failed.body.error.details.exportId as string;
    expect(await db.owner('client_exports').where({ client_id: client.id }).select('id', 'status')).toEqual([{ id: exportId, status: 'queued' }]);

    const again = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    expect([again.status, again.body.exportId]).toEqual([202, exportId]);
    await ready(exportId);
    // One export, built once: the second request started the first one's workflow.
    expect(await db.owner('client_exports').where({ client_id: client.id }).pluck('status')).toEqual(['ready']);
  });
});
