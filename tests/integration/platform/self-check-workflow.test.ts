/** A workflow end to end through the real Temporal server, a real worker and real PostgreSQL. */
import { latestMigrationName } from '../../../db/migrator';
import type { RunningWorker } from '../../../ops/worker';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

describe('selfCheckWorkflow on the real stack', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('self-check');

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

  it('runs the activity against the database as the application role', async () => {
    const result = await temporal.client.workflow.execute('selfCheckWorkflow', {
      taskQueue,
      workflowId: `self-check-test-${taskQueue}`,
      args: [latestMigrationName],
    });
    expect(result).toMatchObject({
      ok: true,
      problems: [],
      database: { currentUser: TEST_APP_ROLE, isSuperuser: false, bypassesRls: false, latestMigration: latestMigrationName },
    });
    expect(result.database.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it('reports a schema mismatch as a problem instead of passing', async () => {
    const result = await temporal.client.workflow.execute('selfCheckWorkflow', {
      taskQueue,
      workflowId: `self-check-mismatch-${taskQueue}`,
      args: ['999-not-a-migration'],
    });
    expect(result.ok).toBe(false);
    expect(result.problems.join(' ')).toMatch(/expected 999-not-a-migration/);
  });
});
