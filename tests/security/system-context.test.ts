/**
 * The system context belongs to platform work alone (the probe's item 6). An application-role
 * connection used to switch `app.system` on with set_config and read every firm; now the context
 * needs the platform role, which the api's connections (logging in as the application role) cannot
 * become. Platform work (listing firms for a job) still works, through the platform role.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { allFirmIds } from '../../db/firms';
import { createKnex, platformRoleFor } from '../../db/knex';
import { inSystemTransaction } from '../../db/tenant';
import { migrations } from '../../db/migrations';
import { migrateLatest } from '../../db/migrator';
import { adminQuery, createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';

const MIGRATION = '008-platform-role-and-sign-in-events';

describe('system context', () => {
  let db: TestDatabase;
  let firmA: TestFirm;
  let firmB: TestFirm;
  let api: Knex;

  beforeAll(async () => {
    db = await createTestDatabase();
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
    const password = randomBytes(18).toString('base64url');
    await adminQuery(`ALTER ROLE ${pg.escapeIdentifier(TEST_APP_ROLE)} WITH LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    // As the api connects: logged in as the application role itself.
    api = createKnex({ url: db.url, appRole: TEST_APP_ROLE, appRolePassword: password, poolMax: 2, applicationName: 'taalmel-test-api-login' });
  });
  afterAll(async () => {
    await api.destroy();
    await db.drop();
  });

  it('reads no firm when an application connection switches the system context on itself', async () => {
    for (const knex of [api, db.app]) {
      const rows = await knex.transaction(async (trx) => {
        await trx.raw(`select set_config('app.system', 'on', true)`);
        return trx('firms').select('id');
      });
      expect(rows).toEqual([]);
      const platformEvents = await knex.transaction(async (trx) => {
        await trx.raw(`select set_config('app.system', 'on', true)`);
        return trx('audit_events').whereNull('firm_id').select('id');
      });
      expect(platformEvents).toEqual([]);
    }
  });

  it('cannot become the platform role, nor go back to the owner, from an api connection', async () => {
    const conn = await api.client.acquireConnection();
    try {
      const who = await conn.query('select current_user as "current", session_user as "session"');
      expect(who.rows[0]).toEqual({ current: TEST_APP_ROLE, session: TEST_APP_ROLE });
      await expect(conn.query(`SET ROLE ${pg.escapeIdentifier(platformRoleFor(TEST_APP_ROLE))}`)).rejects.toThrow(/permission denied/);
      await conn.query('RESET ROLE');
      expect((await conn.query('select current_user as "current"')).rows[0].current).toBe(TEST_APP_ROLE);
    } finally {
      await api.client.releaseConnection(conn);
    }
    await expect(inSystemTransaction(api, 'probe', (trx) => trx('firms').select('id'))).rejects.toThrow(/permission denied/);
  });

  it('was open before migration 008, and is closed again after it runs (down and up)', async () => {
    const source: Knex.MigrationSource<string> = {
      getMigrations: async () => migrations.map((m) => m.name),
      getMigrationName: (name) => name,
      getMigration: async (name) => migrations.find((m) => m.name === name)!.module,
    };
    const systemRead = () =>
      db.app.transaction(async (trx) => {
        await trx.raw(`select set_config('app.system', 'on', true)`);
        return (await trx('firms').select('id')).length;
      });
    await db.owner.migrate.down({ migrationSource: source, name: MIGRATION });
    expect(await systemRead()).toBeGreaterThanOrEqual(2); // the probe's finding
    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual([MIGRATION]);
    expect(await systemRead()).toBe(0);
  });

  it('lets platform work list the firms through the platform role', async () => {
    const ids = await allFirmIds(db.app);
    expect(ids).toEqual(expect.arrayContaining([firmA.id, firmB.id]));
    // The switch lasted one transaction: the pool is back to the application role.
    expect((await db.app.raw('select current_user as u')).rows[0].u).toBe(TEST_APP_ROLE);
  });
});
