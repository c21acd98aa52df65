/**
 * The migration helper for firm tables, on the real PostgreSQL: a table it secures is fenced per
 * firm (forced RLS and the tenant policy), audited by trigger, locked with its period, and the
 * application role holds exactly the privileges asked for.
 */
import type { Knex } from 'knex';
import { secureFirmTable, type FirmTableOptions } from '../../../db/migrations/helpers/firm-table';
import { inTenantTransaction } from '../../../db/tenant';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

const TABLE = 'helper_notes';

async function createSecuredTable(owner: Knex, table: string, options: FirmTableOptions): Promise<void> {
  await owner.transaction(async (trx) => {
    // What the migrator does before every migration: name the application role.
    await trx.raw(`select set_config('taalmel.app_role', ?, true)`, [TEST_APP_ROLE]);
    await trx.raw(`create table ${table} (
      id uuid primary key default gen_random_uuid(),
      firm_id uuid not null references firms(id),
      client_id uuid not null references clients(id),
      period text not null,
      body text not null)`);
    await secureFirmTable(trx, table, options);
  });
}

describe('secureFirmTable (migration helper)', () => {
  let db: TestDatabase;
  let firmA: TestFirm;
  let firmB: TestFirm;
  const staffOf = (firm: TestFirm) => ({ firmId: firm.id, actor: { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' } });

  beforeAll(async () => {
    db = await createTestDatabase();
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
    await createSecuredTable(db.owner, TABLE, { clientColumn: 'client_id', grants: ['SELECT', 'INSERT', 'UPDATE'], audit: { entity: 'helper_note' }, periodLock: true });
  });
  afterAll(() => db.drop());

  it('forces row-level security with one tenant policy, an audit trigger and the period lock', async () => {
    const { rows } = await db.owner.raw(
      `select c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
              (select array_agg(polname::text order by polname) from pg_policy where polrelid = c.oid) as policies,
              (select array_agg(tgname::text order by tgname) from pg_trigger where tgrelid = c.oid and not tgisinternal) as triggers
         from pg_class c where c.relname = ?`,
      [TABLE],
    );
    expect(rows).toEqual([{ enabled: true, forced: true, policies: [`${TABLE}_tenant`], triggers: [`${TABLE}_audit`, `${TABLE}_period_lock`] }]);
  });

  it('grants the application role exactly the listed privileges', async () => {
    const privileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
    const { rows } = await db.owner.raw(
      `select p as privilege, has_table_privilege(?, ?, p) as held from unnest(?::text[]) as p`,
      [TEST_APP_ROLE, TABLE, privileges],
    );
    expect(Object.fromEntries(rows.map((r: { privilege: string; held: boolean }) => [r.privilege, r.held]))).toEqual({
      SELECT: true,
      INSERT: true,
      UPDATE: true,
      DELETE: false,
      TRUNCATE: false,
    });
  });

  it("keeps each firm's rows to itself and audits every write in the same transaction", async () => {
    const clientA = firmA.clients[0]?.id;
    const clientB = firmB.clients[0]?.id;
    await inTenantTransaction(db.app, staffOf(firmA), (trx) => trx(TABLE).insert({ firm_id: firmA.id, client_id: clientA, period: '2024-06', body: 'a' }));
    await inTenantTransaction(db.app, staffOf(firmB), (trx) => trx(TABLE).insert({ firm_id: firmB.id, client_id: clientB, period: '2024-06', body: 'b' }));

    const seenByA = await inTenantTransaction(db.app, staffOf(firmA), async (trx) => (await trx.raw(`select firm_id, body from ${TABLE}`)).rows);
    expect(seenByA).toEqual([{ firm_id: firmA.id, body: 'a' }]);
    await expect(
      inTenantTransaction(db.app, staffOf(firmA), (trx) => trx(TABLE).insert({ firm_id: firmB.id, client_id: clientB, period: '2024-06', body: 'x' })),
    ).rejects.toThrow(/row-level security/);
    await expect(inTenantTransaction(db.app, staffOf(firmA), (trx) => trx(TABLE).delete())).rejects.toThrow(/permission denied/);

    const audited = await db.owner('audit_events').where({ entity_type: 'helper_note' }).select('firm_id', 'action');
    const byFirm = (a: { firm_id: string }, b: { firm_id: string }) => a.firm_id.localeCompare(b.firm_id);
    expect(audited.sort(byFirm)).toEqual(
      [
        { firm_id: firmA.id, action: 'helper_note.create' },
        { firm_id: firmB.id, action: 'helper_note.create' },
      ].sort(byFirm),
    );
  });

  it('refuses names that are not plain identifiers and unexplained unaudited tables', async () => {
    // Checked before any statement runs, so nothing is half-applied.
    await expect(secureFirmTable(db.owner, 'notes; drop table firms', { grants: ['SELECT'], audit: { entity: 'x' } })).rejects.toThrow(/not a plain identifier/);
    await expect(secureFirmTable(db.owner, TABLE, { grants: ['SELECT', 'INSERT'], audit: { notAudited: ' ' } })).rejects.toThrow(/say why helper_notes is not audited/);
    await expect(secureFirmTable(db.owner, TABLE, { grants: ['INSERT'], audit: { entity: 'x' } })).rejects.toThrow(/must at least be readable/);
    const { rows } = await db.owner.raw(`select count(*)::int as policies from pg_policy where polrelid = ?::regclass`, [TABLE]);
    expect(rows).toEqual([{ policies: 1 }]);
  });
});
