/**
 * The stack the export and erasure tests run against: a throw-away database, the Temporal server, a
 * worker on a queue of its own with the data-protection settings under one temporary folder, the api
 * on the same queue, and a firm. `close` takes it all down, the folder included.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import type { DataProtectionDeps } from '../../activities/data-protection-deps';
import { certificateKeyFromSeed, newCertificateSeed } from '../../db/security/certificate-key';
import { DEFAULT_ROTATION_POLICY } from '../../domain/backup-rotation';
import type { RunningWorker } from '../../ops/worker';
import { startTestApi, type TestApi } from './api';
import { createTestDatabase, type TestDatabase } from './database';
import { createTestFirm, type TestFirm } from './factories';
import { closeStack } from './stack';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from './temporal';

/**
 * The worker's data-protection settings with everything under one folder (exports, files, the
 * erasure log under `backups/erasures`) and a fresh certificate key, with the public key the api
 * hands out to check certificates.
 */
export async function dataProtectionDepsIn(root: string, ownerUrl: string): Promise<{ deps: DataProtectionDeps; publicJwk: JWK }> {
  const seed = newCertificateSeed();
  const { publicJwk } = await certificateKeyFromSeed(seed);
  const deps: DataProtectionDeps = {
    exportDir: path.join(root, 'exports'),
    fileStoreDir: path.join(root, 'files'),
    ownerUrl,
    certificateKey: seed,
    rotation: DEFAULT_ROTATION_POLICY,
    erasureLogDir: path.join(root, 'backups', 'erasures'),
  };
  return { deps, publicJwk };
}

export type DataProtectionStack = {
  db: TestDatabase;
  temporal: TestTemporal;
  worker: RunningWorker;
  api: TestApi;
  firm: TestFirm;
  deps: DataProtectionDeps;
  publicJwk: JWK;
  taskQueue: string;
  close(): Promise<void>;
};

/** `name` labels the task queue and the folder; `cancelGraceSeconds` is the erasure's grace before it terminates the client's workflows. */
export async function startDataProtectionStack(name: string, options: { cancelGraceSeconds?: number } = {}): Promise<DataProtectionStack> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `taalmel-${name}-`));
  const taskQueue = uniqueTaskQueue(name);
  // The stack's own fields are closed, so a suite that replaces its worker has the new one shut down.
  const parts = { taskQueue } as DataProtectionStack;
  const close = async () => {
    await closeStack(parts);
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    parts.db = await createTestDatabase();
    parts.temporal = await connectTestTemporal();
    const { deps, publicJwk } = await dataProtectionDepsIn(root, parts.db.url);
    Object.assign(parts, { deps, publicJwk });
    parts.worker = await startTestWorker({ knex: parts.db.app, taskQueue, dataProtection: deps });
    const cancelGrace = options.cancelGraceSeconds === undefined ? {} : { cancelGraceSeconds: options.cancelGraceSeconds };
    parts.api = await startTestApi(parts.db, {}, { taskQueue, dataProtection: { exportDir: deps.exportDir, certificatePublicKey: publicJwk, ...cancelGrace } });
    parts.firm = await createTestFirm(parts.db);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  parts.close = close;
  return parts;
}
