/**
 * What `npm run ops:restore` does to a copy before it goes live, besides the erasure log: no session
 * of the backup is accepted again (a sign-out after the backup must not be undone), the catalogue
 * shows the truth (the backup restored from is not "running"), and a database the api or worker
 * is connected to is not swapped underneath them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createKnex, databaseUrlFor } from '../../../db/knex';
import { findBackup } from '../../../db/models/backup-catalogue';
import { RestoreRefused, restoreBackup } from '../../../ops/backup/restore';
import type { RunningWorker } from '../../../ops/worker';
import type { BackupWorkflowInput } from '../../../workflows/backup-definitions';
import { adminQuery, createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { backupDepsFor, tempBackupDir, TEST_TIMEOUTS, uniqueBackupId } from './helpers';

jest.setTimeout(180_000);

describe('a restore before the copy goes live', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let dir: string;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('restore-aftercare');
  const extraDatabases: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Restore Aftercare');
    dir = tempBackupDir();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue, backup: backupDepsFor(db, dir) });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    for (const name of extraDatabases) await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await db?.drop();
  });

  async function openSession(deviceName: string): Promise<string> {
    const id = randomUUID();
    await db.owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firm.id]);
      await trx('sessions').insert({
        id, firm_id: firm.id, user_id: firm.users.manager.id, device_name: deviceName,
        idle_expires_at: trx.raw("now() + interval '1 hour'"), absolute_expires_at: trx.raw("now() + interval '1 day'"),
      });
    });
    return id;
  }

  it('revokes every session of the backup, carries the catalogue over, and refuses a database in use', async () => {
    const signedOutLater = await openSession('laptop');
    const stillOpen = await openSession('phone');
    const backupId = uniqueBackupId('aftercare');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
    await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });
    const live = await findBackup(db.owner, backupId);
    expect(live).toMatchObject({ status: 'verified', drill_status: 'passed' });
    // The sign-out after the backup: the backup still holds the session as open.
    await db.owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firm.id]);
      await trx('sessions').where({ id: signedOutLater }).update({ revoked_at: trx.fn.now(), revoked_reason: 'signed_out' });
    });

    const target = `taalmel_aftercare_${randomBytes(4).toString('hex')}`;
    extraDatabases.push(target);
    const options = { ownerUrl: db.url, backupDir: dir, pgRestorePath: process.env.BACKUP_PG_RESTORE_PATH || 'pg_restore', backupId, target, force: false };
    const result = await restoreBackup(options);
    expect(result.sessionsRevoked).toBeGreaterThanOrEqual(2);

    const copy = createKnex({ url: databaseUrlFor(db.url, target), poolMax: 1 });
    try {
      const sessions = await copy.transaction(async (trx): Promise<Array<{ id: string; revoked_at: Date | null; revoked_reason: string | null }>> => {
        await trx.raw(`select set_config('app.firm_id', ?, true)`, [firm.id]);
        return trx('sessions').whereIn('id', [signedOutLater, stillOpen]).select('id', 'revoked_at', 'revoked_reason');
      });
      expect(sessions).toHaveLength(2);
      for (const s of sessions) expect({ id: s.id, revoked: s.revoked_at !== null, reason: s.revoked_reason }).toEqual({ id: s.id, revoked: true, reason: 'restored_from_backup' });
      const events = await copy.transaction(async (trx): Promise<unknown[]> => {
        await trx.raw(`select set_config('app.firm_id', ?, true)`, [firm.id]);
        return trx('audit_events').where({ action: 'auth.session_revoked', actor_email: 'system:restore' }).whereIn('entity_id', [signedOutLater, stillOpen]);
      });
      expect(events).toHaveLength(2);

      // In the dump the backup was still being taken; the copy shows what the catalogue knew.
      const restoredRow = await findBackup(copy, backupId);
      expect({ status: restoredRow?.status, drill: restoredRow?.drill_status, size: restoredRow?.size_bytes, sha256: restoredRow?.sha256 }).toEqual({
        status: 'verified', drill: 'passed', size: live?.size_bytes, sha256: live?.sha256,
      });
    } finally {
      await copy.destroy();
    }

    // The api still connected to the target: replacing it is refused, and the target is untouched.
    const api = createKnex({ url: databaseUrlFor(db.url, target), poolMax: 1, applicationName: 'taalmel-api' });
    try {
      await api.raw('select 1');
      await expect(restoreBackup({ ...options, force: true })).rejects.toThrow(RestoreRefused);
      await expect(restoreBackup({ ...options, force: true })).rejects.toThrow(/in use by taalmel-api \(1\): stop the api, worker and scheduler/);
    } finally {
      await api.destroy();
    }
    const forced = await restoreBackup({ ...options, force: true });
    extraDatabases.push(forced.previousRenamedTo!);
    expect(forced.previousRenamedTo).toMatch(/_before_/);
  });
});
