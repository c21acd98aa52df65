import { latestMigrationName } from '../../../db/migrator';
import { platformJobs, startScheduler } from '../../../ops/scheduler';
import type { RunningWorker } from '../../../ops/worker';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

describe('scheduler', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('scheduler');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  it('starts a tick once even when two schedulers fire it', async () => {
    // A far-future tick keeps this test's workflow id apart from any other run on the shared server.
    const tick = new Date(Date.UTC(2099, 0, 1, 3, 15) + Math.floor(Math.random() * 1e6) * 3_600_000);
    const jobs = platformJobs({ taskQueue, selfCheckCron: '15 * * * *', expectedMigration: latestMigrationName });
    const a = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    const b = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    try {
      const outcomes = await Promise.all([a.runNow('self-check', tick), b.runNow('self-check', tick)]);
      expect(outcomes.sort()).toEqual(['already_started', 'started']);
      const workflowId = `self-check-${tick.toISOString().slice(0, 13)}`;
      const result = await temporal.client.workflow.getHandle(workflowId).result();
      expect(result.ok).toBe(true);
      // Even after the first run completed, the same tick is not run again.
      await expect(a.runNow('self-check', tick)).resolves.toBe('already_started');
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('refuses an invalid cron expression at start', () => {
    expect(() =>
      startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs: [{ name: 'bad', cron: 'every day', start: async () => 'x' }] }),
    ).toThrow(/invalid cron expression/);
  });
});
