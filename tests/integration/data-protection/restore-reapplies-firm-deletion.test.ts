/**
 * Backups remember firm deletions: a backup taken before a firm was deleted, restored with
 * ops:restore's code (and drilled), holds nothing of that firm but its kept records: the erasure log
 * re-applies each client's erasure and then the firm's own deletion before the copy goes live. The
 * other firm of the backup comes back whole. Real PostgreSQL, pg_dump/pg_restore, Temporal server and worker.
 */
import type { Knex } from 'knex';
import type { TemporalHandle } from '../../../api/temporal-client';
import { verifyAuditChain } from '../../../db/audit';
import { remainingFirmRows } from '../../../db/firm-deletion';
import { applyScope } from '../../../db/tenant';
import { startOperatorFirmDeletion } from '../../../ops/firm-deletion-request';
import { onDemandDrillWorkflowId, type BackupWorkflowInput, type RestoreDrillInput } from '../../../workflows/backup-definitions';
import type { TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import type { TestTemporal } from '../../harness/temporal';
import { TEST_TIMEOUTS, uniqueBackupId } from '../backup/helpers';
import { startRestoreStack, type RestoreStack } from './restore-stack';
import { insertValidatedImport } from '../periods/helpers';

jest.setTimeout(180_000);

function inFirm<T>(knex: Knex, firmId: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return knex.transaction(async (trx) => {
    await applyScope(trx, { firmId, actor: { userId: null, email: 'test', role: 'system' } });
    return fn(trx);
  });
}

describe('restore after a firm deletion', () => {
  let stack: RestoreStack;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let firm: TestFirm;
  let other: TestFirm;
  let taskQueue: string;

  beforeAll(async () => {
    stack = await startRestoreStack('firm-deletion-restore');
    ({ db, temporal, taskQueue } = stack);
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
  });
  afterAll(() => stack?.close());

  it('brings back nothing of the deleted firm (restore and restore drill), and the other firm whole', async () => {
    for (const kind of ['gstr2b', 'purchase_register'] as const) await insertValidatedImport(db, firm.id, firm.clients[0]!.id, '2024-03', kind);
    await insertValidatedImport(db, other.id, other.clients[0]!.id, '2024-03', 'gstr2b');
    const otherBefore = await inFirm(db.owner, other.id, (trx) => remainingFirmRows(trx, other.id));

    const backupId = uniqueBackupId('before-firm-deletion');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
    expect((await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] })).status).toBe('verified');

    const ops = { client: temporal.client, taskQueue } as unknown as TemporalHandle;
    const started = await startOperatorFirmDeletion(db.app, ops, { firmId: firm.id, reason: 'account closed', operator: 'test', cancelGraceSeconds: 2 });
    expect(await temporal.client.workflow.getHandle(started.workflowId).result()).toMatchObject({ step: 'completed' });
    const erasureIds = ((await inFirm(db.owner, firm.id, (trx) => trx('client_erasures').select('id'))) as Array<{ id: string }>).map((r) => r.id);
    expect(erasureIds).toHaveLength(2);

    // The drill of that backup re-applies the log to its scratch copy and checks that nothing of the firm is left.
    const drillInput: RestoreDrillInput = { backupId, timeouts: TEST_TIMEOUTS };
    const drill = await temporal.client.workflow.execute('restoreDrillWorkflow', { taskQueue, workflowId: onDemandDrillWorkflowId(backupId, new Date()), args: [drillInput] });
    const check = (drill as { checks: Array<{ name: string; ok: boolean; detail: string }> }).checks.find((c) => c.name === 'erasure-log');
    expect(check).toEqual({ name: 'erasure-log', ok: true, detail: "2 erasure(s) in the log; 3 re-applied to this copy (the backup predates them); no erased client's rows remain" });

    const { result, lines, copy: restored } = await stack.restoreCopy(backupId, 'firm');
    expect([...result.erasuresReapplied].sort()).toEqual([...erasureIds, started.deletionId].sort());
    expect(lines.join('\n')).toContain(`re-applied firm deletion ${started.deletionId}`);

    try {
      const left = await inFirm(restored, firm.id, (trx) => remainingFirmRows(trx, firm.id));
      expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
      expect(await restored('firms').where({ id: firm.id }).first('name', 'deleted_at')).toEqual({ name: 'Deleted firm', deleted_at: expect.any(Date) });
      expect(await inFirm(restored, firm.id, (trx) => trx('firm_deletions').where({ id: started.deletionId }).first('status'))).toEqual({ status: 'completed' });
      expect(await inFirm(restored, firm.id, (trx) => verifyAuditChain(trx, firm.id))).toMatchObject({ ok: true });
      // The other firm comes back exactly as it was.
      expect(await inFirm(restored, other.id, (trx) => remainingFirmRows(trx, other.id))).toEqual(otherBefore);
      expect(await inFirm(restored, other.id, (trx) => verifyAuditChain(trx, other.id))).toMatchObject({ ok: true });
    } finally {
      await restored.destroy();
    }
  });
});
