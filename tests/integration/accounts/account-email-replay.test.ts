/**
 * Determinism guard for accountEmailWorkflow: a history recorded from a real run (a lockout email
 * through the real worker and Mailpit, committed under tests/fixtures/histories/) and a fresh one
 * are replayed through the current workflow code; a changed workflow (negative control) must fail
 * the same replay. With UPDATE_HISTORY_FIXTURES=1 the fresh history is written over the committed one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import { ACCOUNT_EMAIL_WORKFLOW, accountEmailWorkflowId, type AccountEmailInput } from '../../../workflows/account-email-definitions';
import { harnessValue } from '../../harness/harness-env';
import { waitForCaught } from '../../harness/mail';
import { replayHistories, type History } from '../../harness/replay';
import { startAccountsStack, type AccountsStack } from './helpers';

const FIXTURE = path.resolve(__dirname, '../../fixtures/histories/account-email-lockout.json');
const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/account-email-changed.ts');

const outcome = (results: Array<{ workflowId: string; error?: Error }>) => results.map((r) => ({ workflowId: r.workflowId, error: r.error ? r.error.name : null }));

describe('accountEmailWorkflow replay', () => {
  let stack: AccountsStack;
  let fresh: History;
  beforeAll(async () => {
    stack = await startAccountsStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('records a lockout email from a real run', async () => {
    const user = stack.firm.users.reviewer;
    const input: AccountEmailInput = { firmId: stack.firm.id, kind: 'lockout', subjectId: user.id, key: String(Date.now()) };
    const handle = await stack.api.temporal.client.workflow.start(ACCOUNT_EMAIL_WORKFLOW, { taskQueue: stack.api.temporal.taskQueue, workflowId: accountEmailWorkflowId(input), args: [input] });
    expect(await handle.result()).toEqual({ status: 'sent' });
    await waitForCaught(user.email, 1);
    fresh = await handle.fetchHistory();
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FIXTURE, `${historyToJSON(fresh)}\n`);
  });

  it('replays the committed and the fresh history through the current workflow code', async () => {
    const committed = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    const results = await replayHistories({ codePath: harnessValue('workflowBundle') }, [
      { workflowId: 'account-email-committed', history: committed },
      { workflowId: 'account-email-fresh', history: fresh },
    ]);
    expect(outcome(results)).toEqual([
      { workflowId: 'account-email-committed', error: null },
      { workflowId: 'account-email-fresh', error: null },
    ]);
  });

  it('fails the replay through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replayHistories({ code: changed.code }, [{ workflowId: 'account-email-committed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) }]);
    expect(outcome(results)).toEqual([{ workflowId: 'account-email-committed', error: 'DeterminismViolationError' }]);
  });
});
