/**
 * The per-firm gate (api/limits/firm-gate.ts): a call may wait longer than the gate's default, a
 * signal ends a wait without leaving a waiter that a later release would hand a slot to, the firm's
 * queue keeps its order whatever each call's wait, and another firm is never queued behind it.
 */
import { FirmGate } from '../../../api/limits/firm-gate';
import { ApiError } from '../../../api/errors';

/** Settles a promise into what it gave, so a test can look at it before and after time moves. */
function watch<T>(promise: Promise<T>): { state: () => 'pending' | 'granted' | 'refused'; value: () => T | undefined; error: () => unknown } {
  let state: 'pending' | 'granted' | 'refused' = 'pending';
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (v) => {
      state = 'granted';
      value = v;
    },
    (e: unknown) => {
      state = 'refused';
      error = e;
    },
  );
  return { state: () => state, value: () => value, error: () => error };
}

/** Lets settled promises run their callbacks (timers stay where they are). */
const settle = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

describe('FirmGate', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("refuses a call with the gate's wait, and lets a call with a longer wait be granted after it", async () => {
    const gate = new FirmGate({ perFirm: 1, waitMs: 5_000 });
    const holder = await gate.enter('a');
    const short = watch(gate.enter('a'));
    const long = watch(gate.enter('a', { waitMs: 60_000 }));
    expect(gate.waiting('a')).toBe(2);

    await jest.advanceTimersByTimeAsync(5_001);
    expect(short.state()).toBe('refused');
    expect(short.error()).toBeInstanceOf(ApiError);
    expect((short.error() as ApiError).status).toBe(503);
    expect(long.state()).toBe('pending');

    await jest.advanceTimersByTimeAsync(20_000); // 25 s in all: past the default, inside the call's own wait
    expect(long.state()).toBe('pending');
    holder();
    await settle();
    expect(long.state()).toBe('granted');
    expect(gate.inUse('a')).toBe(1);
    long.value()?.();
    expect(gate.inUse('a')).toBe(0);
  });

  it("refuses a call with a longer wait once that wait, not the gate's, has passed", async () => {
    const gate = new FirmGate({ perFirm: 1, waitMs: 5_000 });
    const holder = await gate.enter('a');
    const long = watch(gate.enter('a', { waitMs: 30_000 }));
    await jest.advanceTimersByTimeAsync(29_999);
    expect(long.state()).toBe('pending');
    await jest.advanceTimersByTimeAsync(2);
    expect(long.state()).toBe('refused');
    expect((long.error() as ApiError).status).toBe(503);
    expect(gate.waiting('a')).toBe(0);
    holder();
    expect(gate.inUse('a')).toBe(0);
  });

  it('ends a wait when its signal aborts, and a later release does not grant the call that gave up', async () => {
    const gate = new FirmGate({ perFirm: 1, waitMs: 5_000 });
    const holder = await gate.enter('a');
    const controller = new AbortController();
    const waiter = watch(gate.enter('a', { waitMs: 60_000, signal: controller.signal }));
    expect(gate.waiting('a')).toBe(1);

    const reason = new Error('client gone');
    controller.abort(reason);
    await settle();
    expect(waiter.state()).toBe('refused');
    expect(waiter.error()).toBe(reason);
    expect(gate.waiting('a')).toBe(0);

    holder();
    await settle();
    // The slot went back to the firm, not to the call that gave up.
    expect(gate.inUse('a')).toBe(0);
    const next = await gate.enter('a');
    expect(gate.inUse('a')).toBe(1);
    next();
    // Its timer was cleared too: nothing fires later.
    await jest.advanceTimersByTimeAsync(120_000);
    expect(waiter.error()).toBe(reason);
  });

  it('takes no slot for a call whose signal has already aborted, even when one is free', async () => {
    const gate = new FirmGate({ perFirm: 2, waitMs: 5_000 });
    const controller = new AbortController();
    const reason = new Error('request over');
    controller.abort(reason);
    await expect(gate.enter('a', { signal: controller.signal })).rejects.toBe(reason);
    expect(gate.inUse('a')).toBe(0);
  });

  it('keeps the order of the queue whatever the waits, and skips a waiter that gave up', async () => {
    const gate = new FirmGate({ perFirm: 1, waitMs: 5_000 });
    const holder = await gate.enter('a');
    const granted: string[] = [];
    const enter = (name: string, options?: Parameters<FirmGate['enter']>[1]) =>
      gate.enter('a', options).then((release) => {
        granted.push(name);
        return release;
      });
    const controller = new AbortController();
    const first = enter('first', { waitMs: 60_000 });
    const second = enter('second');
    const gaveUp = enter('gave up', { waitMs: 60_000, signal: controller.signal });
    const fourth = enter('fourth', { waitMs: 60_000 });
    gaveUp.catch(() => undefined);
    controller.abort(new Error('client gone'));
    await settle();
    expect(gate.waiting('a')).toBe(3);

    holder();
    (await first)();
    (await second)();
    const last = await fourth;
    expect(granted).toEqual(['first', 'second', 'fourth']);
    expect(gate.inUse('a')).toBe(1);
    last();
    expect(gate.inUse('a')).toBe(0);
    expect(gate.waiting('a')).toBe(0);
  });

  it("never queues another firm behind one firm's long waits", async () => {
    const gate = new FirmGate({ perFirm: 1, waitMs: 5_000 });
    const holder = await gate.enter('a');
    const long = watch(gate.enter('a', { waitMs: 60_000 }));
    const other = await gate.enter('b');
    expect(gate.inUse('b')).toBe(1);
    other();
    holder();
    await settle();
    expect(long.state()).toBe('granted');
    long.value()?.();
  });
});
