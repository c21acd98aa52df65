/**
 * Migration 011 moves each firm's audit chain to version 2 (hashes over payload hashes) only when
 * the chain verifies under version 1; a broken chain is left as it was and still reported broken.
 * Real PostgreSQL: the migration is taken down, chains are written under version 1, and it runs again.
 */
import { verifyAuditChain } from '../../../db/audit';
import { migrateLatest } from '../../../db/migrator';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';
import { undoMigration } from '../../harness/migration-steps';

describe('migration 011: audit chains to version 2', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('rewrites chains that verify, keeps their old hashes, and leaves a broken chain alone', async () => {
    await undoMigration(db, '011-data-protection');
    expect(await db.owner.schema.hasColumn('audit_events', 'payload_hash')).toBe(false);
    const good = await createTestFirm(db);
    const broken = await createTestFirm(db);
    const oldHashes = await db.owner('audit_events').where({ firm_id: good.id }).orderBy('seq').pluck('hash');
    expect(oldHashes.length).toBeGreaterThan(3);
    const victim = await db.owner('audit_events').where({ firm_id: broken.id }).orderBy('seq').offset(2).first();
    await db.owner.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update');
      await trx('audit_events').where({ id: victim.id }).update({ action: 'edited.before.migration' });
      await trx.raw('alter table audit_events enable trigger audit_events_no_update');
    });

    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toContain('011-data-protection');

    const goodRows = await db.owner('audit_events').where({ firm_id: good.id }).orderBy('seq');
    expect(goodRows.map((r: { hash_version: number }) => r.hash_version)).toEqual(goodRows.map(() => 2));
    expect(goodRows.map((r: { hash_v1: string }) => r.hash_v1)).toEqual(oldHashes);
    expect(goodRows.every((r: { hash: string; hash_v1: string }) => r.hash !== r.hash_v1)).toBe(true);
    expect(await verifyAuditChain(db.owner, good.id)).toMatchObject({ ok: true, checked: oldHashes.length });

    const brokenRows = await db.owner('audit_events').where({ firm_id: broken.id }).orderBy('seq');
    expect(brokenRows.map((r: { hash_version: number }) => r.hash_version)).toEqual(brokenRows.map(() => 1));
    expect(await verifyAuditChain(db.owner, broken.id)).toMatchObject({ ok: false, firstBrokenId: victim.id });

    // New events chain on under version 2.
    await db.owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [good.id]);
      await trx('clients').where({ id: good.clients[0]!.id }).update({ name: 'Renamed after migration' });
    });
    expect(await verifyAuditChain(db.owner, good.id)).toMatchObject({ ok: true, checked: oldHashes.length + 1 });
  });
});
