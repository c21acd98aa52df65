/**
 * A quarterly (QRMP) filer's purchase register and GSTR-2B are imported for the quarter, named by
 * its last month (docs/reconciliation.md, "Quarterly filers"), on the real API and PostgreSQL: a
 * month inside the quarter is refused with 422 `period_not_quarter_end` and nothing is written; a
 * GSTR-2A of any month is taken; the frequency in force for the period decides, so a month before
 * the client moved to quarterly filing is taken.
 */
import { login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { createImport, startReconApi, type ReconApi } from './recon-helpers';

describe('imports of a quarterly filer', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let staff: string;
  let clientId: string;
  /** The api's date in India, pinned by the tests that turn on it. */
  let today = '2026-11-15';

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startReconApi(db, { today: () => today });
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    clientId = firm.clients[0]!.id;
    // Monthly until June 2024, quarterly from July 2024 on.
    await db.owner('clients').where({ id: clientId }).update({ filing_frequency: 'quarterly' });
    await db.owner('client_frequency_changes').insert({ firm_id: firm.id, client_id: clientId, from_period: '2024-07', frequency: 'quarterly', previous_frequency: 'monthly' });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const imports = async () => Number((await db.owner('imports').where({ client_id: clientId }).count({ n: '*' }))[0]!.n);

  it('refuses a register or 2B for a month inside a quarter, and writes nothing', async () => {
    const before = await imports();
    for (const kind of ['purchase_register', 'gstr2b'] as const) {
      const res = await createImport(api, staff, clientId, kind, '2024-08');
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error: { code: 'period_not_quarter_end', details: { period: '2024-08', filingFrequency: 'quarterly', quarterEnd: '2024-09' } } });
    }
    expect(await imports()).toBe(before);
  });

  it('takes the quarter\'s last month, a 2A of any month, and a month the client still filed monthly', async () => {
    expect((await createImport(api, staff, clientId, 'purchase_register', '2024-09')).status).toBe(201);
    expect((await createImport(api, staff, clientId, 'gstr2b', '2024-09')).status).toBe(201);
    expect((await createImport(api, staff, clientId, 'gstr2a', '2024-08')).status).toBe(201);
    expect((await createImport(api, staff, clientId, 'purchase_register', '2024-05')).status).toBe(201);
  });

  it("takes the running quarter, named by its last month ahead of today, and refuses a quarter not begun with 422 period_not_begun, writing nothing", async () => {
    // The api's clock pinned to the quarter's middle month, and to its first day: the quarter's last
    // month lies ahead, so only the quarterly rule takes it (a monthly filer's December has not begun).
    const answers = [];
    for (const day of ['2026-11-15', '2026-10-01']) {
      today = day;
      const res = await createImport(api, staff, clientId, 'purchase_register', '2026-12');
      answers.push([day, res.status, res.body.error?.code]);
    }
    const before = await imports();
    today = '2026-12-31';
    const res = await createImport(api, staff, clientId, 'gstr2b', '2027-03');
    answers.push(['2026-12-31', res.status, res.body.error]);
    expect(answers).toEqual([
      ['2026-11-15', 201, undefined],
      ['2026-10-01', 201, undefined],
      ['2026-12-31', 422, { code: 'period_not_begun', message: expect.any(String), details: { period: '2027-03', importableFrom: '2027-01-01', fields: { period: expect.any(String) } } }],
    ]);
    expect(await imports()).toBe(before);
  });

  it('refuses a monthly filer a month of the running quarter not begun yet (the quarterly rule is not everyone\'s)', async () => {
    today = '2026-11-15';
    const monthly = firm.clients[1]!;
    const res = await createImport(api, staff, monthly.id, 'purchase_register', '2026-12');
    expect([res.status, res.body.error?.code, res.body.error?.details?.importableFrom]).toEqual([422, 'period_not_begun', '2026-12-01']);
  });

  it('asks nothing of a monthly filer', async () => {
    const monthly = firm.clients[1]!;
    expect((await createImport(api, staff, monthly.id, 'gstr2b', '2024-08')).status).toBe(201);
  });
});
