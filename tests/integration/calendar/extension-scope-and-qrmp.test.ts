/**
 * Over HTTP against real PostgreSQL: an extension scoped by filing frequency and never moving a
 * client earlier than its statutory date (notification 02/2025: monthly filers' GSTR-3B for December
 * 2024 to the 22nd, QRMP filers' to the 24th or 26th), and the QRMP turnover rule on the calendar
 * profile and the plain client PATCH (422 naming the fields, nothing written).
 */
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';

const JANUARY = '?from=2025-01-01&to=2025-01-31&returnType=GSTR-3B';

describe('calendar: extensions by filing frequency, QRMP turnover rule', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};
  const get = (role: string, path: string) => call(api, 'GET', path, { token: tokens[role] });
  const send = (role: string, method: string, path: string, body: unknown) => call(api, method, path, { token: tokens[role], body });
  const newClient = async (name: string, stateCode: string, filingFrequency: 'monthly' | 'quarterly') => {
    const res = await send('staff', 'POST', '/api/clients', { name, gstin: validGstin(stateCode), email: `${name.split(' ')[0]!.toLowerCase()}@example.test`, filingFrequency });
    expect([name, res.status]).toEqual([name, 201]);
    return res.body.id as string;
  };
  const threeB = async (clientId: string) => {
    const [item] = (await get('manager', `/api/clients/${clientId}/calendar${JANUARY}`)).body.items;
    return [item?.period, item?.dueDate, item?.extendedDueDate, item?.effectiveDueDate];
  };
  const profileOf = async (clientId: string) => (await get('manager', `/api/clients/${clientId}/calendar${JANUARY}`)).body.client;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 5 });
    firm = await createTestFirm(db, 'Frequency Firm');
    for (const role of ['firm_admin', 'manager', 'staff'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it("never moves a QRMP filer's GSTR-3B earlier; a frequency-scoped extension moves only its filers", async () => {
    const delhiQuarterly = await newClient('Delhi Quarterly', '07', 'quarterly');
    const delhiMonthly = await newClient('Delhi Monthly', '07', 'monthly');
    const mumbaiQuarterly = await newClient('Mumbai Quarterly', '27', 'quarterly');
    // QRMP from long before the period (a plain create files at its frequency from the start).
    expect(await threeB(delhiQuarterly)).toEqual(['2024-12', '2025-01-24', null, '2025-01-24']);
    // The same GSTR-3B key is the October–December quarter for the QRMP filer and December for the
    // monthly one, and each row names its period so (docs/calendar.md, "Periods").
    const labelOf = async (clientId: string) => (await get('manager', `/api/clients/${clientId}/calendar${JANUARY}`)).body.items.map((i: { period: string; periodLabel: string }) => `${i.period} ${i.periodLabel}`);
    expect({ quarterly: await labelOf(delhiQuarterly), monthly: await labelOf(delhiMonthly) }).toEqual({ quarterly: ['2024-12 Q3 FY 2024-25 (Oct–Dec 2024)'], monthly: ['2024-12 Dec 2024'] });

    // The probe's request: every state, no frequency, the monthly filers' date.
    const monthlyDate = { returnType: 'GSTR-3B', period: '2024-12', stateCodes: null, dueDate: '2025-01-22', reference: 'Notification 02/2025-CT' };
    const all = await send('firm_admin', 'POST', '/api/calendar/extensions', monthlyDate);
    expect([all.status, all.body.filingFrequency]).toEqual([201, null]);
    // It applies to the three monthly filers (the firm's two Maharashtra clients and Delhi Monthly) and to Mumbai Quarterly,
    // due on the 22nd already (unchanged); not to Delhi Quarterly, due on the 24th.
    expect([all.body.affectedClients, all.body.notAppliedClients]).toEqual([4, 1]);
    expect(await threeB(delhiQuarterly)).toEqual(['2024-12', '2025-01-24', null, '2025-01-24']);
    expect(await threeB(delhiMonthly)).toEqual(['2024-12', '2025-01-20', '2025-01-22', '2025-01-22']);
    expect(await threeB(mumbaiQuarterly)).toEqual(['2024-12', '2025-01-22', '2025-01-22', '2025-01-22']);

    // The QRMP filers' dates, scoped by frequency and state group.
    const quarterlyB = { ...monthlyDate, stateCodes: ['07'], filingFrequency: 'quarterly', dueDate: '2025-01-26' };
    const scoped = await send('firm_admin', 'POST', '/api/calendar/extensions', quarterlyB);
    expect([scoped.status, scoped.body.filingFrequency, scoped.body.affectedClients, scoped.body.notAppliedClients]).toEqual([201, 'quarterly', 1, 0]);
    const quarterlyA = await send('firm_admin', 'POST', '/api/calendar/extensions', { ...quarterlyB, stateCodes: ['27'], dueDate: '2025-01-24' });
    expect([quarterlyA.status, quarterlyA.body.affectedClients]).toEqual([201, 1]);
    expect(await threeB(delhiQuarterly)).toEqual(['2024-12', '2025-01-24', '2025-01-26', '2025-01-26']);
    expect(await threeB(mumbaiQuarterly)).toEqual(['2024-12', '2025-01-22', '2025-01-24', '2025-01-24']);
    expect(await threeB(delhiMonthly)).toEqual(['2024-12', '2025-01-20', '2025-01-22', '2025-01-22']);

    // A double click answers the first; the same extension for the other frequency is another record.
    const again = await send('firm_admin', 'POST', '/api/calendar/extensions', quarterlyB);
    expect([again.status, again.body.id]).toEqual([200, scoped.body.id]);
    const stored = await db.owner('calendar_extensions').where({ firm_id: firm.id, period: '2024-12' }).orderBy('created_at').select('filing_frequency', 'state_codes');
    expect(stored).toEqual([{ filing_frequency: null, state_codes: null }, { filing_frequency: 'quarterly', state_codes: ['07'] }, { filing_frequency: 'quarterly', state_codes: ['27'] }]);
    const audited = await db.owner('audit_events').where({ firm_id: firm.id, entity_type: 'calendar_extension' }).orderBy('seq').select('after');
    expect(audited.map((e: { after: { filing_frequency: string | null } }) => e.after.filing_frequency)).toEqual([null, 'quarterly', 'quarterly']);
  });

  it('refuses a frequency the return has no filers of for the period, a date before the scoped filers\' due date, and one more than two years after it', async () => {
    const base = { returnType: 'GSTR-3B', period: '2024-12', stateCodes: null, dueDate: '2025-01-30', reference: 'Notification (test)' };
    const refuse = async (body: Record<string, unknown>) => {
      const res = await send('firm_admin', 'POST', '/api/calendar/extensions', { ...base, ...body });
      return [res.status, res.body.error?.code, res.body.error?.details?.fields ? Object.keys(res.body.error.details.fields) : res.body.error?.details];
    };
    expect(await refuse({ period: '2024-11', filingFrequency: 'quarterly' })).toEqual([400, 'invalid_input', ['filingFrequency']]);
    expect(await refuse({ returnType: 'GSTR-9', period: '2024-03', dueDate: '2025-02-28', filingFrequency: 'monthly' })).toEqual([400, 'invalid_input', ['filingFrequency']]);
    expect(await refuse({ filingFrequency: 'weekly' })).toEqual([400, 'invalid_input', ['filingFrequency']]);
    // QRMP group A is due on the 22nd, group B on the 24th: a QRMP-only date before them is no extension.
    expect(await refuse({ filingFrequency: 'quarterly', dueDate: '2025-01-21' })).toEqual([422, 'extension_before_due_date', { dueDate: '2025-01-22' }]);
    expect(await refuse({ filingFrequency: 'quarterly', stateCodes: ['07'], dueDate: '2025-01-23' })).toEqual([422, 'extension_before_due_date', { dueDate: '2025-01-24' }]);
    // At most two years past the latest statutory date it reaches (the 24th group's 24 January 2025): a mistyped year is refused.
    expect(await refuse({ dueDate: '2099-01-30' })).toEqual([422, 'extension_too_far', ['dueDate']]);
    expect(await refuse({ filingFrequency: 'quarterly', dueDate: '2027-01-25' })).toEqual([422, 'extension_too_far', ['dueDate']]);
    const tooFar = await send('firm_admin', 'POST', '/api/calendar/extensions', { ...base, filingFrequency: 'monthly', dueDate: '2027-01-21' });
    expect([tooFar.status, tooFar.body.error?.code, tooFar.body.error?.details?.statutoryDueDate, tooFar.body.error?.details?.latestDueDate]).toEqual([422, 'extension_too_far', '2025-01-20', '2027-01-20']);
    expect(await db.owner('calendar_extensions').where({ firm_id: firm.id, reference: 'Notification (test)' })).toEqual([]);
  });

  it('refuses QRMP above ₹5 crore with 422 naming the fields, writing nothing', async () => {
    const monthly = firm.clients[0]!.id;
    const quarterly = await newClient('Quarterly Growing', '07', 'quarterly');
    const refused = async (clientId: string, body: Record<string, unknown>, path = `/api/clients/${clientId}/calendar-profile`) => {
      const res = await send('staff', 'PATCH', path, body);
      const fields = res.body.error?.details?.fields as Record<string, string> | undefined;
      return [res.status, res.body.error?.code, fields && Object.keys(fields).sort(), fields && Object.values(fields).every((m) => /₹5 crore/.test(m))];
    };
    const before = async (clientId: string) => [await profileOf(clientId), await db.owner('client_frequency_changes').where({ client_id: clientId }).count({ n: '*' })];

    const monthlyBefore = await before(monthly);
    expect(await refused(monthly, { turnoverBand: 'above_5cr', frequencyChange: { frequency: 'quarterly', fromPeriod: '2026-04' } })).toEqual([422, 'qrmp_turnover_limit', ['frequencyChange.frequency', 'turnoverBand'], true]);
    expect(await before(monthly)).toEqual(monthlyBefore);

    const quarterlyBefore = await before(quarterly);
    expect(await refused(quarterly, { turnoverBand: 'above_5cr', ownerId: firm.users.staff.id })).toEqual([422, 'qrmp_turnover_limit', ['turnoverBand'], true]);
    expect(await before(quarterly)).toEqual(quarterlyBefore);

    // Above ₹5 crore and monthly is fine; then neither route may put it on QRMP.
    const grown = await send('staff', 'PATCH', `/api/clients/${monthly}/calendar-profile`, { turnoverBand: 'above_5cr' });
    expect([grown.status, grown.body.turnoverBand, grown.body.filingFrequency]).toEqual([200, 'above_5cr', 'monthly']);
    const grownBefore = await before(monthly);
    expect(await refused(monthly, { frequencyChange: { frequency: 'quarterly', fromPeriod: '2026-04' } })).toEqual([422, 'qrmp_turnover_limit', ['frequencyChange.frequency'], true]);
    expect(await refused(monthly, { filingFrequency: 'quarterly', name: 'Renamed Traders' }, `/api/clients/${monthly}`)).toEqual([422, 'qrmp_turnover_limit', ['filingFrequency'], true]);
    expect(await before(monthly)).toEqual(grownBefore);
    expect((await get('manager', `/api/clients/${monthly}`)).body.name).toBe(firm.clients[0]!.name);

    // A quarterly client that grew moves to monthly in the same change: allowed.
    const moved = await send('staff', 'PATCH', `/api/clients/${quarterly}/calendar-profile`, { turnoverBand: 'above_5cr', frequencyChange: { frequency: 'monthly', fromPeriod: '2026-04' } });
    expect([moved.status, moved.body.turnoverBand, moved.body.filingFrequency]).toEqual([200, 'above_5cr', 'monthly']);
    // A composition client is not on QRMP whatever its frequency says; turning it regular would be.
    await db.owner('clients').where({ id: quarterly }).update({ scheme: 'composition', filing_frequency: 'quarterly' });
    expect(await refused(quarterly, { scheme: 'regular' })).toEqual([422, 'qrmp_turnover_limit', ['scheme'], true]);
    // A request that touches none of the rule's facts is not refused for a profile stored before the rule.
    await db.owner('clients').where({ id: quarterly }).update({ scheme: 'regular' });
    const owner = await send('staff', 'PATCH', `/api/clients/${quarterly}/calendar-profile`, { ownerId: firm.users.staff.id });
    expect([owner.status, owner.body.ownerId]).toEqual([200, firm.users.staff.id]);
  });
});
