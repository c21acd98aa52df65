/**
 * A worker warms the reconciliation engine up when it starts (docs/performance.md, "First run"),
 * on the real start path (ops/worker.ts, as production starts it), and the warm-up leaves nothing
 * behind: no row in any table, no workflow on the worker's task queue. Not timed.
 */
import pg from 'pg';
import { WARM_UP_SIZES } from '../../../domain/recon/warm-up';
import { databaseUrlFor } from '../../../db/knex';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { harnessValue } from '../../harness/harness-env';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, testMailDeps, testPayloadCodec, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { startWorker } from '../../../ops/worker';

jest.setTimeout(120_000);

/** Every table's row count, read as the superuser (row-level security would hide tenant rows from the owner). */
async function rowCounts(db: TestDatabase): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrlFor(harnessValue('adminUrl'), db.name) });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(`select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`);
    const counts: Record<string, number> = {};
    for (const t of tables.rows) counts[t.name] = Number((await client.query<{ n: string }>(`select count(*) as n from ${t.name}`)).rows[0]!.n);
    return counts;
  } finally {
    await client.end();
  }
}

describe('the reconciliation engine warm-up at worker start', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
  });
  afterAll(async () => {
    await temporal.close();
    await db.drop();
  });

  it('runs when the worker starts and leaves no rows and no workflows', async () => {
    const before = await rowCounts(db);
    expect(Object.keys(before).length).toBeGreaterThan(10);
    const taskQueue = uniqueTaskQueue('warm-up');
    const log = captureLogger('info');
    // As production starts a worker (ops/services.ts): no warmUp option, so the default.
    const worker = await startWorker({
      address: harnessValue('temporalAddress'), namespace: 'default', taskQueue, codec: testPayloadCodec(), knex: db.app, logger: log.logger,
      workflowBundlePath: harnessValue('workflowBundle'), mail: testMailDeps(),
    });
    try {
      // Done before startWorker returned: the worker polls only once the engine is warm.
      const report = worker.warmUp;
      expect(report).not.toBeNull();
      expect(report!.runs).toBe(WARM_UP_SIZES.length);
      // Both sides of every warm-up run were reconciled (about n books rows and n portal documents each).
      expect(report!.documents).toBeGreaterThan(WARM_UP_SIZES.reduce((a, b) => a + b, 0));
      const logged = log.lines.map((l) => JSON.parse(l) as { msg: string; runs?: number }).filter((l) => l.msg === 'reconciliation engine warmed up');
      expect(logged).toEqual([expect.objectContaining({ runs: WARM_UP_SIZES.length })]);
    } finally {
      await worker.shutdown();
    }
    expect(await rowCounts(db)).toEqual(before);
    const workflows: string[] = [];
    for await (const wf of temporal.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) workflows.push(wf.workflowId);
    expect(workflows).toEqual([]);
  });
});
