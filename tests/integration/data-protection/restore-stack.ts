/**
 * The stack of the "restore re-applies …" tests: a test database, the real Temporal server and a
 * worker with backups and data protection in one temporary folder (backups, the erasure log, exports,
 * files), and the restored copies the test makes, all dropped again on close.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { newCertificateSeed } from '../../../db/security/certificate-key';
import { DEFAULT_ROTATION_POLICY } from '../../../domain/backup-rotation';
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
    async close() {
      await worker.shutdown();
      await temporal.close();
      for (const name of extraDatabases) await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
