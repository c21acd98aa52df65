/**
 * The stack of the "restore re-applies …" tests: a test database, the real Temporal server and a
 * worker with backups and data protection in one temporary folder (backups, the erasure log, exports,
 * files), and the restored copies the test makes, all dropped again on close.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { createKnex, databaseUrlFor } from '../../../db/knex';
import { newCertificateSeed } from '../../../db/security/certificate-key';
import { DEFAULT_ROTATION_POLICY } from '../../../domain/backup-rotation';
import { restoreBackup, type RestoreResult } from '../../../ops/backup/restore';
import type { RunningWorker } from '../../../ops/worker';
import { adminQuery, createTestDatabase, type TestDatabase } from '../../harness/database';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { backupDepsFor, tempBackupDir } from '../backup/helpers';

export type RestoreStack = {
  db: TestDatabase;
  temporal: TestTemporal;
  worker: RunningWorker;
  taskQueue: string;
  /** The folder of backups (and of the erasure log under `erasures/`). */
  dir: string;
  /** Databases the test restored into: dropped on close. */
  extraDatabases: string[];
  /**
   * `npm run ops:restore` of a backup into a new database (dropped on close), as the operator runs
   * it, with the lines it printed and a connection to the copy (the caller destroys it).
   */
  restoreCopy(backupId: string, label: string): Promise<{ result: RestoreResult; lines: string[]; copy: Knex }>;
  close(): Promise<void>;
};

export async function startRestoreStack(queuePrefix: string): Promise<RestoreStack> {
  const db = await createTestDatabase();
  const dir = tempBackupDir();
  const temporal = await connectTestTemporal();
  const taskQueue = uniqueTaskQueue(queuePrefix);
  const worker = await startTestWorker({
    knex: db.app,
    taskQueue,
    backup: backupDepsFor(db, dir, { erasureLogDir: path.join(dir, 'erasures') }),
    dataProtection: {
      exportDir: path.join(dir, 'exports'),
      fileStoreDir: path.join(dir, 'files'),
      ownerUrl: db.url,
      certificateKey: newCertificateSeed(),
      rotation: DEFAULT_ROTATION_POLICY,
      erasureLogDir: path.join(dir, 'erasures'),
    },
  });
  const extraDatabases: string[] = [];
  return {
    db,
    temporal,
    worker,
    taskQueue,
    dir,
    extraDatabases,
    async restoreCopy(backupId, label) {
      const target = `taalmel_${label}_restore_${randomBytes(4).toString('hex')}`;
      extraDatabases.push(target);
      const lines: string[] = [];
      const result = await restoreBackup({
        ownerUrl: db.url,
        backupDir: dir,
        pgRestorePath: process.env.BACKUP_PG_RESTORE_PATH || 'pg_restore',
        backupId,
        target,
        force: false,
        erasureLogDir: path.join(dir, 'erasures'),
        say: (line) => lines.push(line),
      });
      return { result, lines, copy: createKnex({ url: databaseUrlFor(db.url, target), poolMax: 1 }) };
    },
    async close() {
      await worker.shutdown();
      await temporal.close();
      for (const name of extraDatabases) await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
