/** Migrations 018, 015 and 012 down and up again on real PostgreSQL: the notice tables go and come back with the catalogue and narrow grants. */
import { migrateLatest } from '../../../db/migrator';
import { NOTICE_FORMS } from '../../../domain/notices';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { undoMigration } from '../../harness/migration-steps';

describe('migrations 018, 015 and 012 down and up again', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('drops the notice tables and restores them with the seeded catalogue, forced RLS and narrow grants', async () => {
    const privileges = async (table: string) =>
      (await db.owner.raw(`select privilege_type from information_schema.role_table_grants where grantee = ? and table_name = ? order by 1`, [TEST_APP_ROLE, table])).rows.map((r: { privilege_type: string }) => r.privilege_type);
    const columnGrants = async () =>
      (await db.owner.raw(`select table_name, column_name from information_schema.column_privileges where grantee = ? and privilege_type = 'UPDATE' and table_name in ('notice_drafts', 'notice_reviews') order by 1, 2`, [TEST_APP_ROLE])).rows;
    const movable = ['notice_drafts', 'notice_reviews'].flatMap((t) => ['notice_id', 'updated_at'].map((c) => ({ table_name: t, column_name: c })));
    expect(await columnGrants()).toEqual(movable);
    // 018 grants on 012's drafts and reviews, and 015 hangs off 012's notices: they go first.
    await undoMigration(db, '018-notice-reply-relink');
    expect(await columnGrants()).toEqual([]);
    await undoMigration(db, '015-notice-documents-and-replies');
    expect(await db.owner.schema.hasTable('notice_documents')).toBe(false);
    expect(await db.owner.schema.hasColumn('notices', 'filed_outside')).toBe(false);
    await undoMigration(db, '012-gst-notices');
    expect(await db.owner.schema.hasTable('notices')).toBe(false);
    expect(await db.owner.schema.hasTable('notice_forms')).toBe(false);
    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual(['012-gst-notices', '015-notice-documents-and-replies', '018-notice-reply-relink']);
    // Drafts and reviews: read and appended; of an existing one, only the notice it belongs to may change.
    expect(await privileges('notice_drafts')).toEqual(['INSERT', 'SELECT']);
    expect(await privileges('notice_reviews')).toEqual(['INSERT', 'SELECT']);
    expect(await columnGrants()).toEqual(movable);
    expect((await db.owner('notice_forms').orderBy('form').pluck('form')).sort()).toEqual(NOTICE_FORMS.map((f) => f.form).sort());
    expect(await privileges('notice_forms')).toEqual(['SELECT']);
    expect(await privileges('notices')).toEqual(['INSERT', 'SELECT', 'UPDATE']);
    expect(await privileges('notice_alerts')).toEqual(['INSERT', 'SELECT']);
    expect(await privileges('notice_documents')).toEqual(['INSERT', 'SELECT', 'UPDATE']);
    const rls = await db.owner.raw(`select relname, relrowsecurity, relforcerowsecurity from pg_class where relname like 'notice%' and relkind = 'r' order by relname`);
    expect(rls.rows).toEqual(
      ['notice_alerts', 'notice_documents', 'notice_drafts', 'notice_forms', 'notice_hearings', 'notice_reviews', 'notices'].map((relname) => ({ relname, relrowsecurity: relname !== 'notice_forms', relforcerowsecurity: relname !== 'notice_forms' })),
    );
  });
});
