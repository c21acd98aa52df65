/**
 * Determinism guard for clientErasureWorkflow: every committed history (tests/fixtures/histories/
 * client-erasure-*.json, recorded from real runs, including one recorded before the workflow recorded
 * its own run's start, and one recorded before its writes were fenced by the run token) and a fresh one, recorded now through the real api, are replayed through the
 * current workflow code; a changed workflow (negative control) must fail the same replay. With
 * UPDATE_HISTORY_FIXTURES=1 the fresh history is written to client-erasure-completed.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import { call, loginReauthenticated } from '../../harness/api';
import { startDataProtectionStack, type DataProtectionStack } from '../../harness/data-protection-stack';
import { harnessValue } from '../../harness/harness-env';
import { committedHistories, HISTORY_FIXTURES, replayHistories, type History } from '../../harness/replay';

jest.setTimeout(240_000);

const FRESH_FIXTURE = path.join(HISTORY_FIXTURES, 'client-erasure-completed.json');
const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/client-erasure-changed.ts');

const outcomes = (results: Array<{ workflowId: string; error?: Error }>) => results.map((r) => ({ workflowId: r.workflowId, error: r.error ? `${r.error.name}: ${r.error.message}` : null }));

describe('clientErasureWorkflow replay', () => {
  let stack: DataProtectionStack;
  let fresh: History;

  beforeAll(async () => {
    stack = await startDataProtectionStack('client-erasure-replay', { cancelGraceSeconds: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records an erasure from a real run, asked for through the api', async () => {
    const { api, firm } = stack;
    const token = await loginReauthenticated(api, firm.users.firm_admin);
    const client = firm.clients[0]!;
    const asked = await call(api, 'POST', `/api/clients/${client.id}/erasure`, { token, body: { reason: 'replay fixture', confirmName: client.name } });
    expect(asked.status).toBe(202);
    const handle = stack.temporal.client.workflow.getHandle(asked.body.workflowId as string);
    expect(await handle.result()).toMatchObject({ step: 'completed' });
    fresh = await handle.fetchHistory();
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FRESH_FIXTURE, `${historyToJSON(fresh)}\n`);
  });

  it('replays the committed and the fresh histories through the current workflow code', async () => {
    const committed = committedHistories('client-erasure-');
    const results = await replayHistories({ codePath: harnessValue('workflowBundle') }, [...committed, { workflowId: 'client-erasure-fresh', history: fresh }]);
    expect(committed.length).toBeGreaterThan(0);
    expect(outcomes(results)).toEqual([...committed.map((h) => ({ workflowId: h.workflowId, error: null })), { workflowId: 'client-erasure-fresh', error: null }]);
  });

  it('fails the replay through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replayHistories({ code: changed.code }, [{ workflowId: 'client-erasure-fresh', history: fresh }]);
    expect(outcomes(results).map((r) => r.error?.split(':')[0])).toEqual(['DeterminismViolationError']);
  });
});
