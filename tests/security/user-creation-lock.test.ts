/**
 * The per-firm limit of `POST /api/users` (docs/security-limits.md, "Creating users"), step by step
 * on the real database: the firm's lock outlives a refused insert, and a 429 counts nothing even when
 * another creation got past the lock.
 */
import type { Knex } from 'knex';
import { LOCK_ID_SQL } from '../../db/advisory-lock';
import { User } from '../../db/models/user';
import { inTenantTransaction, type TenantScope } from '../../db/tenant';
import { ApiError, isUniqueViolation } from '../../api/errors';
import { UserCreationLimiter } from '../../api/users/creation-limit';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';

const LIMITS = { emailTaken: 3, attempts: 40, windowSeconds: 600 };

describe('the user creation limiter', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let scope: TenantScope;
  const lockKey = () => `taalmel.user-creation:${firm.id}`;
  const takenKey = () => `users_email_taken:${firm.id}`;
  const attemptsKey = () => `users_create:${firm.id}`;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 4 });
    firm = await createTestFirm(db);
    const admin = firm.users.firm_admin;
    scope = { firmId: firm.id, actor: { userId: admin.id, email: admin.email, role: admin.role } };
  });
  beforeEach(() => db.owner('rate_limits').where('key', 'like', `users_%:${firm.id}`).delete());
  afterAll(() => db?.drop());

  /** Whether another session could take the firm's creation lock now (taken and let go at once). */
  const lockIsFree = () =>
    db.owner.transaction(async (t) => Boolean((await t.raw(`select pg_try_advisory_xact_lock(${LOCK_ID_SQL.extended}) as got`, [lockKey()])).rows[0].got));
  const counts = async () =>
    Object.fromEntries(((await db.owner('rate_limits').where('key', 'like', `users_%:${firm.id}`).select('key', 'points')) as { key: string; points: number }[]).map((r) => [r.key.split(':')[0], r.points]));
  /** An insert the users table refuses: the address has an account. */
  const takenInsert = async (savepoint: Knex.Transaction) =>
    User.query(savepoint).insert({ email: firm.users.staff.email, name: 'Someone', role: 'staff', passwordHash: 'x' } as Partial<User>);

  it("holds the firm's lock past a refused insert, until the request's transaction ends", async () => {
    const limiter = new UserCreationLimiter(db.app, LIMITS);
    const seen = await inTenantTransaction(db.app, scope, async (trx) => {
      const refused = await limiter.create(trx, firm.id, takenInsert).then(
        () => null,
        (error: unknown) => error,
      );
      // The answer's point is counted by now; the next creation of the firm must still be waiting.
      return { uniqueViolation: isUniqueViolation(refused), lockFree: await lockIsFree(), counts: await counts() };
    });
    expect(seen).toEqual({ uniqueViolation: true, lockFree: false, counts: { users_create: 1, users_email_taken: 1 } });
    expect(await lockIsFree()).toBe(true);
  });

  it('counts nothing for a 429 even when another creation got past the lock: the attempt goes back to its window', async () => {
    const limiter = new UserCreationLimiter(db.app, LIMITS);
    await db.owner('rate_limits').insert({ key: takenKey(), points: LIMITS.emailTaken - 1, expire: Date.now() + 600_000 });
    const answer = await inTenantTransaction(db.app, scope, (trx) =>
      limiter.create(trx, firm.id, async (savepoint) => {
        // What a creation that ran past a lost lock would do meanwhile: answer the last email_taken.
        await db.owner('rate_limits').where({ key: takenKey() }).increment('points', 1);
        return takenInsert(savepoint);
      }),
    ).then(
      () => null,
      (error: unknown) => (error instanceof ApiError ? { status: error.status, code: error.code } : error),
    );
    expect(answer).toEqual({ status: 429, code: 'rate_limited' });
    expect(await counts()).toEqual({ users_create: 0, users_email_taken: LIMITS.emailTaken });
  });

  it('gives nothing back to a later window: one that began while the answer was on its way keeps its count', async () => {
    const limiter = new UserCreationLimiter(db.app, LIMITS);
    await db.owner('rate_limits').insert({ key: takenKey(), points: LIMITS.emailTaken - 1, expire: Date.now() + 600_000 });
    const answer = await inTenantTransaction(db.app, scope, (trx) =>
      limiter.create(trx, firm.id, async (savepoint) => {
        await db.owner('rate_limits').where({ key: takenKey() }).increment('points', 1);
        // The attempts' window ends and a new one begins with another creation's attempt.
        await db.owner('rate_limits').where({ key: attemptsKey() }).update({ points: 1, expire: Date.now() + 1_200_000 });
        return takenInsert(savepoint);
      }),
    ).then(
      () => null,
      (error: unknown) => (error instanceof ApiError ? { status: error.status, code: error.code } : error),
    );
    expect(answer).toEqual({ status: 429, code: 'rate_limited' });
    expect(await counts()).toEqual({ users_create: 1, users_email_taken: LIMITS.emailTaken });
  });
});
