/**
 * Determinism guard for firmDeletionWorkflow: a history recorded from a real run (a firm with two
 * clients deleted by an operator, committed under tests/fixtures/histories/) and a fresh one are
 * replayed through the current workflow code; a changed workflow (negative control) must fail the
 * same replay. With UPDATE_HISTORY_FIXTURES=1 the fresh history is written over the committed one
 * (only for a change meant to be incompatible, with a versioning plan for running deletions).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TemporalHandle } from '../../../api/temporal-client';
import { newCertificateSeed } from '../../../db/security/certificate-key';
import { DEFAULT_ROTATION_POLICY } from '../../../domain/backup-rotation';
import { startOperatorFirmDeletion } from '../../../ops/firm-deletion-request';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import type { RunningWorker } from '../../../ops/worker';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { replayHistories, type History } from '../../harness/replay';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

jest.setTimeout(120_000);

const FIXTURE = path.resolve(__dirname, '../../fixtures/histories/firm-deletion-two-clients.json');
const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/firm-deletion-changed.ts');

const outcomes = (results: Array<{ workflowId: string; error?: Error }>) => results.map((r) => ({ workflowId: r.workflowId, error: r.error ? `${r.error.name}: ${r.error.message}` : null }));

describe('firmDeletionWorkflow replay', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let fresh: History;
  const taskQueue = uniqueTaskQueue('firm-deletion-replay');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-firm-deletion-replay-'));

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({
      knex: db.app,
      taskQueue,
      dataProtection: {
        exportDir: path.join(root, 'exports'),
        fileStoreDir: path.join(root, 'files'),
        ownerUrl: db.url,
        certificateKey: newCertificateSeed(),
        rotation: DEFAULT_ROTATION_POLICY,
        erasureLogDir: path.join(root, 'erasures'),
      },
    });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('records a firm deletion from a real run', async () => {
    const firm = await createTestFirm(db);
    const ops = { client: temporal.client, taskQueue } as unknown as TemporalHandle;
    const started = await startOperatorFirmDeletion(db.app, ops, { firmId: firm.id, reason: 'replay fixture', operator: 'test', cancelGraceSeconds: 2 });
    const handle = temporal.client.workflow.getHandle(started.workflowId);
    expect(await handle.result()).toMatchObject({ step: 'completed', clients: { total: 2, erased: 2 } });
    fresh = await handle.fetchHistory();
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FIXTURE, `${historyToJSON(fresh)}\n`);
  });

  it('replays the committed and the fresh history through the current workflow code', async () => {
    const committed = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    const results = await replayHistories({ codePath: harnessValue('workflowBundle') }, [
      { workflowId: 'firm-deletion-committed', history: committed },
      { workflowId: 'firm-deletion-fresh', history: fresh },
    ]);
    expect(outcomes(results)).toEqual([
      { workflowId: 'firm-deletion-committed', error: null },
      { workflowId: 'firm-deletion-fresh', error: null },
    ]);
  });

  it('fails the replay through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replayHistories({ code: changed.code }, [{ workflowId: 'firm-deletion-committed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) }]);
    expect(outcomes(results).map((r) => r.error?.split(':')[0])).toEqual(['DeterminismViolationError']);
  });
});
