import { Client } from '../../../db/models/client';
import { TenantContextMissingError } from '../../../db/models/tenant-model';
import { inTenantTransaction } from '../../../db/tenant';
import { call, login, startTestApi } from '../../harness/api';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

describe('row-level security underneath the query layer', () => {
  let db: TestDatabase;
  let firmA: TestFirm;
  let firmB: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 2 });
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
  });
  afterAll(() => db.drop());

  it('forces RLS with a policy on every table that has a firm_id column', async () => {
    const { rows } = await db.owner.raw(`
      select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
             (select count(*) from pg_policy p where p.polrelid = c.oid)::int as policies
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'
         and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'firm_id' and not a.attisdropped)`);
    expect(rows.length).toBeGreaterThanOrEqual(6);
    const unprotected = rows.filter((r: { enabled: boolean; forced: boolean; policies: number }) => !r.enabled || !r.forced || r.policies === 0);
    expect(unprotected).toEqual([]);
  });

  it("shows a deliberately unscoped raw query none of another firm's rows", async () => {
    const scope = { firmId: firmA.id, actor: { userId: firmA.users.staff.id, email: firmA.users.staff.email, role: 'staff' } };
    const seen = await inTenantTransaction(db.app, scope, async (trx) => ({
      clients: (await trx.raw('select firm_id from clients')).rows,
      users: (await trx.raw('select firm_id from users')).rows,
      audit: (await trx.raw('select firm_id from audit_events')).rows,
    }));
    for (const rows of Object.values(seen)) {
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r: { firm_id: string }) => r.firm_id))).toEqual(new Set([firmA.id]));
    }
    // Outside any tenant transaction the application role sees nothing at all.
    expect((await db.app.raw('select * from clients')).rows).toEqual([]);
    // And cannot write into another firm, even naming it explicitly.
    await expect(
      inTenantTransaction(db.app, scope, (trx) => trx('clients').insert({ firm_id: firmB.id, name: 'x', gstin: '27AAAAA0000A1Z5', email: 'x@y.z', filing_frequency: 'monthly', state_code: '27' })),
    ).rejects.toThrow(/row-level security/);
  });

  it('refuses firm-scoped model queries without a tenant context', () => {
    expect(() => Client.query()).toThrow(TenantContextMissingError);
  });

  // A thousand requests, each a session check and a tenant transaction: on a loaded machine they take
  // minutes, and this test is about isolation, not speed, so its limit is generous. So is the wait for
  // a firm's one connection (the pool of two gives each firm one): five requests of a firm queue for
  // it, and on a loaded machine the default 5 s wait refuses some with 503 (the gate's own tests cover
  // that refusal).
  it('returns no foreign row across 1,000 interleaved requests of two firms over a pool of two', async () => {
    const api = await startTestApi(db, { maxSessionsPerUser: 5 }, { limits: { firmWaitMs: 120_000 } });
    try {
      const tokenA = await login(api, firmA.users.staff.email, firmA.users.staff.password);
      const tokenB = await login(api, firmB.users.staff.email, firmB.users.staff.password);
      const idsA = new Set(firmA.clients.map((c) => c.id));
      const idsB = new Set(firmB.clients.map((c) => c.id));
      let foreign = 0;
      let done = 0;
      const worker = async (offset: number) => {
        for (let i = offset; i < 1000; i += 10) {
          const isA = i % 2 === 0;
          const res = await call(api, 'GET', '/api/clients', { token: isA ? tokenA : tokenB });
          expect(res.status).toBe(200);
          for (const item of res.body.items as Array<{ id: string }>) if (!(isA ? idsA : idsB).has(item.id)) foreign += 1;
          done += 1;
        }
      };
      await Promise.all(Array.from({ length: 10 }, (_, i) => worker(i)));
      expect({ done, foreign }).toEqual({ done: 1000, foreign: 0 });
      // No pooled connection kept a firm after its transaction.
      const leftovers = await Promise.all([db.app.raw(`select current_setting('app.firm_id', true) as f`), db.app.raw(`select current_setting('app.firm_id', true) as f`)]);
      expect(leftovers.map((r) => r.rows[0].f ?? '')).toEqual(['', '']);
    } finally {
      await api.close();
    }
  }, 240_000);

  it('connects as a role that cannot bypass RLS', async () => {
    const { rows } = await db.app.raw('select rolbypassrls, rolsuper from pg_roles where rolname = current_user');
    expect(rows[0]).toEqual({ rolbypassrls: false, rolsuper: false });
    expect((await db.app.raw('select current_user as u')).rows[0].u).toBe(TEST_APP_ROLE);
  });
});
