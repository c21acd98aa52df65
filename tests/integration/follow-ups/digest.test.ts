/** The daily staff digest on the real stack: one email per person and date, however often the job runs. */
import { randomBytes } from 'node:crypto';
import { FOLLOW_UP_DIGEST_WORKFLOW } from '../../../workflows/follow-up-definitions';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { call } from '../../harness/api';
import { createFollowUp, inDays, startStack, type Stack } from './helpers';

describe('follow-up digest', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("emails each owner their overdue, due-today, upcoming and new follow-ups once per date", async () => {
    const clientId = stack.firm.clients[0]!.id;
    const today = inDays(0);
    const ids: string[] = [];
    for (const [title, due] of [['Overdue bills', inDays(1)], ['Today bills', today], ['Next week bills', inDays(5)]] as const) {
      const res = await createFollowUp(stack, clientId, { title, dueDate: due, items: [{ description: 'x' }] });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    // A due date cannot be set in the past (422 due_date_passed): the first request's date passes while it is open.
    await stack.db.owner('follow_ups').where({ id: ids[0] }).update({ due_date: inDays(-2) });
    const run = (suffix: string) => stack.temporal.client.workflow.execute(FOLLOW_UP_DIGEST_WORKFLOW, { taskQueue: stack.taskQueue, workflowId: `follow-up-digest-test-${suffix}`, args: [today] });
    expect(await run(randomBytes(4).toString('hex'))).toEqual({ sent: 1, failed: 0 });
    const staffEmail = stack.firm.users.staff.email;
    const [digest] = await waitForCaught(staffEmail, 1);
    expect(digest!.Subject).toBe(`Your follow-ups for ${today}: 1 overdue, 1 due today`);
    const text = (await caughtMessage(digest!.ID)).Text.replace(/[ \t\r]+\n/g, '\n');
    expect(text).toMatch(/Overdue:\n {2}- Alpha Traders — Overdue bills/);
    expect(text).toMatch(/Due today:\n {2}- Alpha Traders — Today bills/);
    expect(text).toContain('Next week bills');
    expect(text).toContain('Newly assigned to you');
    // Again the same day: nothing new is sent.
    expect(await run(randomBytes(4).toString('hex'))).toEqual({ sent: 0, failed: 0 });
    expect(await caughtTo(staffEmail)).toHaveLength(1);
    for (const id of ids) await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.staff, body: {} });
  });
});
