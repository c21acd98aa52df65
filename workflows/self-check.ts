/**
 * A short workflow ops (and the scheduler, hourly) run to prove the whole path works: server,
 * worker, activity, database. Its id carries the hour, so two schedulers start it once.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { describeDatabase } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

export type SelfCheckResult = {
  ok: boolean;
  problems: string[];
  database: Awaited<ReturnType<Activities['describeDatabase']>>;
};

export async function selfCheckWorkflow(expectedMigration: string | null): Promise<SelfCheckResult> {
  const database = await describeDatabase();
  const problems: string[] = [];
  if (database.isSuperuser) problems.push('the worker connects as a superuser');
  if (database.bypassesRls) problems.push('the worker connects as a role that bypasses row-level security');
  if (expectedMigration && database.latestMigration !== expectedMigration) {
    problems.push(`database schema is at ${database.latestMigration ?? 'nothing'}, expected ${expectedMigration}`);
  }
  return { ok: problems.length === 0, problems, database };
}
