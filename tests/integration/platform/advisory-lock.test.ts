/**
 * db/advisory-lock.ts against real PostgreSQL: `lockKey` takes the very lock ids the hand-written
 * `pg_advisory_xact_lock` calls it replaced took, so a process of the previous version and one of
 * this version holding the same key exclude each other (a rolling deploy). Each pair: one
 * connection holds the lock the old way, the other asks through lockKey and must wait (lock_timeout
 * runs out, 55P03); the other hashing of the same key is a different lock and is granted at once.
 * Then the call sites themselves (the follow-up idempotency key, the demo seed, the period, both
 * sides of the row commit) must wait on the lock the old SQL holds.
 */
import type { Knex } from 'knex';
import { followUpForKey } from '../../../api/follow-ups/create';
import { lockKey, type LockHashing } from '../../../db/advisory-lock';
import { lockPeriodKey } from '../../../db/period-lock';
import { awaitRowCommit, lockRowCommit, RowCommitPending } from '../../../db/row-commit';
import { seedDemoFirm } from '../../../db/seeds/demo-firm';
import { createTestDatabase, type TestDatabase } from '../../harness/database';

const OLD_SQL: Record<LockHashing, string> = {
  extended: 'select pg_advisory_xact_lock(hashtextextended(?, 0))',
  text32: 'select pg_advisory_xact_lock(hashtext(?))',
};

describe('advisory locks by text key', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** A transaction on its own connection that waits for a lock 300 ms at most. */
  const impatient = <T>(fn: (trx: Knex.Transaction) => Promise<T>) =>
    db.owner.transaction(async (trx) => {
      await trx.raw(`set local lock_timeout = '300ms'`);
      return fn(trx);
    });

  /** Holds `key` the old way on one connection while `attempt` runs on another; what `attempt` met. */
  async function whileHeldTheOldWayRun(key: string, held: LockHashing, attempt: () => Promise<unknown>): Promise<'granted' | 'waited'> {
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const isTaken = new Promise<void>((resolve) => (taken = resolve));
    const holder = db.owner.transaction(async (trx) => {
      await trx.raw(OLD_SQL[held], [key]);
      taken();
      await holding;
    });
    await isTaken;
    try {
      await attempt();
      return 'granted';
    } catch (error) {
      if ((error as { code?: string }).code === '55P03' || error instanceof RowCommitPending) return 'waited';
      throw error;
    } finally {
      release();
      await holder;
    }
  }

  const whileHeldTheOldWay = (key: string, held: LockHashing, ask: (trx: Knex.Transaction) => Promise<void>) => whileHeldTheOldWayRun(key, held, () => impatient(ask));

  it.each([
    ['extended', 'taalmel.period:c1:2025-04'],
    ['extended', 'taalmel.row-commit:5b7a0c1e-0000-4000-8000-000000000001'],
    ['text32', 'follow-up:f1:some-idempotency-key'],
    ['text32', 'taalmel:seed-demo-firm'],
  ] as const)('%s: lockKey(%s) is the lock the old SQL took', async (hashing, key) => {
    const other: LockHashing = hashing === 'extended' ? 'text32' : 'extended';
    const met = {
      same: await whileHeldTheOldWay(key, hashing, (trx) => lockKey(trx, key, hashing)),
      otherHashing: await whileHeldTheOldWay(key, other, (trx) => lockKey(trx, key, hashing)),
      otherKey: await whileHeldTheOldWay(`${key}:x`, hashing, (trx) => lockKey(trx, key, hashing)),
    };
    expect(met).toEqual({ same: 'waited', otherHashing: 'granted', otherKey: 'granted' });
  });

  it('defaults to the 64-bit hashing', async () => {
    const key = 'taalmel.holidays:f1';
    expect({ extended: await whileHeldTheOldWay(key, 'extended', (trx) => lockKey(trx, key)), text32: await whileHeldTheOldWay(key, 'text32', (trx) => lockKey(trx, key)) }).toEqual({ extended: 'waited', text32: 'granted' });
  });

  // The call sites themselves, each against the lock its hand-written SQL took before lockKey: a
  // key or hashing changed at any of them would let an old and a new process run side by side.
  it.each([
    ['follow-up idempotency (followUpForKey)', 'text32', 'follow-up:f1:retry-1', () => impatient((trx) => followUpForKey(trx, 'f1', 'retry-1'))],
    ['demo seed (seedDemoFirm)', 'text32', 'taalmel:seed-demo-firm', () => seedDemoFirm({ transaction: impatient } as unknown as Knex)],
    ['period (lockPeriodKey)', 'extended', 'taalmel.period:c1:2025-04', () => impatient((trx) => lockPeriodKey(trx, 'c1', '2025-04'))],
    ['row commit, writer (lockRowCommit)', 'extended', 'taalmel.row-commit:r1', () => impatient((trx) => lockRowCommit(trx, 'r1'))],
    ['row commit, first step (awaitRowCommit)', 'extended', 'taalmel.row-commit:r2', () => awaitRowCommit(db.owner, 'r2', 300)],
  ] as const)('%s waits on the lock the old SQL held', async (_name, hashing, key, attempt) => {
    expect(await whileHeldTheOldWayRun(key, hashing, attempt)).toBe('waited');
  });
});
