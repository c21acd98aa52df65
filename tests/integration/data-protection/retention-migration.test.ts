/**
 * Migration 020 down and up again on real PostgreSQL: the retention tables go, the period lock is
 * back to migration 005's (closed periods' rows refuse deletes, with no exception to open), and they
 * come back with the seeded rules, forced row-level security and narrow grants.
 */
import { migrateLatest } from '../../../db/migrator';
import { inFirmJobTransaction } from '../../../db/tenant';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';
import { undoMigration } from '../../harness/migration-steps';
import { seedPeriodWithData } from './retention-helpers';

describe('migration 020 down and up again', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('drops the retention tables and the exception, and restores them with the rules, forced RLS and narrow grants', async () => {
    const firm = await createTestFirm(db);
    const clientId = firm.clients[0]!.id;
    await seedPeriodWithData(db, firm.id, clientId, '2017-07', 'closed');
    const deleteRows = () => inFirmJobTransaction(db.app, firm.id, 'test', (trx) => trx('import_rows').where({ client_id: clientId, period: '2017-07' }).del());

    await undoMigration(db, '020-retention');
    for (const table of ['retention_rules', 'retention_settings', 'retention_runs', 'retention_purges', 'retention_purges_in_progress']) expect([table, await db.owner.schema.hasTable(table)]).toEqual([table, false]);
    await expect(deleteRows()).rejects.toThrow(/period_closed/);

    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual(['020-retention']);
    await expect(deleteRows()).rejects.toThrow(/period_closed/);
    expect(await db.owner('retention_rules').orderBy('data_class').select('data_class', 'min_months')).toEqual([
      { data_class: 'reconciliation_results', min_months: 72 },
      { data_class: 'source_files', min_months: 72 },
    ]);
    const privileges = async (table: string) =>
      (await db.owner.raw(`select privilege_type from information_schema.role_table_grants where grantee = ? and table_name = ? order by 1`, [TEST_APP_ROLE, table])).rows.map((r: { privilege_type: string }) => r.privilege_type);
    expect(await privileges('retention_rules')).toEqual(['SELECT']);
    expect(await privileges('retention_settings')).toEqual(['INSERT', 'SELECT', 'UPDATE']);
    expect(await privileges('retention_runs')).toEqual(['INSERT', 'SELECT', 'UPDATE']);
    expect(await privileges('retention_purges')).toEqual(['SELECT']);
    expect(await privileges('retention_purges_in_progress')).toEqual([]);
    const rls = await db.owner.raw(`select relname, relrowsecurity, relforcerowsecurity from pg_class where relname like 'retention%' and relkind = 'r' order by relname`);
    expect(rls.rows).toEqual(
      ['retention_purges', 'retention_purges_in_progress', 'retention_rules', 'retention_runs', 'retention_settings'].map((relname) => ({ relname, relrowsecurity: relname !== 'retention_rules', relforcerowsecurity: relname !== 'retention_rules' })),
    );
  });
});
