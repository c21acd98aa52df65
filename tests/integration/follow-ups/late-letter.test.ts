/**
 * A letter written a day after it was planned, on the real stack (api, worker, Temporal,
 * PostgreSQL, Mailpit) with compressed business days: a supplier chase is created while no worker
 * runs, and the worker comes back on the chase's next business day, so its first letter is written
 * then. The one-letter-a-day rule dates a letter by when its outbox row was written; the workflow
 * now dates it the same way, so the plan the API shows puts the letter on the day it went, a nudge
 * that day is refused (422 already_sent_today) instead of being accepted and skipped by the sender
 * (202 `skipped`, nothing sent), and a nudge the next day sends a letter.
 */
import { positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { call } from '../../harness/api';
import { caughtTo, waitForCaught } from '../../harness/mail';
import { importFile, reconData } from '../recon/recon-helpers';
import { eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(240_000);

const PERIOD = '2024-06';
const DAY = 24_000;
/** Nights from 22:00 to 06:00: a nudge needs daytime, and the day after creation starts early. */
const POLICY = { ...TEST_POLICY, quietHours: { from: '22:00', to: '06:00' } };

type Slot = { at: string; kind: string; status: string };

describe('a supplier letter written the day after it was planned', () => {
  let stack: Stack;
  let runId: string;
  let gstin: string;
  beforeAll(async () => {
    stack = await startStack({ dayMs: DAY });
    const client = stack.firm.clients[0]!;
    const data = reconData(client.gstin, 60, 5);
    const twoB = await importFile(stack.api, stack.tokens.staff!, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(stack.api, stack.tokens.staff!, client.id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const started = await call(stack.api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: stack.tokens.staff, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    await eventually('the reconciliation to complete', async () => (await call(stack.api, 'GET', `/api/reconciliations/${runId}`, { token: stack.tokens.staff })).body.status === 'completed');
    const results = (await call(stack.api, 'GET', `/api/reconciliations/${runId}/results?limit=500`, { token: stack.tokens.staff })).body.items as Array<{ category: string; supplierGstin: string; books: unknown }>;
    const chased = results.find((r) => ['missing_in_2b', 'mismatch'].includes(r.category) && r.books && r.supplierGstin);
    if (!chased) throw new Error('no supplier document to chase in the generated data');
    gstin = chased.supplierGstin;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('dates the letter by the day it was written: a nudge that day is refused, the next day it sends', async () => {
    const supplierAddress = `late-${Date.now()}@supplier.example`;
    // No worker while the chase is made and through the rest of its first business day.
    await stack.worker.shutdown();
    const created = await call(stack.api, 'POST', `/api/reconciliations/${runId}/follow-ups`, {
      token: stack.tokens.staff,
      body: { recipient: 'supplier', supplierEmail: supplierAddress, supplierGstins: [gstin], dueDate: inDays(10), policy: POLICY },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const { clock } = (await stack.db.owner('follow_ups').where({ id }).first('clock')) as { clock: FollowUpClock };
    const createdDay = positionOf(clock, Date.parse((created.body.schedule as Slot[])[0]!.at)).day;
    const dayOf = (at: number) => positionOf(clock, at).day;

    // Back at 07:00 of the next business day: the first letter, planned on day 0, is written on day 1.
    await eventually('the next business day, after its night', () => dayOf(Date.now()) === createdDay + 1 && positionOf(clock, Date.now()).minute >= 7 * 60, DAY * 2, 50);
    stack.worker = await stack.startWorker();
    await waitForCaught(supplierAddress, 1);
    const row = (await stack.db.owner('outbox').where({ follow_up_id: id }).first()) as { slot_key: string; status: string; created_at: Date };
    expect(row.slot_key.endsWith(':initial')).toBe(true);
    if (dayOf(row.created_at.getTime()) !== createdDay + 1) throw new Error('the first letter was not written on the day after creation: the worker took too long to start');

    // The plan the API shows puts the letter on the day it was written.
    const first = await eventually('the plan to show the first letter sent', async () => {
      const slot = ((await call(stack.api, 'GET', `/api/follow-ups/${id}`, { token: stack.tokens.staff })).body.schedule as Slot[]).find((s) => s.kind === 'initial');
      return slot?.status === 'sent' ? slot : null;
    });
    expect(dayOf(Date.parse(first.at))).toBe(createdDay + 1);
    expect(Date.parse(first.at)).toBe(Math.floor(row.created_at.getTime() / 1000) * 1000);

    // A nudge the same day: the supplier already had its letter today.
    const nudged = await call(stack.api, 'POST', `/api/follow-ups/${id}/nudge`, { token: stack.tokens.staff });
    if (dayOf(Date.now()) !== createdDay + 1) throw new Error('business day 1 ended before the nudge was answered: DAY is too short for this machine');
    expect([nudged.status, nudged.body.error?.code]).toEqual([422, 'already_sent_today']);
    expect(await caughtTo(supplierAddress)).toHaveLength(1);
    expect(Number(((await stack.db.owner('outbox').where({ follow_up_id: id }).count('* as n').first()) as { n: string }).n)).toBe(1);

    // The next day (after its night) a nudge sends the second letter.
    const next = await eventually(
      'a nudge answered on business day 2',
      async () => {
        if (dayOf(Date.now()) < createdDay + 2) return false;
        const attempt = await call(stack.api, 'POST', `/api/follow-ups/${id}/nudge`, { token: stack.tokens.staff });
        return attempt.status === 422 && attempt.body.error?.code === 'quiet_hours' ? false : attempt;
      },
      DAY * 3,
      250,
    );
    expect([next.status, next.body.status]).toEqual([202, 'sent']);
    await waitForCaught(supplierAddress, 2);
    expect((await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.manager, body: {} })).status).toBe(200);
  });
});
