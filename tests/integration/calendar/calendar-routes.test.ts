/**
 * The compliance calendar over HTTP against real PostgreSQL: lists per role and tenant, filings,
 * the firm's holidays, extensions for some states, the calendar profile, paging, and migration 009
 * down and up. Dates are in mid-2025, so every deadline's status is past (overdue or filed).
 */
import type { Knex } from 'knex';
import { migrations } from '../../../db/migrations';
import { clientDeadline } from '../../../db/calendar';
import { frequencyChangeFrom, istDate } from '../../../domain/calendar';
import { migrateLatest } from '../../../db/migrator';
import { inTenantTransaction } from '../../../db/tenant';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';

const JULY = '?from=2025-07-01&to=2025-07-31';

describe('compliance calendar routes', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let other: TestFirm;
  const tokens: Record<string, string> = {};
  let alpha: string;
  let beta: string;

  const audit = (entityType: string) => db.owner('audit_events').where({ firm_id: firm.id, entity_type: entityType }).orderBy('seq').select('action', 'actor_email', 'before', 'after');
  const get = (role: string, path: string) => call(api, 'GET', path, { token: tokens[role] });
  const send = (role: string, method: string, path: string, body: unknown) => call(api, method, path, { token: tokens[role], body });
  const summary = (items: Array<Record<string, unknown>>) => items.map((i) => `${i.clientName} ${i.returnType} ${i.period} ${i.extendedDueDate ?? i.dueDate} ${i.status}`);

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 5 });
    firm = await createTestFirm(db, 'Calendar Firm');
    other = await createTestFirm(db, 'Other Firm');
    [alpha, beta] = [firm.clients[0]!.id, firm.clients[1]!.id];
    for (const role of ['firm_admin', 'manager', 'reviewer', 'staff', 'client'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
    tokens.otherAdmin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it("lists every client's deadlines of a month for the firm's people, ordered by due date", async () => {
    for (const role of ['firm_admin', 'manager', 'reviewer', 'staff']) {
      const res = await get(role, `/api/calendar${JULY}`);
      expect([role, res.status]).toEqual([role, 200]);
      expect(summary(res.body.items)).toEqual([
        'Alpha Traders GSTR-1 2025-06 2025-07-11 overdue',
        'Beta Industries GSTR-1 2025-06 2025-07-11 overdue',
        'Alpha Traders GSTR-3B 2025-06 2025-07-20 overdue',
        'Beta Industries GSTR-3B 2025-06 2025-07-20 overdue',
      ]);
    }
    const [first] = (await get('manager', `/api/calendar${JULY}&clientId=${alpha}&returnType=GSTR-3B`)).body.items;
    // Saturdays work by default: Sunday 20 July minus two working days is Friday 18 July.
    expect(first).toEqual({
      clientId: alpha, clientName: 'Alpha Traders', returnType: 'GSTR-3B', period: '2025-06', periodLabel: 'Jun 2025', dueDate: '2025-07-20', extendedDueDate: null,
      targetDate: '2025-07-18', status: 'overdue', filing: null, filingOpensOn: '2025-07-01', effectiveDueDate: '2025-07-20', dueAt: '2025-07-20T23:59:59.999+05:30',
    });
  });

  it('shows a client user only its own client; other clients and other firms are 404', async () => {
    const own = await get('client', `/api/calendar${JULY}`);
    expect(summary(own.body.items)).toEqual(['Alpha Traders GSTR-1 2025-06 2025-07-11 overdue', 'Alpha Traders GSTR-3B 2025-06 2025-07-20 overdue']);
    // Another client's id: nothing of it, in the list's usual shape (docs/calendar.md).
    const dayBefore = istDate(new Date());
    const elsewhere = await get('client', `/api/calendar${JULY}&clientId=${beta}`);
    const today = [dayBefore, istDate(new Date())].includes(elsewhere.body.today) ? elsewhere.body.today : `not ${dayBefore}`;
    expect([elsewhere.status, elsewhere.body]).toEqual([200, { items: [], nextCursor: null, from: '2025-07-01', to: '2025-07-31', today }]);
    const defaultWindow = (await get('client', `/api/calendar?clientId=${beta}`)).body;
    expect(Object.keys(defaultWindow).sort()).toEqual(['from', 'items', 'nextCursor', 'to', 'today']);
    expect(defaultWindow.from.slice(0, 7)).toBe(defaultWindow.today.slice(0, 7));
    expect((await get('client', `/api/clients/${alpha}/calendar${JULY}`)).status).toBe(200);
    const foreign = await get('client', `/api/clients/${beta}/calendar${JULY}`);
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'not_found']);
    expect((await get('otherAdmin', `/api/clients/${alpha}/calendar${JULY}`)).status).toBe(404);
    expect((await get('otherAdmin', `/api/calendar${JULY}&clientId=${alpha}`)).body.items).toEqual([]);
    const filing = await send('otherAdmin', 'POST', `/api/clients/${alpha}/filings`, { returnType: 'GSTR-1', period: '2025-06', filedOn: '2025-07-10', arn: 'AA270725000009Z' });
    expect(filing.status).toBe(404);
    expect((await get('client', `/api/firm/holidays`)).status).toBe(200);
  });

  it('refuses bad windows and filters with invalid_input', async () => {
    const backwards = await get('manager', '/api/calendar?from=2025-07-31&to=2025-07-01');
    expect([backwards.status, backwards.body.error.code, backwards.body.error.details.fields.to]).toEqual([400, 'invalid_input', 'must not be before from']);
    expect((await get('manager', '/api/calendar?from=2024-01-01&to=2025-07-01')).status).toBe(400);
    expect((await get('manager', '/api/calendar?from=2025-02-30')).body.error.details.fields).toEqual({ from: 'A date is YYYY-MM-DD.' });
    expect((await get('manager', '/api/calendar?returnType=GSTR-2')).status).toBe(400);
  });

  it('records a filing once: filed status, a retry answers the first, another ARN conflicts, audited', async () => {
    const body = { returnType: 'GSTR-1', period: '2025-06', filedOn: '2025-07-10', arn: 'aa27 0725 000001A' };
    const created = await send('staff', 'POST', `/api/clients/${alpha}/filings`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ clientId: alpha, returnType: 'GSTR-1', period: '2025-06', filedOn: '2025-07-10', arn: 'AA270725000001A' });
    const again = await send('manager', 'POST', `/api/clients/${alpha}/filings`, body);
    expect([again.status, again.body.id]).toEqual([200, created.body.id]);
    const clash = await send('staff', 'POST', `/api/clients/${alpha}/filings`, { ...body, arn: 'AA270725000002B' });
    expect([clash.status, clash.body.error.code]).toEqual([409, 'already_filed']);
    const notFiled = await send('staff', 'POST', `/api/clients/${alpha}/filings`, { ...body, returnType: 'IFF' });
    expect([notFiled.status, notFiled.body.error.code]).toEqual([422, 'return_not_applicable']);
    expect((await send('staff', 'POST', `/api/clients/${alpha}/filings`, { ...body, period: '2025-07', filedOn: '2099-01-01' })).body.error.details.fields).toEqual({ filedOn: 'is in the future' });
    // A return is filed once its period is over: not before the month (quarter, year) began, nor during it.
    const early = async (change: Record<string, string>) => {
      const res = await send('staff', 'POST', `/api/clients/${alpha}/filings`, { ...body, ...change });
      return [res.status, res.body.error?.code, res.body.error?.details?.fields];
    };
    const julyOpens = { filedOn: 'is before the period 2025-07 ended: its return can be filed from 2025-08-01' };
    expect(await early({ period: '2025-07', filedOn: '2025-06-30' })).toEqual([400, 'invalid_input', julyOpens]);
    expect(await early({ period: '2025-07', filedOn: '2025-07-15' })).toEqual([400, 'invalid_input', julyOpens]);
    expect(await early({ period: '2025-07', filedOn: '2025-07-31', returnType: 'GSTR-3B' })).toEqual([400, 'invalid_input', julyOpens]);
    expect(await early({ period: '2025-03', filedOn: '2025-03-31', returnType: 'GSTR-9' })).toEqual([400, 'invalid_input', { filedOn: 'is before the period 2025-03 ended: its return can be filed from 2025-04-01' }]);
    // Applicability answers before the date: GSTR-9 is annual, so a month is not its period whatever the date.
    expect(await early({ period: '2025-07', filedOn: '2025-07-15', returnType: 'GSTR-9' })).toEqual([422, 'return_not_applicable', undefined]);
    expect(await db.owner('filings').where({ client_id: alpha }).whereNot({ period: '2025-06' }).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect((await send('reviewer', 'POST', `/api/clients/${alpha}/filings`, body)).status).toBe(403);
    expect((await send('client', 'POST', `/api/clients/${alpha}/filings`, body)).status).toBe(403);

    const list = await get('manager', `/api/calendar${JULY}&returnType=GSTR-1`);
    expect(summary(list.body.items)).toEqual(['Alpha Traders GSTR-1 2025-06 2025-07-11 filed', 'Beta Industries GSTR-1 2025-06 2025-07-11 overdue']);
    expect(list.body.items[0].filing).toEqual({ filedOn: '2025-07-10', arn: 'AA270725000001A' });
    // The return-pending view: who has not filed GSTR-1 by its due date.
    expect(summary((await get('manager', `/api/calendar${JULY}&returnType=GSTR-1&status=overdue`)).body.items)).toEqual(['Beta Industries GSTR-1 2025-06 2025-07-11 overdue']);

    const events = await audit('filing');
    expect(events.map((e) => [e.action, e.actor_email])).toEqual([['filing.create', firm.users.staff.email]]);
    expect(events[0]?.after).toMatchObject({ arn: 'AA270725000001A', client_id: alpha, return_type: 'GSTR-1' });
  });

  it('answers a retry of a filing stored before the date rule with the filing, and another ARN with a conflict', async () => {
    // Stored as the table allows (dated inside its own period, as filings could be before the rule); not in the July views.
    const [stored] = await db.owner('filings')
      .insert({ firm_id: firm.id, client_id: beta, return_type: 'GSTR-3B', period: '2025-05', filed_on: '2025-05-28', arn: 'AA270525000003C', created_by: firm.users.staff.id })
      .returning('id');
    const legacy = { returnType: 'GSTR-3B', period: '2025-05', filedOn: '2025-05-28', arn: 'AA270525000003C' };
    const retried = await send('staff', 'POST', `/api/clients/${beta}/filings`, legacy);
    expect([retried.status, retried.body.id, retried.body.filedOn, retried.body.error]).toEqual([200, (stored as { id: string }).id, '2025-05-28', undefined]);
    const clash = await send('staff', 'POST', `/api/clients/${beta}/filings`, { ...legacy, arn: 'AA270525000004D' });
    expect([clash.status, clash.body.error?.code]).toEqual([409, 'already_filed']);
  });

  it("keeps the firm's holidays: the admin replaces them (audited), everyone reads, target dates move", async () => {
    const body = {
      saturdaysWorking: false,
      warningDays: 5,
      dates: [
        { date: '2025-07-18', name: 'Firm day', stateCode: null },
        { date: '2025-07-17', name: 'Karnataka day', stateCode: '29' },
      ],
    };
    expect((await send('manager', 'PUT', '/api/firm/holidays', body)).status).toBe(403);
    const put = await send('firm_admin', 'PUT', '/api/firm/holidays', body);
    expect(put.status).toBe(200);
    const read = await get('staff', '/api/firm/holidays');
    expect(read.body).toMatchObject({ saturdaysWorking: false, targetBufferDays: 2, warningDays: 5, dates: [body.dates[1], body.dates[0]] });
    expect(read.body.nationalHolidays).toContainEqual({ date: '2026-01-26', name: 'Republic Day' });

    // Due Sunday 20 July; Saturday off and Friday 18 a firm holiday: two working days back is Wednesday 16.
    const [item] = (await get('staff', `/api/clients/${alpha}/calendar${JULY}&returnType=GSTR-3B`)).body.items;
    expect(item.targetDate).toBe('2025-07-16');

    expect((await send('firm_admin', 'PUT', '/api/firm/holidays', { ...body, dates: [body.dates[0], body.dates[0]] })).status).toBe(400);
    expect((await send('firm_admin', 'PUT', '/api/firm/holidays', { ...body, dates: [{ date: '2025-07-18', name: 'x', stateCode: '55' }] })).status).toBe(400);
    const replaced = await send('firm_admin', 'PUT', '/api/firm/holidays', { saturdaysWorking: false, dates: [{ date: '2025-07-18', name: 'Firm day (renamed)', stateCode: null }] });
    expect(replaced.body.dates).toEqual([{ date: '2025-07-18', name: 'Firm day (renamed)', stateCode: null }]);
    expect(replaced.body.warningDays).toBe(5);

    const events = (await audit('firm_holiday')).map((e) => [e.action, e.actor_email]);
    const admin = firm.users.firm_admin.email;
    expect(events).toEqual([['firm_holiday.create', admin], ['firm_holiday.create', admin], ['firm_holiday.delete', admin], ['firm_holiday.update', admin]]);
    expect((await audit('calendar_settings')).map((e) => e.action)).toEqual(['calendar_settings.create']);
    await send('firm_admin', 'PUT', '/api/firm/holidays', { saturdaysWorking: true, warningDays: 7, dates: [] });
  });

  it("moves only the named states' due dates with an extension, audited, once per double click", async () => {
    const karnataka = await send('staff', 'POST', '/api/clients', { name: 'Gamma Karnataka', gstin: validGstin('29'), email: 'gamma@example.test', filingFrequency: 'monthly' });
    expect(karnataka.status).toBe(201);
    const body = { returnType: 'GSTR-3B', period: '2025-06', stateCodes: ['27'], dueDate: '2025-07-25', reference: 'Notification 12/2025-CT' };
    expect((await send('manager', 'POST', '/api/calendar/extensions', body)).status).toBe(403);
    const created = await send('firm_admin', 'POST', '/api/calendar/extensions', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ returnType: 'GSTR-3B', period: '2025-06', stateCodes: ['27'], dueDate: '2025-07-25', affectedClients: 2 });
    const again = await send('firm_admin', 'POST', '/api/calendar/extensions', body);
    expect([again.status, again.body.id]).toEqual([200, created.body.id]);

    const threeB = (await get('manager', `/api/calendar${JULY}&returnType=GSTR-3B`)).body.items;
    expect(threeB.map((i: Record<string, unknown>) => [i.clientName, i.dueDate, i.extendedDueDate, i.targetDate])).toEqual([
      ['Gamma Karnataka', '2025-07-20', null, '2025-07-18'],
      ['Alpha Traders', '2025-07-20', '2025-07-25', '2025-07-23'],
      ['Beta Industries', '2025-07-20', '2025-07-25', '2025-07-23'],
    ]);

    // The keyed lookup other processes use sees the new date.
    const looked = await inTenantTransaction(db.app, { firmId: firm.id, actor: { userId: null, email: 'system:test', role: 'system' } }, (trx: Knex.Transaction) =>
      clientDeadline(trx, firm.id, alpha, 'GSTR-3B', '2025-06'),
    );
    expect([looked?.dueDate, looked?.extendedDueDate, looked?.effectiveDueDate, looked?.dueAt.toISOString()]).toEqual(['2025-07-20', '2025-07-25', '2025-07-25', '2025-07-25T18:29:59.999Z']);

    const early = await send('firm_admin', 'POST', '/api/calendar/extensions', { ...body, dueDate: '2025-07-15' });
    expect([early.status, early.body.error.code]).toEqual([422, 'extension_before_due_date']);
    const badPeriod = await send('firm_admin', 'POST', '/api/calendar/extensions', { ...body, returnType: 'CMP-08', period: '2025-05' });
    expect([badPeriod.status, Object.keys(badPeriod.body.error.details.fields)]).toEqual([400, ['period']]);
    expect((await send('firm_admin', 'POST', '/api/calendar/extensions', { ...body, stateCodes: ['27', '27'] })).status).toBe(400);

    const events = await audit('calendar_extension');
    expect(events.map((e) => [e.action, e.actor_email])).toEqual([['calendar_extension.create', firm.users.firm_admin.email]]);
    expect(events[0]?.after).toMatchObject({ reference: 'Notification 12/2025-CT', state_codes: ['27'], due_date: '2025-07-25' });
    // Another firm's calendar is untouched.
    expect(await db.owner('calendar_extensions').where({ firm_id: other.id })).toEqual([]);
  });

  it("keeps a client's profile: owner, scheme and a frequency change from a quarter", async () => {
    const bad = await send('staff', 'PATCH', `/api/clients/${beta}/calendar-profile`, { ownerId: firm.users.client.id });
    expect([bad.status, bad.body.error.details.fields.ownerId]).toEqual([400, 'Not an active staff member, manager or firm admin of this firm.']);
    expect((await send('staff', 'PATCH', `/api/clients/${beta}/calendar-profile`, { ownerId: other.users.staff.id })).status).toBe(400);
    const res = await send('staff', 'PATCH', `/api/clients/${beta}/calendar-profile`, { ownerId: firm.users.staff.id, frequencyChange: { frequency: 'quarterly', fromPeriod: '2025-07' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ownerId: firm.users.staff.id, filingFrequency: 'quarterly', qrmpGroup: 'A', frequencyChanges: [{ fromPeriod: '2025-07', frequency: 'quarterly', previousFrequency: 'monthly' }] });
    const same = await send('staff', 'PATCH', `/api/clients/${beta}/calendar-profile`, { frequencyChange: { frequency: 'quarterly', fromPeriod: '2025-10' } });
    expect([same.status, same.body.error.code]).toEqual([422, 'frequency_unchanged']);

    const items = (await get('manager', `/api/clients/${beta}/calendar?from=2025-07-01&to=2025-10-31`)).body.items;
    expect(items.map((i: Record<string, unknown>) => `${i.returnType} ${i.period} ${i.dueDate}`)).toEqual([
      'GSTR-1 2025-06 2025-07-11',
      'GSTR-3B 2025-06 2025-07-20',
      'IFF 2025-07 2025-08-13',
      'IFF 2025-08 2025-09-13',
      'GSTR-1 2025-09 2025-10-13',
      'GSTR-3B 2025-09 2025-10-22',
    ]);
    expect((await audit('client_frequency_change')).map((e) => [e.action, e.actor_email])).toEqual([['client_frequency_change.create', firm.users.staff.email]]);
    const clientEvents = (await audit('client')).filter((e) => (e.after as { id: string }).id === beta && e.action === 'client.update');
    expect(clientEvents.map((e) => [e.actor_email, (e.before as Record<string, unknown>).owner_id, (e.after as Record<string, unknown>).owner_id, (e.after as Record<string, unknown>).filing_frequency])).toEqual([
      [firm.users.staff.email, null, firm.users.staff.id, 'monthly'],
      [firm.users.staff.email, firm.users.staff.id, firm.users.staff.id, 'quarterly'],
    ]);
  });

  it('pages the list with a cursor without losing or repeating an item', async () => {
    const whole = (await get('manager', '/api/calendar?from=2025-04-01&to=2025-12-31&limit=500')).body.items;
    expect(whole.length).toBeGreaterThan(10);
    const walked: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: unknown[]; nextCursor: string | null } } = await get('manager', `/api/calendar?from=2025-04-01&to=2025-12-31&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(whole);
  });

  it("records a plain client frequency change from the quarter the option window allows, keeping past periods' returns", async () => {
    const res = await send('manager', 'PATCH', `/api/clients/${alpha}`, { filingFrequency: 'quarterly', name: 'Alpha Traders' });
    expect([res.status, res.body.filingFrequency]).toEqual([200, 'quarterly']);
    const profile = (await get('manager', `/api/clients/${alpha}/calendar${JULY}`)).body;
    expect(profile.client.frequencyChanges).toEqual([{ fromPeriod: frequencyChangeFrom(istDate(new Date())), frequency: 'quarterly', previousFrequency: 'monthly' }]);
    expect(summary(profile.items)).toEqual(['Alpha Traders GSTR-1 2025-06 2025-07-11 filed', 'Alpha Traders GSTR-3B 2025-06 2025-07-25 overdue']);
    // The same frequency again changes nothing.
    expect((await send('manager', 'PATCH', `/api/clients/${alpha}`, { filingFrequency: 'quarterly' })).status).toBe(200);
    expect(await db.owner('client_frequency_changes').where({ client_id: alpha }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });
});

describe('migration 009 down and up again', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('drops the calendar tables and columns, and restores them with their seeds', async () => {
    const source: Knex.MigrationSource<string> = {
      getMigrations: async () => migrations.map((m) => m.name),
      getMigrationName: (name) => name,
      getMigration: async (name) => migrations.find((m) => m.name === name)!.module,
    };
    await db.owner.migrate.down({ migrationSource: source, name: '009-compliance-calendar' });
    expect(await db.owner.schema.hasTable('calendar_rules')).toBe(false);
    expect(await db.owner.schema.hasColumn('clients', 'owner_id')).toBe(false);
    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual(['009-compliance-calendar']);
    expect(Number((await db.owner('calendar_rules').count({ n: '*' }))[0]?.n)).toBe(12);
    const grants = await db.owner.raw(`select privilege_type from information_schema.role_table_grants where grantee = ? and table_name = 'filings' order by 1`, [TEST_APP_ROLE]);
    expect(grants.rows.map((r: { privilege_type: string }) => r.privilege_type)).toEqual(['INSERT', 'SELECT']);
  });
});
