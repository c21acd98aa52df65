/**
 * Migration 026 down and up again on real PostgreSQL: close_requests keeps exactly one status CHECK,
 * and the statuses it allows are the model's list (db/models/close-request.ts) after up, and the
 * older list without `abandoned` after down.
 */
import { migrateLatest } from '../../../db/migrator';
import { CLOSE_REQUEST_STATUSES } from '../../../db/models/close-request';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { undoMigration } from '../../harness/migration-steps';

describe('migration 026 down and up again', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** The statuses each CHECK constraint on close_requests.status allows, one list per constraint. */
  async function statusChecks(): Promise<string[][]> {
    const { rows } = await db.owner.raw(
      `select pg_get_constraintdef(c.oid) as def from pg_constraint c join pg_class t on t.oid = c.conrelid
        where t.relname = 'close_requests' and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%status%'`,
    );
    return (rows as Array<{ def: string }>).map((r) => [...r.def.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!).sort());
  }

  it("allows exactly the model's statuses after up, the older six after down, with one constraint each time", async () => {
    expect(await statusChecks()).toEqual([[...CLOSE_REQUEST_STATUSES].sort()]);

    await undoMigration(db, '026-close-request-abandoned');
    expect(await statusChecks()).toEqual([CLOSE_REQUEST_STATUSES.filter((s) => s !== 'abandoned').sort()]);

    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual(['026-close-request-abandoned']);
    expect(await statusChecks()).toEqual([[...CLOSE_REQUEST_STATUSES].sort()]);
  });
});
