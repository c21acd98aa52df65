/**
 * A quarterly (QRMP) filer's month inside a quarter, and a month before GST, as the period views show
 * them (GET /api/periods, /api/clients/:id/periods and the period detail), on a pinned date in India:
 * the month inside a quarter is never `closable` on its own (its close is 422
 * `period_not_quarter_end`), names the quarter it is closed with and that quarter's `closableFrom`;
 * the same month of a monthly filer is a period of its own; a month before GST is no period at all
 * (400 `invalid_input`, the answer a close or an import of it gets).
 */
import { randomBytes } from 'node:crypto';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { insertValidatedImport } from './helpers';

type Window = { period: string; closable: boolean; closableFrom: string | null; closesWith: string | null };
const windowOf = (i: Window) => [i.period, i.closable, i.closableFrom, i.closesWith];

describe("a quarterly filer's months and months before GST, in the period views", () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;
  // The close window turns on the api's date in India: pinned, so the answers hold on any day.
  let today = '2026-12-07';

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, {}, { today: () => today });
    firm = await createTestFirm(db);
    const [quarterly, monthly] = firm.clients;
    await db.owner('clients').where({ id: quarterly!.id }).update({ filing_frequency: 'quarterly' });
    // A 2A is a statement of one month whatever the frequency, so a quarterly filer's November is known from it.
    await db.owner('imports').insert({
      firm_id: firm.id, client_id: quarterly!.id, kind: 'gstr2a', period: '2026-11', filename: 'gstr2a-2026-11.json', status: 'validated',
      sha256: randomBytes(32).toString('hex'), size_bytes: 1024, rows: 10, uploaded_at: new Date(),
    });
    await insertValidatedImport(db, firm.id, quarterly!.id, '2026-12', 'purchase_register');
    await insertValidatedImport(db, firm.id, monthly!.id, '2026-11', 'purchase_register');
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const answers = async () => {
    const [quarterly, monthly] = firm.clients;
    const list = await call(api, 'GET', '/api/periods', { token });
    const perClient = await call(api, 'GET', `/api/clients/${quarterly!.id}/periods`, { token });
    const inside = await call(api, 'GET', `/api/clients/${quarterly!.id}/periods/2026-11`, { token });
    const monthlyNovember = await call(api, 'GET', `/api/clients/${monthly!.id}/periods/2026-11`, { token });
    return {
      list: (list.body.items as Array<Window & { clientId: string }>).map((i) => [i.clientId === quarterly!.id ? 'quarterly' : 'monthly', ...windowOf(i)]),
      perClient: (perClient.body.items as Window[]).map(windowOf),
      inside: [inside.status, ...windowOf(inside.body)],
      monthlyNovember: [monthlyNovember.status, ...windowOf(monthlyNovember.body)],
    };
  };

  it('never offers the close of a month inside a quarter: it names its quarter and the quarter’s first closing day', async () => {
    today = '2026-12-07';
    expect(await answers()).toEqual({
      list: [
        ['quarterly', '2026-12', false, '2027-01-01', null],
        ['quarterly', '2026-11', false, '2027-01-01', '2026-12'],
        ['monthly', '2026-11', true, '2026-12-01', null],
      ],
      perClient: [
        ['2026-12', false, '2027-01-01', null],
        ['2026-11', false, '2027-01-01', '2026-12'],
      ],
      inside: [200, '2026-11', false, '2027-01-01', '2026-12'],
      monthlyNovember: [200, '2026-11', true, '2026-12-01', null],
    });
    // Once the quarter is over it can be closed; its November still cannot be, on its own.
    today = '2027-01-01';
    expect(await answers()).toMatchObject({
      list: [
        ['quarterly', '2026-12', true, '2027-01-01', null],
        ['quarterly', '2026-11', false, '2027-01-01', '2026-12'],
        ['monthly', '2026-11', true, '2026-12-01', null],
      ],
      inside: [200, '2026-11', false, '2027-01-01', '2026-12'],
    });
    // Named as people name them: the quarter-end period by its quarter, as the calendar and follow-ups do.
    const labels = async (path: string) => ((await call(api, 'GET', path, { token })).body.items as Array<{ period: string; periodLabel: string }>).map((i) => [i.period, i.periodLabel]);
    expect(await labels('/api/periods')).toEqual([['2026-12', 'Q3 FY 2026-27 (Oct–Dec 2026)'], ['2026-11', 'Nov 2026'], ['2026-11', 'Nov 2026']]);
    expect(await labels(`/api/clients/${firm.clients[0]!.id}/periods`)).toEqual([['2026-12', 'Q3 FY 2026-27 (Oct–Dec 2026)'], ['2026-11', 'Nov 2026']]);
    expect((await call(api, 'GET', `/api/clients/${firm.clients[1]!.id}/periods/2026-11`, { token })).body.periodLabel).toBe('Nov 2026');
    // The close the views no longer offer is the one the API refuses.
    const refused = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/periods/2026-11/close`, { token, body: {} });
    expect([refused.status, refused.body.error?.code]).toEqual([422, 'period_not_quarter_end']);
  });

  it('refuses the filing of a quarterly return for a month inside its quarter with the quarter to name, as imports and closes do', async () => {
    const [quarterly, monthly] = firm.clients;
    const file = async (clientId: string, body: Record<string, string>) => {
      const res = await call(api, 'POST', `/api/clients/${clientId}/filings`, { token, body: { filedOn: '2026-09-20', arn: 'AA270926000001Z', ...body } });
      return [res.status, res.body.error?.code, res.body.error?.details];
    };
    // GSTR-3B of August: the QRMP filer files it for July–September, named 2026-09.
    expect(await file(quarterly!.id, { returnType: 'GSTR-3B', period: '2026-08' })).toEqual([
      422, 'return_not_applicable', { returnType: 'GSTR-3B', period: '2026-08', filingFrequency: 'quarterly', quarterEnd: '2026-09' },
    ]);
    // A return that is filed for no quarter either (GSTR-9 is annual) gets no quarter to name, nor does a monthly filer.
    expect(await file(quarterly!.id, { returnType: 'GSTR-9', period: '2026-08' })).toEqual([422, 'return_not_applicable', { returnType: 'GSTR-9', period: '2026-08' }]);
    expect(await file(monthly!.id, { returnType: 'IFF', period: '2026-08' })).toEqual([422, 'return_not_applicable', { returnType: 'IFF', period: '2026-08' }]);
    expect(await db.owner('filings').whereIn('client_id', [quarterly!.id, monthly!.id]).count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('answers a month before GST as no period at all, as a close of it is answered', async () => {
    const clientId = firm.clients[1]!.id;
    const detail = await call(api, 'GET', `/api/clients/${clientId}/periods/2017-06`, { token });
    const close = await call(api, 'POST', `/api/clients/${clientId}/periods/2017-06/close`, { token, body: {} });
    const shape = (r: { status: number; body: { error?: { code: string; details?: unknown } } }) => [r.status, r.body.error?.code, r.body.error?.details];
    expect(shape(detail)).toEqual([400, 'invalid_input', { fields: { period: expect.stringContaining('GST began in July 2017') } }]);
    expect(shape(close)).toEqual(shape(detail));
    // July 2017, the first GST period, is one.
    expect((await call(api, 'GET', `/api/clients/${clientId}/periods/2017-07`, { token })).status).toBe(200);
  });
});
