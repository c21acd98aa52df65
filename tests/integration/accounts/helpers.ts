/**
 * Accounts test setup: the real api and a real worker on the harness's Temporal server (the
 * account emails are workflows), a fresh database, and Mailpit catching what is sent.
 */
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { eventually } from '../../harness/eventually';
import { caughtMessage, caughtTo } from '../../harness/mail';
import { connectTestTemporal, startTestWorker, testMailDeps, uniqueTaskQueue } from '../../harness/temporal';

export type AccountsStack = { db: TestDatabase; api: TestApi; worker: RunningWorker; firm: TestFirm; close(): Promise<void> };

export async function startAccountsStack(options: { maxSessionsPerUser?: number; idleMinutes?: number; adminConsole?: boolean; webRoot?: string } = {}): Promise<AccountsStack> {
  const db = await createTestDatabase();
  // Installs the quiet Temporal runtime logger before the worker starts.
  const temporal = await connectTestTemporal();
  const taskQueue = uniqueTaskQueue('accounts');
  const api = await startTestApi(db, { maxSessionsPerUser: options.maxSessionsPerUser ?? 2, ...(options.idleMinutes ? { idleMinutes: options.idleMinutes } : {}) }, { taskQueue, adminConsole: options.adminConsole, webRoot: options.webRoot });
  const worker = await startTestWorker({ knex: db.app, taskQueue, mail: testMailDeps({ secretBox: api.security.secretBox }) });
  const firm = await createTestFirm(db);
  return {
    db,
    api,
    worker,
    firm,
    async close() {
      await api.close();
      await worker.shutdown().catch(() => undefined);
      await temporal.close();
      await db.drop();
    },
  };
}

/**
 * The token of the `count`-th link (1-based) of `kind` (`invite` or `reset`) caught for an address,
 * whatever other emails (a lockout notice) arrived before or between them.
 */
export async function linkTokenTo(address: string, kind: 'invite' | 'reset', count = 1): Promise<{ token: string; subject: string; text: string }> {
  const pattern = new RegExp(`/${kind}/([A-Za-z0-9_-]{43})`);
  return eventually(`link ${count} of /${kind}/ to ${address}`, async () => {
    const links = [];
    for (const summary of await caughtTo(address)) {
      const message = await caughtMessage(summary.ID);
      const match = pattern.exec(message.Text);
      if (match?.[1]) links.push({ token: match[1], subject: message.Subject, text: message.Text });
    }
    return links[count - 1] ?? null;
  }, 30_000, 250);
}

export async function adminToken(stack: AccountsStack): Promise<string> {
  return login(stack.api, stack.firm.users.firm_admin.email, stack.firm.users.firm_admin.password, { deviceName: 'admin laptop' });
}

export async function auditActions(stack: AccountsStack, entityId: string): Promise<string[]> {
  const rows = await stack.db.owner('audit_events').where({ firm_id: stack.firm.id, entity_id: entityId }).orderBy('seq');
  return rows.map((r: { action: string }) => r.action);
}

export { call };
