/**
 * Determinism guard for followUpWorkflow: a history recorded from a real run (committed under
 * tests/fixtures/histories/) and a fresh one are replayed through the current workflow code with
 * Worker.runReplayHistories; a changed workflow (negative control) must fail the same replay.
 * UPDATE_HISTORY_FIXTURES=1 rewrites the committed fixture (only for a change meant to be
 * incompatible, with a versioning plan for running follow-ups).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import { call } from '../../harness/api';
import { harnessValue } from '../../harness/harness-env';
import { waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, inDays, linkTokenIn, startStack, type Stack } from './helpers';
import { replayDataConverter } from '../../harness/replay';
import { NUDGE_MERGE_FIXTURE, patchMarkers } from './history-fixtures';

type History = temporal.api.history.v1.IHistory;
const FIXTURE = path.resolve(__dirname, '../../fixtures/histories/follow-up-answered.json');
// A run recorded before the 'follow-up-hand-over-at-top' patch: it continued as new right after a send.
const CONTINUED_BEFORE_PATCH = path.resolve(__dirname, '../../fixtures/histories/follow-up-continued-before-hand-over-patch.json');
// A supplier chase whose first letter was written the day after it was planned, its nudge that day
// accepted, recorded before the 'follow-up-message-dated-when-written' patch by a worker whose send
// activity already reported when it wrote the letter (a rolling deploy: new activities, old
// workflow code). Without the patch the replay would date the letter by that report and refuse the
// recorded nudge.
const LATE_LETTER_BEFORE_PATCH = path.resolve(__dirname, '../../fixtures/histories/follow-up-late-letter-before-dating-patch.json');
// A nudge merged into a message still going out, which then failed: the run read the message's fate
// (the 'follow-up-nudge-merge-follows-its-message' patch's branch) and showed the nudge failed.
const NUDGE_MERGE_FOLLOWED = NUDGE_MERGE_FIXTURE;
// Recorded before the listed-early patches by a worker whose send activity already reported the
// other requests its message listed (a rolling deploy: new activities, old workflow code). A: its
// first message listed B and was sent, and it told no one; without the
// 'follow-up-tells-the-requests-it-listed' patch the replay would signal B. B: it received the
// `listedInMessage` signal (a new worker's A sent it) with no handler for it; without the
// 'follow-up-learns-it-was-listed' patch the replay would record a merge the run never made.
const LISTED_BEFORE_TELLING = path.resolve(__dirname, '../../fixtures/histories/follow-up-listed-others-before-telling-patch.json');
const TOLD_BEFORE_LEARNING = path.resolve(__dirname, '../../fixtures/histories/follow-up-told-it-was-listed-before-patch.json');
const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/follow-up-changed.ts');

async function replay(workflowBundle: { code: string } | { codePath: string }, histories: Array<{ workflowId: string; history: History }>) {
  const results: Array<{ workflowId: string; error: string | null; name: string | null }> = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter: replayDataConverter() }, histories)) results.push({ workflowId: result.workflowId, error: result.error?.message ?? null, name: result.error?.name ?? null });
  return results;
}

describe('followUpWorkflow replay', () => {
  let stack: Stack;
  const fresh: Array<{ workflowId: string; history: History }> = [];
  beforeAll(async () => {
    // A business day of a minute: the nudge right after the first message must fall on its day to be
    // refused (already sent today), and on a loaded machine the default 4 s day can end first.
    stack = await startStack({ dayMs: 60_000 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records a run: first message, a refused nudge, a new due date, the client answering the last item', async () => {
    const client = stack.firm.clients[0]!;
    const created = await createFollowUp(stack, client.id, { title: 'Replay', dueDate: inDays(5), items: [{ description: 'Stock statement' }] });
    expect(created.status).toBe(201);
    const [first] = await waitForCaught(await clientEmail(stack, client.id), 1);
    const { token } = await linkTokenIn(first!);
    expect((await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/nudge`, { token: stack.tokens.staff })).status).toBe(422);
    expect((await call(stack.api, 'PATCH', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff, body: { dueDate: inDays(6) } })).status).toBe(200);
    expect((await call(stack.api, 'POST', `/api/requests/${token}/items/${created.body.items[0].id}/not-applicable`, { body: { reason: 'none held' } })).status).toBe(200);
    const handle = stack.temporal.client.workflow.getHandle(created.body.workflowId);
    expect(await handle.result()).toEqual({ state: 'completed' });
    const history = await handle.fetchHistory();
    fresh.push({ workflowId: 'follow-up-answered', history });
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FIXTURE, `${historyToJSON(history)}\n`);
  });

  it('replays the committed history and the fresh one without a determinism error', async () => {
    const committed = [
      { workflowId: 'follow-up-answered-committed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) },
      { workflowId: 'follow-up-continued-before-hand-over-patch', history: historyFromJSON(JSON.parse(fs.readFileSync(CONTINUED_BEFORE_PATCH, 'utf8'))) },
      { workflowId: 'follow-up-late-letter-before-dating-patch', history: historyFromJSON(JSON.parse(fs.readFileSync(LATE_LETTER_BEFORE_PATCH, 'utf8'))) },
      { workflowId: 'follow-up-nudge-merge-followed', history: historyFromJSON(JSON.parse(fs.readFileSync(NUDGE_MERGE_FOLLOWED, 'utf8'))) },
      { workflowId: 'follow-up-listed-others-before-telling-patch', history: historyFromJSON(JSON.parse(fs.readFileSync(LISTED_BEFORE_TELLING, 'utf8'))) },
      { workflowId: 'follow-up-told-it-was-listed-before-patch', history: historyFromJSON(JSON.parse(fs.readFileSync(TOLD_BEFORE_LEARNING, 'utf8'))) },
    ];
    // Each committed history covers what it is kept for: the nudge's fixture took the patch's branch.
    expect(patchMarkers(committed[3]!.history)).toContain('follow-up-nudge-merge-follows-its-message');
    // The listed-early fixtures come from before their patches; B's holds the signal it did not know.
    expect([...patchMarkers(committed[4]!.history), ...patchMarkers(committed[5]!.history)].filter((id) => id === 'follow-up-tells-the-requests-it-listed' || id === 'follow-up-learns-it-was-listed')).toEqual([]);
    expect((committed[5]!.history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean)).toContain('listedInMessage');
    expect((committed[4]!.history.events ?? []).filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
    const results = await replay({ codePath: harnessValue('workflowBundle') }, [...committed, ...fresh]);
    expect(results).toEqual([...committed, ...fresh].map((h) => ({ workflowId: h.workflowId, error: null, name: null })));
  });

  it('fails the replay through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replay({ code: changed.code }, [{ workflowId: 'committed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) }]);
    expect(results).toHaveLength(1);
    expect(results[0]!.name).toBe('DeterminismViolationError');
  });
});
