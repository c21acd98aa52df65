/** PATCH /api/firm/settings changes only what it names, inside nested settings too (docs/api.md). */
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

describe('firm settings PATCH', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('keeps the other reconciliation default when one is changed', async () => {
    const admin = firm.users.firm_admin;
    const token = await login(api, admin.email, admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: admin.password } })).status).toBe(204);
    const patch = (body: unknown) => call(api, 'PATCH', '/api/firm/settings', { token, body });
    expect((await patch({ reconciliationDefaults: { amountTolerance: 5, dateWindowDays: 7 }, allowSelfApproval: true })).status).toBe(200);
    const one = await patch({ reconciliationDefaults: { dateWindowDays: 10 } });
    expect({ status: one.status, defaults: one.body.reconciliationDefaults, selfApproval: one.body.allowSelfApproval }).toEqual({ status: 200, defaults: { amountTolerance: 5, dateWindowDays: 10 }, selfApproval: true });
    const other = await patch({ reconciliationDefaults: { amountTolerance: 2.5 } });
    expect(other.body.reconciliationDefaults).toEqual({ amountTolerance: 2.5, dateWindowDays: 10 });
    expect((await call(api, 'GET', '/api/firm/settings', { token })).body.reconciliationDefaults).toEqual({ amountTolerance: 2.5, dateWindowDays: 10 });
    const stored = await db.owner('firms').where({ id: firm.id }).first();
    expect(stored.settings.reconciliationDefaults).toEqual({ amountTolerance: 2.5, dateWindowDays: 10 });
  });
});
