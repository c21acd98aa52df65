/** The daily staff digest on the real stack: one email per person and date, however often the job runs. */
import { randomBytes } from 'node:crypto';
import { FOLLOW_UP_DIGEST_WORKFLOW } from '../../../workflows/follow-up-definitions';
import { caughtMessage, caughtTo } from '../../harness/mail';
import { within } from '../../harness/eventually';
import { call } from '../../harness/api';
import { createFollowUp, endLiveFollowUps, eventually, inDays, startStack, type Stack } from './helpers';

// Alone the test takes a few seconds; on a loaded 2-core machine (the other jest worker's stack, a
// workflow task starved for several seconds) each step below may take tens of seconds. Every wait
// has its own budget inside this one, so an overrun names the step that overran.
jest.setTimeout(240_000);

const STEP_MS = 60_000;

describe('follow-up digest', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await within('the follow-up stack to start', 3 * STEP_MS, startStack());
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("emails each owner their overdue, due-today, upcoming and new follow-ups once per date", async () => {
    const clientId = stack.firm.clients[0]!.id;
    const today = inDays(0);
    const ids: string[] = [];
    try {
      for (const [title, due] of [['Overdue bills', inDays(1)], ['Today bills', today], ['Next week bills', inDays(5)]] as const) {
        const res = await within(`the follow-up "${title}" to be created`, STEP_MS, createFollowUp(stack, clientId, { title, dueDate: due, items: [{ description: 'x' }] }));
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      // A due date cannot be set in the past (422 due_date_passed): the first request's date passes while it is open.
      await stack.db.owner('follow_ups').where({ id: ids[0] }).update({ due_date: inDays(-2) });
      const run = (what: string) => within(`the ${what} digest run to finish`, STEP_MS, stack.temporal.client.workflow.execute(FOLLOW_UP_DIGEST_WORKFLOW, { taskQueue: stack.taskQueue, workflowId: `follow-up-digest-test-${randomBytes(4).toString('hex')}`, args: [today] }));
      expect(await run('first')).toEqual({ sent: 1, failed: 0 });
      // The owner's inbox also gets the chases' escalations (a day lasts seconds here, and a loaded
      // machine lets some pass): the digest is told apart by its subject.
      const staffEmail = stack.firm.users.staff.email;
      const digests = async () => (await caughtTo(staffEmail)).filter((m) => m.Subject.startsWith('Your follow-ups for'));
      const [digest] = await eventually("the staff member's digest in the catcher", async () => {
        const caught = await digests();
        return caught.length > 0 && caught;
      });
      expect(digest!.Subject).toBe(`Your follow-ups for ${today}: 1 overdue, 1 due today`);
      const text = (await caughtMessage(digest!.ID)).Text.replace(/[ \t\r]+\n/g, '\n');
      expect(text).toMatch(/Overdue:\n {2}- Alpha Traders — Overdue bills/);
      expect(text).toMatch(/Due today:\n {2}- Alpha Traders — Today bills/);
      expect(text).toContain('Next week bills');
      expect(text).toContain('Newly assigned to you');
      // Again the same day: nothing new is sent (the first run returned after its email was accepted,
      // so a second one would be caught by now too).
      expect(await run('second')).toEqual({ sent: 0, failed: 0 });
      expect(await digests()).toHaveLength(1);
      expect(await stack.db.owner('outbox').where({ firm_id: stack.firm.id, template: 'digest' }).pluck('status')).toEqual(['sent']);
    } finally {
      // The chases must not run on (their reminders and escalations) past the test, failed or not: every
      // live one of the firm (a create that overran its budget may still have made one). A cancel that
      // fails is not thrown over the test's own failure (the stack closes after this one test anyway).
      await endLiveFollowUps(stack).catch(() => undefined);
    }
  });

  it('lists a follow-up as newly assigned once, in the next digest, also when it was handed over', async () => {
    const clientId = stack.firm.clients[0]!.id;
    const manager = stack.firm.users.manager;
    const [today, tomorrow] = [inDays(0), inDays(1)];
    try {
      const handed = await within('the follow-up to hand over to be created', STEP_MS, createFollowUp(stack, clientId, { title: 'Handed over bills', dueDate: inDays(6), items: [{ description: 'x' }] }));
      expect(handed.status).toBe(201);
      // Made by the staff member three days ago (assigned to them then), handed to the manager now.
      const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
      await stack.db.owner('follow_ups').where({ id: handed.body.id }).update({ created_at: threeDaysAgo, assigned_at: threeDaysAgo });
      const patched = await call(stack.api, 'PATCH', `/api/follow-ups/${handed.body.id}`, { token: stack.tokens.staff, body: { ownerId: manager.id } });
      expect(patched.status).toBe(200);
      const own = await within("the manager's own follow-up to be created", STEP_MS, createFollowUp(stack, clientId, { title: 'Own bills', dueDate: inDays(6), ownerId: manager.id, items: [{ description: 'x' }] }));
      expect(own.status).toBe(201);

      const run = (date: string) => within(`the digest run for ${date} to finish`, STEP_MS, stack.temporal.client.workflow.execute(FOLLOW_UP_DIGEST_WORKFLOW, { taskQueue: stack.taskQueue, workflowId: `follow-up-digest-test-${randomBytes(4).toString('hex')}`, args: [date] }));
      const newlyAssigned = async (date: string) => {
        const [digest] = await eventually(`the manager's digest for ${date} in the catcher`, async () => {
          const caught = (await caughtTo(manager.email)).filter((m) => m.Subject.startsWith(`Your follow-ups for ${date}:`));
          return caught.length > 0 && caught;
        });
        const text = (await caughtMessage(digest!.ID)).Text.replace(/[ \t\r]+\n/g, '\n');
        return /Newly assigned to you:\n((?: {2}- .*\n)*)/.exec(text)?.[1]?.split('\n').filter((line) => line.trim()).map((line) => line.trim().replace(/^- Alpha Traders — /, '').replace(/ \(due.*$/, '')) ?? [];
      };
      expect(await run(today)).toEqual({ sent: 1, failed: 0 });
      expect((await newlyAssigned(today)).sort()).toEqual(['Handed over bills', 'Own bills']);
      // The next day's digest still lists both (they are live and due) but neither as newly assigned again.
      expect(await run(tomorrow)).toEqual({ sent: 1, failed: 0 });
      expect(await newlyAssigned(tomorrow)).toEqual([]);
    } finally {
      await endLiveFollowUps(stack).catch(() => undefined);
    }
  });
});
