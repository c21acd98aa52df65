/**
 * Determinism guard for firmDeletionWorkflow: histories recorded from real runs (a firm with two
 * clients deleted by an operator; one deleted after a short cooling-off period, as a firm admin's
 * request runs; committed under tests/fixtures/histories/) and fresh ones are
 * replayed through the current workflow code, with one recorded before the deletion's client erasures
 * carried a run token; a changed workflow (negative control) must fail the
 * same replay. With UPDATE_HISTORY_FIXTURES=1 the fresh history is written over the committed one
 * (only for a change meant to be incompatible, with a versioning plan for running deletions).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TemporalHandle } from '../../../api/temporal-client';
import { newCertificateSeed } from '../../../db/security/certificate-key';
import { DEFAULT_ROTATION_POLICY } from '../../../domain/backup-rotation';
import { firmDeletionPlan } from '../../../domain/firm-deletion';
import { startOperatorFirmDeletion } from '../../../ops/firm-deletion-request';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import type { RunningWorker } from '../../../ops/worker';
import { FIRM_DELETION_WORKFLOW, firmDeletionWorkflowId, type FirmDeletionInput } from '../../../workflows/firm-deletion-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { replayHistories, type History } from '../../harness/replay';
import { connectTestTemporal, startTestWorker, testMailDeps, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

jest.setTimeout(120_000);

const FIXTURE = path.resolve(__dirname, '../../fixtures/histories/firm-deletion-two-clients.json');
/** A firm admin's request: the admins told, two seconds of cooling-off (a timer), then the deletion. */
const COOLING_OFF_FIXTURE = path.resolve(__dirname, '../../fixtures/histories/firm-deletion-cooling-off.json');
/** Recorded before the deletion gave its client erasures a run token (the child's memo, behind a version marker). */
const BEFORE_RUN_TOKEN_FIXTURE = path.resolve(__dirname, '../../fixtures/histories/firm-deletion-two-clients-before-erasure-run-token-patch.json');
const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/firm-deletion-changed.ts');

const outcomes = (results: Array<{ workflowId: string; error?: Error }>) => results.map((r) => ({ workflowId: r.workflowId, error: r.error ? `${r.error.name}: ${r.error.message}` : null }));

describe('firmDeletionWorkflow replay', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let fresh: History;
  let coolingOff: History;
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
      mail: testMailDeps(),
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
    // The children carry their erasure's run token in the memo (behind the version marker).
    expect(JSON.stringify(historyToJSON(fresh))).toContain('erasureRunToken');
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FIXTURE, `${historyToJSON(fresh)}\n`);
  });

  it('records a deletion after its cooling-off period, as a firm admin asks for it', async () => {
    const firm = await createTestFirm(db);
    const deletionId = randomUUID();
    const plan = firmDeletionPlan(new Date(), 2000);
    const workflowId = `${firmDeletionWorkflowId(firm.id, deletionId)}`;
    // The row the api writes (db/migrations/021-firm-deletion.ts), then the workflow it starts.
    await db.owner('firm_deletions').insert({ id: deletionId, firm_id: firm.id, workflow_id: workflowId, requested_via: 'firm_admin', reason: 'replay fixture', requested_by: firm.users.firm_admin.id, requested_at: plan.requestedAt, execute_after: plan.executeAfter });
    const input: FirmDeletionInput = { firmId: firm.id, deletionId, executeAfter: plan.executeAfter, cancelGraceSeconds: 2 };
    const handle = await temporal.client.workflow.start(FIRM_DELETION_WORKFLOW, { taskQueue, workflowId, args: [input] });
    expect(await handle.result()).toMatchObject({ step: 'completed', clients: { total: 2, erased: 2 } });
    coolingOff = await handle.fetchHistory();
    expect(JSON.stringify(historyToJSON(coolingOff))).toContain('firmDeletionNotifyAdmins');
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(COOLING_OFF_FIXTURE, `${historyToJSON(coolingOff)}\n`);
  });

  it('replays the committed and the fresh histories through the current workflow code', async () => {
    const committed = (file: string) => historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    const results = await replayHistories({ codePath: harnessValue('workflowBundle') }, [
      { workflowId: 'firm-deletion-committed', history: committed(FIXTURE) },
      { workflowId: 'firm-deletion-cooling-off-committed', history: committed(COOLING_OFF_FIXTURE) },
      { workflowId: 'firm-deletion-before-run-token-patch', history: committed(BEFORE_RUN_TOKEN_FIXTURE) },
      { workflowId: 'firm-deletion-fresh', history: fresh },
      { workflowId: 'firm-deletion-cooling-off-fresh', history: coolingOff },
    ]);
    expect(outcomes(results)).toEqual([
      { workflowId: 'firm-deletion-committed', error: null },
      { workflowId: 'firm-deletion-cooling-off-committed', error: null },
      { workflowId: 'firm-deletion-before-run-token-patch', error: null },
      { workflowId: 'firm-deletion-fresh', error: null },
      { workflowId: 'firm-deletion-cooling-off-fresh', error: null },
    ]);
  });

  it('fails the replay through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replayHistories({ code: changed.code }, [{ workflowId: 'firm-deletion-committed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) }]);
    expect(outcomes(results).map((r) => r.error?.split(':')[0])).toEqual(['DeterminismViolationError']);
  });
});
