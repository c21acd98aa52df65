/**
 * A result row too long to store fails the reconciliation's store step for good: the activity alone
 * (`reconciliationMatchAndStore`, in Temporal's mock activity environment, on a real PostgreSQL),
 * as a worker runs it. The same inputs give the same row again, so a retry could only fail the same
 * way: the failure is a non-retryable `ResultRowTooLarge` naming the row and its size, never its
 * text, and nothing of the run is stored. The limit (256 MB of COPY text in production) is lowered
 * through the activity's `maxResultLine` rather than a row of hundreds of MB being built; the same
 * run with the production limit then completes, and its row of that number is the long one.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReconciliationActivities } from '../../../activities/reconciliation';
import { generateReconData } from '../../../ops/bench/recon-data';
import type { BooksRow } from '../../../domain/recon/types';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { captureLogger } from '../../harness/logs';
import { storeRunImports } from '../../harness/run-imports';

jest.setTimeout(120_000);

const PERIOD = '2024-06';
const LIMIT = 4096;
/** The one document whose row passes the lowered limit: its name alone is longer. */
const LONG_NAME = 'LONG TRADE NAME OF A SUPPLIER '.repeat(200);

type Outcome = { ok: unknown } | { name: string; type: string | undefined; nonRetryable: boolean; message: string };

describe('activity alone (mock activity environment, real PostgreSQL): a result row too long to store', () => {
  let db: TestDatabase;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await db.drop();
  });

  async function matchAndStore(input: { firmId: string; runId: string }, maxResultLine?: number): Promise<Outcome> {
    const activities = createReconciliationActivities({ knex: db.app, logger: captureLogger('warn').logger, ...(maxResultLine ? { maxResultLine } : {}) });
    // The SDK's "Activity failed" line (expected here) stays quiet; the outcome is what is checked.
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    try {
      return { ok: await env.run(activities.reconciliationMatchAndStore, input) };
    } catch (error) {
      const failure = error as { name: string; type?: string; nonRetryable?: boolean; message: string };
      return { name: failure.name, type: failure.type, nonRetryable: Boolean(failure.nonRetryable), message: failure.message };
    }
  }

  it('fails without retries, naming the row and its size but not its text, and stores nothing', async () => {
    const client = firm.clients[0]!;
    const data = generateReconData({ n: 60, seed: 7, period: PERIOD, recipientGstin: client.gstin });
    // A books-only document (its supplier is in no 2B) with a name longer than the lowered limit.
    const long: BooksRow = { ...data.books[0]!, rowRef: 'long-name', supplierGstin: '27AAAPL1234C1Z5', supplierName: LONG_NAME, invoiceNumberRaw: 'LONG/1' };
    const books = [...data.books, long];
    const ids = await storeRunImports(db, firm, books, data.portal);
    const runId = randomUUID();
    await db.owner('reconciliation_runs').insert({
      id: runId, firm_id: firm.id, client_id: client.id, period: PERIOD, register_import_id: ids.register_import_id, gstr2b_import_id: ids.gstr2b_import_id,
      options: JSON.stringify({ amountTolerance: 100, dateWindowDays: 10 }), workflow_id: `row-too-large-${runId}`, status: 'running',
    });
    const input = { firmId: firm.id, runId };

    const refused = await matchAndStore(input, LIMIT);
    expect(refused).toEqual({
      name: 'ApplicationFailure',
      type: 'ResultRowTooLarge',
      nonRetryable: true,
      message: expect.stringMatching(new RegExp(`^result row \\d+ is \\d+ bytes of COPY text, more than the ${LIMIT} one row may be$`)),
    });
    const message = (refused as { message: string }).message;
    expect({ name: message.includes('LONG TRADE'), gstin: message.includes(long.supplierGstin) }).toEqual({ name: false, gstin: false });
    const stored = async () => ({
      results: Number((await db.owner('reconciliation_results').where({ run_id: runId }).count({ n: '*' }))[0]!.n),
      suppliers: Number((await db.owner('reconciliation_suppliers').where({ run_id: runId }).count({ n: '*' }))[0]!.n),
      status: (await db.owner('reconciliation_runs').where({ id: runId }).first('status'))!.status as string,
    });
    expect(await stored()).toEqual({ results: 0, suppliers: 0, status: 'running' });

    // With the production limit the same run completes; the row the refusal named is the long one.
    const completed = await matchAndStore(input);
    expect(completed).toEqual({ ok: { results: expect.any(Number) } });
    expect(await stored()).toMatchObject({ status: 'completed' });
    const seq = Number(/^result row (\d+) /.exec(message)![1]);
    const row = await db.owner('reconciliation_results').where({ run_id: runId, seq }).first('supplier_gstin', db.owner.raw(`row->>'supplierName' as name`));
    expect(row).toEqual({ supplier_gstin: long.supplierGstin, name: LONG_NAME });
  });
});
