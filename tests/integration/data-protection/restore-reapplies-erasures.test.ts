/**
 * Backups remember erasures: a backup taken before a client's erasure, restored with ops:restore's
 * code, holds none of that client's rows (the erasure log is re-applied to the copy before it goes
 * live), and the restored firm's audit chain still verifies. Real PostgreSQL, pg_dump/pg_restore,
 * Temporal server and worker.
 */
import { randomBytes } from 'node:crypto';
import { verifyAuditChain } from '../../../db/audit';
import { CLIENT_ID_TABLES_SQL } from '../../../db/client-data-catalogue';
import { onDemandDrillWorkflowId, type BackupWorkflowInput, type RestoreDrillInput } from '../../../workflows/backup-definitions';
import { CLIENT_ERASURE_WORKFLOW, clientErasureWorkflowId, type ClientErasureInput } from '../../../workflows/client-erasure-definitions';
import type { TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import type { TestTemporal } from '../../harness/temporal';
import { TEST_TIMEOUTS, uniqueBackupId } from '../backup/helpers';
import { startRestoreStack, type RestoreStack } from './restore-stack';
import { insertValidatedImport } from '../periods/helpers';

jest.setTimeout(120_000);

describe('restore after an erasure', () => {
  let stack: RestoreStack;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let firm: TestFirm;
  let taskQueue: string;

  beforeAll(async () => {
    stack = await startRestoreStack('erasure-restore');
    ({ db, temporal, taskQueue } = stack);
    firm = await createTestFirm(db);
  });
  afterAll(() => stack?.close());

  it('brings back none of the erased client (restore and restore drill), and the chain still verifies', async () => {
    const client = firm.clients[0]!;
    for (const kind of ['gstr2b', 'purchase_register'] as const) await insertValidatedImport(db, firm.id, client.id, '2024-03', kind);

    const backupId = uniqueBackupId('before-erasure');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
    expect((await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] })).status).toBe('verified');

    // Erase the client (the workflow, as the api starts it).
    const [erasure] = await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: client.id, workflow_id: clientErasureWorkflowId(firm.id, client.id), reason: 'engagement ended', requested_by: firm.users.firm_admin.id })
      .returning('id');
    const erasureInput: ClientErasureInput = { firmId: firm.id, clientId: client.id, erasureId: erasure.id, cancelGraceSeconds: 2 };
    const done = await temporal.client.workflow.execute(CLIENT_ERASURE_WORKFLOW, { taskQueue, workflowId: `${clientErasureWorkflowId(firm.id, client.id)}-${randomBytes(3).toString('hex')}`, args: [erasureInput] });
    expect(done.step).toBe('completed');

    // The restore drill of that backup re-applies the log to its scratch copy and reports it.
    const drillInput: RestoreDrillInput = { backupId, timeouts: TEST_TIMEOUTS };
    const drill = await temporal.client.workflow.execute('restoreDrillWorkflow', { taskQueue, workflowId: onDemandDrillWorkflowId(backupId, new Date()), args: [drillInput] });
    const erasureCheck = (drill as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks.find((c) => c.name === 'erasure-log');
    expect(erasureCheck).toEqual({ name: 'erasure-log', ok: true, detail: "1 erasure(s) in the log; 1 re-applied to this copy (the backup predates them); no erased client's rows remain" });
    const catalogued = await db.owner('backups').where({ id: backupId }).first('drill_status', 'drill_checks');
    expect(catalogued.drill_status).toBe('passed');
    expect(catalogued.drill_checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'erasure-log', ok: true })]));

    const { result, lines, copy: restored } = await stack.restoreCopy(backupId, 'erasure');
    expect(result.erasuresReapplied).toEqual([erasure.id]);
    expect(lines.join('\n')).toContain(`re-applied erasure ${erasure.id}`);

    try {
      const { rows: tables } = await restored.raw(CLIENT_ID_TABLES_SQL);
      const left: Record<string, number> = {};
      for (const { table } of tables as Array<{ table: string }>) left[table] = Number((await restored(table).where({ client_id: client.id }).count({ n: '*' }))[0]!.n);
      expect(left).toEqual({ ...Object.fromEntries(Object.keys(left).map((t) => [t, 0])), client_erasures: 1 });
      expect(await restored('clients').where({ id: client.id })).toEqual([]);
      expect(await restored('clients').where({ id: firm.clients[1]!.id })).toHaveLength(1);
      expect(await verifyAuditChain(restored, firm.id)).toMatchObject({ ok: true, redacted: expect.any(Number) });
      expect((await verifyAuditChain(restored, firm.id)).redacted).toBeGreaterThan(0);
    } finally {
      await restored.destroy();
    }
  });
});
