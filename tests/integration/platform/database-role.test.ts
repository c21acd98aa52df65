import { latestMigrationName, migrateLatest } from '../../../db/migrator';
import { platformRoleFor } from '../../../db/knex';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';

describe('the application database role', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('is what every app connection runs as: not superuser, cannot bypass RLS', async () => {
    const { rows } = await db.app.raw(
      `select current_user as "user", r.rolsuper as super, r.rolbypassrls as bypass from pg_roles r where r.rolname = current_user`,
    );
    expect(rows[0]).toEqual({ user: TEST_APP_ROLE, super: false, bypass: false });
  });

  it('is a member of no other role, and the platform role is a plain role it cannot become', async () => {
    const { rows: memberOf } = await db.owner.raw(
      `select r.rolname from pg_roles r where r.rolname <> ? and pg_has_role(?, r.oid, 'MEMBER') order by 1`,
      [TEST_APP_ROLE, TEST_APP_ROLE],
    );
    expect(memberOf).toEqual([]);
    const { rows: platform } = await db.owner.raw(`select rolsuper as super, rolbypassrls as bypass, rolcanlogin as login from pg_roles where rolname = ?`, [platformRoleFor(TEST_APP_ROLE)]);
    expect(platform).toEqual([{ super: false, bypass: false, login: false }]);
    // The system context helper asks for the platform role, not just the setting.
    const { rows: helper } = await db.owner.raw(`select pg_get_functiondef('app_is_system()'::regprocedure) as def`);
    expect(helper[0].def).toContain(platformRoleFor(TEST_APP_ROLE));
  });

  it('owns none of the tables', async () => {
    const { rows } = await db.app.raw(
      `select count(*)::int as owned from pg_tables where schemaname = 'public' and tableowner = current_user`,
    );
    expect(rows[0].owned).toBe(0);
    const { rows: tables } = await db.owner.raw(`select count(*)::int as n from pg_tables where schemaname = 'public'`);
    expect(tables[0].n).toBeGreaterThan(0);
  });

  it('can read and write application tables but cannot change the schema', async () => {
    const firmId = '5a1e1e1e-0000-4000-8000-000000000001';
    await db.app.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
      await trx('firms').insert({ id: firmId, name: 'Role Test & Co', slug: 'role-test' });
    });
    expect(await db.owner('firms').where({ id: firmId }).first()).toMatchObject({ name: 'Role Test & Co' });
    await expect(db.app.raw('create table sneaky (id int)')).rejects.toThrow(/permission denied/);
    await expect(db.app.raw('alter table firms disable row level security')).rejects.toThrow(/must be owner/);
  });

  it('keeps the role on every pooled connection, including new ones', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => db.app.raw('select current_user as u, pg_sleep(0.05)')));
    expect(new Set(users.map((r) => r.rows[0].u))).toEqual(new Set([TEST_APP_ROLE]));
  });

  it('is migrated to the latest migration, and migrating again changes nothing', async () => {
    const rows = await db.owner('knex_migrations').select('name');
    expect(rows.map((r: { name: string }) => r.name)).toContain(latestMigrationName);
    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual([]);
  });
});
