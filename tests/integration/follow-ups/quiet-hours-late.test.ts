/**
 * A scheduled reminder whose send runs late into the firm's quiet hours (the worker was down at its
 * time and came back at night), on the real stack (api, worker, Temporal, PostgreSQL, Mailpit) with
 * a business day of a minute. Nothing goes out inside quiet hours: the plan the API shows holds the
 * reminder to the next send time, where it is sent; a due date replaced during the hold drops the
 * reminder computed from the old one, and only the new date's reminder goes.
 *
 * A compressed clock puts each request's creation at the send time of its day (10:00); quiet hours
 * here run from 16:00 to 09:00, so a slot's first quiet hours begin six hours (six seconds) after
 * it and last seventeen (42 seconds).
 */
import { dateOf, inQuietHours, instantOf, istIso, minuteOf, positionOf, type FollowUpClock, type FollowUpPolicy, type PlannedMessage } from '../../../domain/follow-ups';
import { call } from '../../harness/api';
import { endLiveFollowUps, eventually, inDays, startStack, type Stack } from './helpers';

jest.setTimeout(420_000);

const DAY = 60_000;
const policy: Partial<FollowUpPolicy> = { sendAt: '10:00', quietHours: { from: '16:00', to: '09:00' }, deadlineOffsets: [1], overdueOffsets: [5], intervalDays: 30 };
const quiet = (clock: FollowUpClock, at: number) => inQuietHours({ quietHours: policy.quietHours! }, positionOf(clock, at).minute);

type Row = { id: string; slot_key: string; status: string; created_at: Date };

describe('a reminder whose send runs late into quiet hours', () => {
  let stack: Stack;
  let down = false;
  beforeAll(async () => {
    stack = await startStack({ dayMs: DAY });
  });
  afterAll(async () => {
    if (down) stack.worker = await stack.startWorker();
    await endLiveFollowUps(stack).catch(() => undefined);
    await stack?.close();
  });

  it('is held to the next send time (the plan shows it), sent then, and skipped when its date is replaced during the hold', async () => {
    const create = (clientId: string, title: string) => call(stack.api, 'POST', `/api/clients/${clientId}/follow-ups`, { token: stack.tokens.staff, body: { title, dueDate: inDays(2), items: [{ description: title }], policy } });
    // Z is held and sent at the hold's end; Y's due date is replaced during the hold.
    const z = await create(stack.firm.clients[0]!.id, 'Held and sent');
    const y = await create(stack.firm.clients[1]!.id, 'Held then replaced');
    expect([z.status, y.status]).toEqual([201, 201]);
    const ids = { z: z.body.id as string, y: y.body.id as string };
    try {
      const facts = async (id: string, created: typeof z) => {
        const { clock } = (await stack.db.owner('follow_ups').where({ id }).first('clock')) as { clock: FollowUpClock };
        const slot = (created.body.schedule as Array<{ kind: string; at: string }>).find((s) => s.kind === 'anchored')!;
        const at = Date.parse(slot.at);
        const day = positionOf(clock, at).day;
        return { id, clock, slotAt: at, slotKey: `followup:${id}:anchored:${dateOf(day)}`, release: instantOf(clock, day + 1, minuteOf(policy.sendAt!)) };
      };
      const Z = await facts(ids.z, z);
      const Y = await facts(ids.y, y);
      const rows = async (id: string) => (await stack.db.owner('outbox').where({ follow_up_id: id, audience: 'client' }).orderBy('created_at')) as Row[];
      for (const f of [Z, Y]) await eventually('the first message sent', async () => (await rows(f.id)).some((r) => r.slot_key.endsWith(':initial') && r.status === 'sent'));

      // Down through the T-1 slots, back inside the quiet hours that follow them.
      await stack.worker.shutdown();
      down = true;
      if (Date.now() >= Math.min(Z.slotAt, Y.slotAt)) throw new Error('the worker stopped after a slot was due: the machine is too slow for this test');
      await eventually(
        'both requests inside the quiet hours after their slot',
        async () => [Z, Y].every((f) => Date.now() > f.slotAt && quiet(f.clock, Date.now())),
        2 * DAY,
      );
      stack.worker = await stack.startWorker();
      down = false;

      // The plan the API shows holds each slot to the next send time; nothing went out.
      for (const f of [Z, Y]) {
        const shown = await eventually(
          'the plan to show the slot held',
          async () => {
            const res = await call(stack.api, 'GET', `/api/follow-ups/${f.id}`, { token: stack.tokens.staff });
            const slot = (res.body.schedule as Array<{ kind: string; at: string; status: string }>).find((s) => s.kind === 'anchored');
            return slot && slot.at !== istIso(f.slotAt) ? { slot, next: res.body.nextMessageAt as string } : null;
          },
          DAY / 2,
        );
        expect(shown).toEqual({ slot: { kind: 'anchored', at: istIso(f.release), status: 'planned' }, next: istIso(f.release) });
        expect((await rows(f.id)).map((r) => r.slot_key)).toEqual([`followup:${f.id}:initial`]);
      }
      if (Date.now() >= Math.min(Z.release, Y.release)) throw new Error('the hold ended before the test saw it: the machine is too slow for this test');

      // Y's due date moves a day on during the hold: its new T-1 is the release day; the held slot, computed from the old date, leaves the plan.
      const releaseDay = positionOf(Y.clock, Y.release).day;
      const moved = await call(stack.api, 'PATCH', `/api/follow-ups/${Y.id}`, { token: stack.tokens.staff, body: { dueDate: dateOf(releaseDay + 1) } });
      expect(moved.status).toBe(200);
      expect(moved.body.schedule.filter((s: { kind: string }) => s.kind === 'anchored')).toEqual([{ kind: 'anchored', at: istIso(Y.release), status: 'planned' }]);

      // At the send time: Z's held slot goes; Y's new slot goes, its held one never.
      const sentAt = async (id: string, key: string) => eventually(`${key} sent`, async () => (await rows(id)).find((r) => r.slot_key === key && r.status === 'sent') ?? null, 2 * DAY);
      const zSent = await sentAt(Z.id, Z.slotKey);
      const ySent = await sentAt(Y.id, `followup:${Y.id}:anchored:${dateOf(releaseDay)}`);
      for (const [f, row] of [[Z, zSent], [Y, ySent]] as const) {
        const written = row.created_at.getTime();
        expect({ notBefore: written >= f.release, quiet: quiet(f.clock, written) }).toEqual({ notBefore: true, quiet: false });
      }
      expect((await rows(Y.id)).filter((r) => r.slot_key === Y.slotKey)).toEqual([]);
      const ySchedule = ((await stack.db.owner('follow_ups').where({ id: Y.id }).first('schedule')) as { schedule: PlannedMessage[] }).schedule;
      expect(ySchedule.find((m) => `followup:${Y.id}:${m.key}` === Y.slotKey)).toBeUndefined();
    } finally {
      if (down) {
        stack.worker = await stack.startWorker();
        down = false;
      }
      await endLiveFollowUps(stack);
    }
  });
});
