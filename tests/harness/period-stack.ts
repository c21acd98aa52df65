/**
 * The stack the period close tests run against: a throw-away database, the Temporal server, a worker
 * on a queue of its own, the api on the same queue (five sessions a user: the tests sign several
 * roles in and some sign in again), a firm, and a session for each role the suite acts as.
 */
import type { Role } from '../../api/rbac/permissions';
import type { RunningWorker } from '../../ops/worker';
import { loginRoles, startTestApi, type TestApi } from './api';
import { createTestDatabase, type TestDatabase } from './database';
import { createTestFirm, type TestFirm } from './factories';
import { closeStack } from './stack';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from './temporal';

export type PeriodStack = {
  db: TestDatabase;
  temporal: TestTemporal;
  worker: RunningWorker;
  api: TestApi;
  firm: TestFirm;
  taskQueue: string;
  /** A session token by role, for the roles asked for. */
  tokens: Record<string, string>;
  close(): Promise<void>;
};

export async function startPeriodStack(name: string, roles: readonly Role[]): Promise<PeriodStack> {
  const taskQueue = uniqueTaskQueue(name);
  // The stack's own fields are closed, so a suite that replaces its worker has the new one shut down.
  const parts = { taskQueue } as PeriodStack;
  const close = () => closeStack(parts);
  try {
    parts.db = await createTestDatabase();
    parts.temporal = await connectTestTemporal();
    parts.worker = await startTestWorker({ knex: parts.db.app, taskQueue });
    parts.api = await startTestApi(parts.db, { maxSessionsPerUser: 5 }, { taskQueue });
    parts.firm = await createTestFirm(parts.db);
    parts.tokens = await loginRoles(parts.api, parts.firm.users, roles);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  parts.close = close;
  return parts;
}
