/**
 * The line a firm's user creations wait in (api/users/creation-queue.ts): one at a time per firm, in
 * the order they came, other firms not held, a request whose deadline passes leaves at once without
 * letting those behind it skip ahead, an idle line keeps nothing, and a firm's places are bounded.
 */
import { FirmCreationQueue } from '../../../api/users/creation-queue';

/** A step the test ends by hand: no timers, the order of events is the test's. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FirmCreationQueue', () => {
  it("runs a firm's creations one at a time, in order, and another firm's beside them", async () => {
    const queue = new FirmCreationQueue();
    const log: string[] = [];
    const gates = [gate(), gate(), gate()];
    const work = (name: string, step: { opened: Promise<void> }) => async () => {
      log.push(`start ${name}`);
      await step.opened;
      log.push(`end ${name}`);
      return name;
    };
    const a1 = queue.run('firm-a', work('a1', gates[0]!));
    const a2 = queue.run('firm-a', work('a2', gates[1]!));
    const b1 = queue.run('firm-b', work('b1', gates[2]!));
    await settle();
    expect(log).toEqual(['start a1', 'start b1']);
    gates[1]!.open(); // a2's work may end, but it has not started: it still waits for a1
    await settle();
    expect(log).toEqual(['start a1', 'start b1']);
    gates[0]!.open();
    expect(await a1).toBe('a1');
    expect(await a2).toBe('a2');
    gates[2]!.open();
    expect(await b1).toBe('b1');
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2', 'end a2', 'end b1']);
    expect(queue.busyFirms).toBe(0);
  });

  it('lets a request whose deadline passes leave the line at once, and keeps those behind it waiting their turn', async () => {
    const queue = new FirmCreationQueue();
    const log: string[] = [];
    const first = gate();
    const deadline = new AbortController();
    const running = queue.run('firm', async () => {
      log.push('first');
      await first.opened;
    });
    const leaving = queue.run('firm', async () => void log.push('never'), deadline.signal);
    const third = queue.run('firm', async () => void log.push('third'));
    await settle();
    deadline.abort(new Error('request_timeout'));
    await expect(leaving).rejects.toThrow('request_timeout');
    await settle();
    // The one that left does not hand the turn on early: the third still waits for the first.
    expect(log).toEqual(['first']);
    first.open();
    await running;
    await third;
    expect(log).toEqual(['first', 'third']);
    expect(queue.busyFirms).toBe(0);
  });

  it('keeps the line when its last waiter leaves on its deadline while an earlier creation still runs', async () => {
    const queue = new FirmCreationQueue();
    const log: string[] = [];
    const first = gate();
    const deadline = new AbortController();
    const running = queue.run('firm', async () => {
      log.push('start A');
      await first.opened;
      log.push('end A');
    });
    const leaving = queue.run('firm', async () => void log.push('never B'), deadline.signal);
    await settle();
    deadline.abort(new Error('request_timeout'));
    await expect(leaving).rejects.toThrow('request_timeout');
    await settle();
    // B was the last in the line: the firm is still busy with A, and C arriving now waits for A.
    const busyWhileARuns = queue.busyFirms;
    const late = queue.run('firm', async () => void log.push('start C'));
    await settle();
    expect({ busyWhileARuns, log }).toEqual({ busyWhileARuns: 1, log: ['start A'] });
    first.open();
    await running;
    await late;
    expect(log).toEqual(['start A', 'end A', 'start C']);
    await settle();
    expect(queue.busyFirms).toBe(0);
  });

  it('never runs the work of a request whose signal aborted while it waited (a client that went)', async () => {
    const queue = new FirmCreationQueue();
    const log: string[] = [];
    const first = gate();
    const gone = new AbortController();
    const running = queue.run('firm', async () => {
      await first.opened;
      log.push('A');
    });
    const leaving = queue.run('firm', async () => void log.push('never'), gone.signal);
    await settle();
    gone.abort(new Error('client_closed_request'));
    await expect(leaving).rejects.toThrow('client_closed_request');
    first.open();
    await running;
    await settle();
    expect(log).toEqual(['A']);
    expect(queue.busyFirms).toBe(0);
  });

  it('refuses at once a request already past its deadline, and goes on after a creation that failed', async () => {
    const queue = new FirmCreationQueue();
    const over = new AbortController();
    over.abort(new Error('over'));
    await expect(queue.run('firm', async () => 'ran', over.signal)).rejects.toThrow('over');
    await expect(queue.run('firm', async () => Promise.reject(new Error('email_taken')))).rejects.toThrow('email_taken');
    expect(await queue.run('firm', async () => 'next')).toBe('next');
    expect(queue.busyFirms).toBe(0);
  });

  it("refuses a firm's creation beyond its places with 429, not another firm's, and takes it once a place is given back", () => {
    const queue = new FirmCreationQueue(2);
    const first = queue.take('firm-a');
    const second = queue.take('firm-a');
    const refusal = (() => {
      try {
        queue.take('firm-a');
        return null;
      } catch (error) {
        const e = error as { status: number; code: string; details: unknown; headers: unknown };
        return { status: e.status, code: e.code, details: e.details, headers: e.headers };
      }
    })();
    expect(refusal).toEqual({ status: 429, code: 'rate_limited', details: { retryAfterSeconds: 10, limit: 'user_creations_in_progress' }, headers: { 'Retry-After': '10' } });
    const other = queue.take('firm-b');
    first();
    first(); // given back once only: a second call does not free a place it no longer holds
    const third = queue.take('firm-a');
    expect(() => queue.take('firm-a')).toThrow(expect.objectContaining({ status: 429 }));
    for (const giveBack of [second, third, other]) giveBack();
    expect(queue.busyFirms).toBe(0);
  });
});
