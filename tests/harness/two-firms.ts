/**
 * A test database of the file's own with two firms in it (each with its clients and users): made
 * before the file's tests and dropped after them. For tests that write rows of one firm and check
 * that the other's are never touched or seen.
 */
import type { Knex } from 'knex';
import { createTestDatabase, type TestDatabase } from './database';
import { asStaffOf, createTestFirm, type TestFirm } from './factories';

export type TwoFirms = {
  /** Set once the file's beforeAll has run: read them inside tests and hooks, never at collection. */
  db: TestDatabase;
  firm: TestFirm;
  other: TestFirm;
  /** A transaction in the firm's scope as its staff user, through the application role (row-level security applies). */
  asFirm<T>(f: TestFirm, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
};

/** Registers the file's beforeAll and afterAll; `poolMax` bounds each of the owner's and the application's pools. */
export function withTwoFirms(options: { poolMax?: number } = { poolMax: 2 }): TwoFirms {
  const ctx = {
    asFirm: <T>(f: TestFirm, fn: (trx: Knex.Transaction) => Promise<T>) => asStaffOf(ctx.db, f, fn),
  } as TwoFirms;
  beforeAll(async () => {
    ctx.db = await createTestDatabase(options);
    ctx.firm = await createTestFirm(ctx.db);
    ctx.other = await createTestFirm(ctx.db);
  });
  afterAll(async () => {
    await ctx.db?.drop();
  });
  return ctx;
}
