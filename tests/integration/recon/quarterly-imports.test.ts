/**
 * A quarterly (QRMP) filer's purchase register and GSTR-2B are imported for the quarter, named by
 * its last month (docs/reconciliation.md, "Quarterly filers"), on the real API and PostgreSQL: a
 * month inside the quarter is refused with 422 `period_not_quarter_end` and nothing is written; a
 * GSTR-2A of any month is taken; the frequency in force for the period decides, so a month before
 * the client moved to quarterly filing is taken.
 */
import { istDate } from '../../../domain/calendar/dates';
import { addMonths } from '../../../domain/calendar/rules';
import { quarterEnd } from '../../../domain/periods';
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

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startReconApi(db);
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

  it("takes the running quarter, named by its last month, and refuses a quarter not begun with 400, writing nothing", async () => {
    // The quarter running today (IST) is named by a month that may lie ahead: it is taken. Two quarters on is
    // not begun whatever day this runs, even if the quarter turns meanwhile.
    const running = quarterEnd(istDate(new Date()).slice(0, 7));
    expect((await createImport(api, staff, clientId, 'purchase_register', running)).status).toBe(201);
    const before = await imports();
    const ahead = addMonths(running, 6);
    const res = await createImport(api, staff, clientId, 'gstr2b', ahead);
    expect([res.status, res.body.error?.code, res.body.error?.details?.fields && Object.keys(res.body.error.details.fields)]).toEqual([400, 'invalid_input', ['period']]);
    expect(await imports()).toBe(before);
  });

  it('asks nothing of a monthly filer', async () => {
    const monthly = firm.clients[1]!;
    expect((await createImport(api, staff, monthly.id, 'gstr2b', '2024-08')).status).toBe(201);
  });
});
