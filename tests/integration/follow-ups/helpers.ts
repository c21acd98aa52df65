/**
 * Follow-up test setup: the real api, worker, Temporal server, PostgreSQL and Mailpit, with a
 * compressed business day (a few seconds), so a whole chase of several "days" runs in a test.
 */
import { dateOf, DEFAULT_FOLLOW_UP_POLICY, dayOf, IST_CLOCK, positionOf, type FollowUpPolicy } from '../../../domain/follow-ups';
import type { MailDeps } from '../../../activities/mail-transport';
import { LIVE_STATUSES } from '../../../db/follow-ups';
import type { AppDeps, RequestLimits } from '../../../api/app';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { caughtMessage, type CaughtSummary } from '../../harness/mail';
import { minimalPdf } from '../../fixtures/files/pdf';
import { connectTestTemporal, startTestWorker, testMailDeps, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

export const DAY_MS = 4000;

/** Today (IST) plus n days, as the API takes dates. */
export function inDays(n: number): string {
  return dateOf(positionOf(IST_CLOCK, Date.now()).day + n);
}

/** A short cadence: anchored on T-1 and T, one overdue reminder on T+1, no interval reminders. */
export const TEST_POLICY: Partial<FollowUpPolicy> = { deadlineOffsets: [1, 0], overdueOffsets: [1], intervalDays: 30 };

export type Stack = {
  db: TestDatabase;
  api: TestApi;
  temporal: TestTemporal;
  worker: RunningWorker;
  taskQueue: string;
  firm: TestFirm;
  tokens: Record<string, string>;
  startWorker(mail?: Partial<MailDeps>): Promise<RunningWorker>;
  close(): Promise<void>;
};

export async function startStack(options: { mail?: Partial<MailDeps>; sendTimeoutMs?: number; sendAttempts?: number; dayMs?: number; sharedClockAt?: () => number | null; historyLimit?: number; limits?: Partial<RequestLimits>; followUps?: Pick<NonNullable<AppDeps['followUps']>, 'maxFileBytes' | 'linkThrottle' | 'linkUploads'> } = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const temporal = await connectTestTemporal();
  const taskQueue = uniqueTaskQueue('follow-ups');
  const api = await startTestApi(db, { maxSessionsPerUser: 5 }, { taskQueue, followUps: { ...options.followUps, dayMs: options.dayMs ?? DAY_MS, sharedClockAt: options.sharedClockAt, sendTimeoutMs: options.sendTimeoutMs, sendAttempts: options.sendAttempts, historyLimit: options.historyLimit }, limits: options.limits });
  // The worker opens firms' SMTP passwords with the same keys the api sealed them with.
  const startWorker = (mail?: Partial<MailDeps>) => startTestWorker({ knex: db.app, taskQueue, mail: testMailDeps({ secretBox: api.security.secretBox, ...(mail ?? options.mail) }) });
  const worker = await startWorker();
  const firm = await createTestFirm(db);
  const tokens: Record<string, string> = {};
  for (const role of ['firm_admin', 'manager', 'reviewer', 'staff', 'client'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
  const stack: Stack = {
    db,
    api,
    temporal,
    worker,
    taskQueue,
    firm,
    tokens,
    startWorker,
    async close() {
      await api.close();
      await stack.worker.shutdown().catch(() => undefined);
      await temporal.close();
      await db.drop();
    },
  };
  return stack;
}

export async function clientEmail(stack: Stack, clientId: string): Promise<string> {
  const row = await stack.db.owner('clients').where({ id: clientId }).first('email');
  return (row as { email: string }).email;
}

/** The checklist token in a caught message (the first link). */
export async function linkTokenIn(summary: CaughtSummary): Promise<{ token: string; text: string; html: string }> {
  const message = await caughtMessage(summary.ID);
  const match = /\/r\/([A-Za-z0-9_-]{20,})/.exec(message.Text);
  if (!match?.[1]) throw new Error(`no checklist link in:\n${message.Text}`);
  return { token: match[1], text: message.Text, html: message.HTML };
}

export async function createFollowUp(stack: Stack, clientId: string, body: Record<string, unknown>, role = 'staff', headers: Record<string, string> = {}) {
  return call(stack.api, 'POST', `/api/clients/${clientId}/follow-ups`, { token: stack.tokens[role], body: { policy: TEST_POLICY, ...body }, headers });
}

export { eventually } from '../../harness/eventually';

/**
 * Cancels every live follow-up of the stack's firm. After each test of a file whose tests share a
 * stack: a test that failed half-way must leave no chase whose reminders reach a later test's
 * client (its counts of caught email, its merges, its one-message-a-day rule).
 */
export async function endLiveFollowUps(stack: Stack): Promise<void> {
  const ids = (await stack.db.owner('follow_ups').where({ firm_id: stack.firm.id }).whereIn('status', LIVE_STATUSES).pluck('id')) as string[];
  for (const id of ids) await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.manager, body: { note: 'test ended' } });
}

export const PDF_BYTES = minimalPdf('purchase bills');

export async function uploadThroughLink(stack: Stack, token: string, itemId: string, bytes: Buffer, contentType = 'application/pdf') {
  const declared = await call(stack.api, 'POST', `/api/requests/${token}/items/${itemId}/uploads`, { body: { filename: 'bills.pdf', contentType, size: bytes.length } });
  if (declared.status !== 201) return { declared, put: null };
  const url = new URL(declared.body.uploadUrl as string);
  const res = await fetch(`${stack.api.url}${url.pathname}${url.search}`, { method: 'PUT', body: bytes, headers: { 'content-type': contentType } });
  const text = await res.text();
  return { declared, put: { status: res.status, body: text ? JSON.parse(text) : null } };
}

export { DEFAULT_FOLLOW_UP_POLICY, dayOf };
