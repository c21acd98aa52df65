/**
 * For tests that put two transactions in a controlled order (lock-order tests): which backends of the
 * test database wait on a lock and whom they wait for, a transaction's backend pid, and a wait on
 * that state (never on the wall clock) whose budget only a hang exhausts.
 */
import type { Knex } from 'knex';

/** A backend waiting on a lock: its query, the pids it waits for, and the kind of lock (`advisory`, `tuple`, `transactionid`...). */
export type Waiter = { pid: number; query: string; blockedBy: number[]; waitEvent: string };

/** Every backend of the test database that waits on a lock now (read through `watcher`, a connection that holds nothing). */
export async function lockWaiters(watcher: Knex): Promise<Waiter[]> {
  const { rows } = await watcher.raw(
    `select pid, query, wait_event, pg_blocking_pids(pid) as blocked_by from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return (rows as Array<{ pid: number; query: string; wait_event: string; blocked_by: number[] }>).map((r) => ({ pid: r.pid, query: r.query, blockedBy: r.blocked_by, waitEvent: r.wait_event }));
}

/** The backend pid of a transaction's connection: what a waiter's `blockedBy` names. */
export async function backendPid(trx: Knex.Transaction): Promise<number> {
  return ((await trx.raw('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
}

/**
 * Waits until at least `count` (default 1) of the waiters match `match`, and returns those; on a hang
 * the error names what it waited for and the waiters it saw last.
 */
export async function untilWaiting(watcher: Knex, what: string, match: (w: Waiter) => boolean, options: { count?: number; budgetMs?: number } = {}): Promise<Waiter[]> {
  const deadline = Date.now() + (options.budgetMs ?? 60_000);
  for (;;) {
    const seen = await lockWaiters(watcher);
    const matching = seen.filter(match);
    if (matching.length >= (options.count ?? 1)) return matching;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; waiting on locks: ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How one side of an interleaving ended: its value, or the message of its error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

const outcome = <T>(p: Promise<T>): Promise<Outcome<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error: error.message }),
  );

/**
 * Two transactions in a controlled order, on two connections: `holder` opens a transaction on the
 * owner pool and takes its locks (`hold`); then `waiter` starts (on its own connection) and runs
 * until it waits on a lock the holder has, on a query matching `waitsOn`; then the holder does its
 * `write` (the audited write a deadlock would abort) and commits, or rolls back when the write failed
 * or `end` says so. The holder's waits are bounded (`lock_timeout` 30 s), so a hang fails the test.
 */
export async function holdThenWrite<T>(
  owner: Knex,
  steps: {
    hold: (trx: Knex.Transaction) => Promise<unknown>;
    waiter: () => Promise<T>;
    waitsOn: { what: string; query: RegExp };
    write: (trx: Knex.Transaction) => Promise<unknown>;
    end?: 'commit' | 'rollback';
  },
): Promise<{ written: Outcome<unknown>; waited: Outcome<T> }> {
  const holder = await owner.transaction();
  let waiting: Promise<Outcome<T>> | null = null;
  let written: Outcome<unknown> = { ok: false, error: 'not tried' };
  try {
    await holder.raw(`set local lock_timeout = '30s'`);
    await steps.hold(holder);
    const holderPid = await backendPid(holder);
    waiting = outcome(steps.waiter());
    await untilWaiting(owner, steps.waitsOn.what, (w) => w.blockedBy.includes(holderPid) && steps.waitsOn.query.test(w.query));
    written = await outcome(steps.write(holder));
  } finally {
    if (written.ok && (steps.end ?? 'commit') === 'commit') await holder.commit();
    else await holder.rollback();
  }
  return { written, waited: await waiting! };
}

/**
 * `work` in a transaction of its own on `owner`, committed, with its lock waits bounded (30 s): a lock
 * held elsewhere (the firm's audit lock while a request waits on Temporal) fails the test, saying so,
 * instead of stalling it.
 */
export async function boundedTransaction(owner: Knex, work: (trx: Knex.Transaction) => Promise<unknown>): Promise<{ ok: true } | { ok: false; error: string }> {
  return owner
    .transaction(async (trx) => {
      await trx.raw(`set local lock_timeout = '30s'`);
      await work(trx);
    })
    .then(
      () => ({ ok: true as const }),
      (error: Error) => ({ ok: false as const, error: error.message }),
    );
}
