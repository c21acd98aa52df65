/**
 * A firm deletion whose client erasure failed after that client's deletion committed is resumed by
 * the operator's command, and finishes: the real PostgreSQL, Temporal server and worker. The failure
 * is injected honestly: the worker first runs without its certificate signing key (its
 * data-protection setting, which the test owns), so the first client's rows are deleted and its
 * certification fails, which fails the firm's deletion. With the key back, `ops:delete-firm`'s resume
 * must pick that erasure up again although its client is gone, certify it without deleting again,
 * erase the other client and certify the firm.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TemporalHandle } from '../../../api/temporal-client';
import type { DataProtectionDeps } from '../../../activities/data-protection-deps';
import { startOperatorFirmDeletion } from '../../../ops/firm-deletion-request';
import type { RunningWorker } from '../../../ops/worker';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, testMailDeps, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { dataProtectionDepsIn } from './helpers';

jest.setTimeout(180_000);

describe('resuming a firm deletion after a client erasure failed past its deletion', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let deps: DataProtectionDeps;
  const taskQueue = uniqueTaskQueue('firm-deletion-resume');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-firm-deletion-resume-'));

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    ({ deps } = await dataProtectionDepsIn(root, db.url));
    worker = await startTestWorker({ knex: db.app, taskQueue, dataProtection: deps, mail: testMailDeps() });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('fails once (worker without its signing key), then the operator resume certifies the erased client without deleting twice and deletes the firm', async () => {
    const firm = await createTestFirm(db);
    const ops = { client: temporal.client, taskQueue } as unknown as TemporalHandle;
    const run = () => startOperatorFirmDeletion(db.app, ops, { firmId: firm.id, reason: 'account closed', operator: 'test', cancelGraceSeconds: 2 });
    const signingKey = deps.certificateKey;

    deps.certificateKey = undefined;
    const first = await run();
    expect(first.outcome).toBe('started');
    await expect(temporal.client.workflow.getHandle(first.workflowId).result()).rejects.toThrow();
    const erasures = () => db.owner('client_erasures').where({ firm_id: firm.id }).orderBy('created_at').select('id', 'client_id', 'status', 'data_deleted_at', 'deleted', 'certificate_jws', 'run_token', 'started_run_token');
    const failed = await erasures();
    const committed = failed.filter((e) => e.data_deleted_at !== null);
    expect(committed).toHaveLength(1);
    expect(committed[0]).toMatchObject({ status: 'failed', certificate_jws: null });
    expect(await db.owner('clients').where({ id: committed[0]!.client_id })).toEqual([]);
    expect((await db.owner('firm_deletions').where({ id: first.deletionId }).first('status')).status).toBe('failed');

    deps.certificateKey = signingKey;
    const resumed = await run();
    expect(resumed).toMatchObject({ deletionId: first.deletionId, outcome: 'resumed' });
    expect(await temporal.client.workflow.getHandle(resumed.workflowId).result()).toMatchObject({ step: 'completed', clients: { total: 2, erased: 2 } });

    const done = await erasures();
    expect(done.map((e) => e.status)).toEqual(['completed', 'completed']);
    for (const e of done) expect(e.certificate_jws).toEqual(expect.any(String));
    // The first client's deletion is the one that committed before the failure: not run again.
    const again = done.find((e) => e.id === committed[0]!.id)!;
    expect({ at: again.data_deleted_at, deleted: again.deleted }).toEqual({ at: committed[0]!.data_deleted_at, deleted: committed[0]!.deleted });
    // Its resume is a new decision: a new run token, whose run (the resumed deletion's child) recorded its start.
    expect({ token: again.run_token, started: again.started_run_token }).toEqual({ token: expect.any(String), started: again.run_token });
    expect(again.run_token).not.toBe(committed[0]!.run_token);
    expect(committed[0]!.run_token).toEqual(expect.any(String));
    expect((await db.owner('firm_deletions').where({ id: first.deletionId }).first('status', 'certificate_jws'))).toMatchObject({ status: 'completed', certificate_jws: expect.any(String) });
  });
});
