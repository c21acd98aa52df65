/**
 * GET /api/reconciliations (the web app's run lists): newest first with the client's name,
 * filters by client, period, status and "mine", cursor paging, a portal user limited to their own
 * client, another firm's runs never shown, and bad filters refused.
 */
import { randomUUID } from 'node:crypto';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { insertValidatedImport, STORED_SUMMARY } from '../periods/helpers';
import { startReconApi, type ReconApi } from './recon-helpers';

type Item = { runId: string; clientId: string; clientName: string; period: string; status: string; progress: { done: number; total: number } };

describe('GET /api/reconciliations', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let other: TestFirm;
  const runs: Array<{ id: string; clientIndex: number; period: string; status: string; by: 'staff' | 'manager' }> = [];

  async function insertRun(f: TestFirm, clientIndex: number, period: string, status: string, by: 'staff' | 'manager', at: Date, riskPaise?: number): Promise<string> {
    const client = f.clients[clientIndex]!;
    const register = await insertValidatedImport(db, f.id, client.id, period, 'purchase_register');
    const gstr2b = await insertValidatedImport(db, f.id, client.id, period, 'gstr2b');
    const [row] = await db
      .owner('reconciliation_runs')
      .insert({
        firm_id: f.id,
        client_id: client.id,
        period,
        register_import_id: register,
        gstr2b_import_id: gstr2b,
        options: { amountTolerance: 100, dateWindowDays: 7 },
        workflow_id: `recon-list-test-${randomUUID()}`,
        status,
        progress_done: status === 'running' ? 40 : 0,
        progress_total: status === 'running' ? 100 : 0,
        created_by: f.users[by].id,
        created_at: at,
        ...(riskPaise === undefined ? {} : { summary: { ...STORED_SUMMARY, run: { ...STORED_SUMMARY.run, itc: { ...STORED_SUMMARY.run.itc, atRisk: { igst: riskPaise, cgst: 0, sgst: 0, cess: 0, total: riskPaise } } } } }),
      })
      .returning('id');
    return (row as { id: string }).id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startReconApi(db);
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    const base = Date.parse('2026-11-01T10:00:00Z');
    const plan = [
      { clientIndex: 0, period: '2024-04', status: 'failed', by: 'staff' },
      { clientIndex: 1, period: '2024-05', status: 'queued', by: 'manager' },
      { clientIndex: 0, period: '2024-05', status: 'running', by: 'staff' },
      { clientIndex: 1, period: '2024-06', status: 'queued', by: 'staff' },
    ] as const;
    for (const [i, p] of plan.entries()) {
      runs.push({ id: await insertRun(firm, p.clientIndex, p.period, p.status, p.by, new Date(base + i * 60_000)), ...p });
    }
    await insertRun(other, 0, '2024-05', 'queued', 'staff', new Date(base));
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('lists the firm\'s runs newest first with the client name, and pages with a cursor', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const all = await call(api, 'GET', '/api/reconciliations', { token: staff });
    expect(all.status).toBe(200);
    expect(all.body.items.map((r: Item) => r.runId)).toEqual([...runs].reverse().map((r) => r.id));
    const running = all.body.items.find((r: Item) => r.status === 'running') as Item;
    expect(running).toMatchObject({ clientName: firm.clients[0]!.name, period: '2024-05', progress: { done: 40, total: 100 } });

    const first = await call(api, 'GET', '/api/reconciliations?limit=3', { token: staff });
    expect(first.body.items).toHaveLength(3);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(api, 'GET', `/api/reconciliations?limit=3&cursor=${first.body.nextCursor}`, { token: staff });
    expect(second.body.items.map((r: Item) => r.runId)).toEqual([runs[0]!.id]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('filters by client, period, status and the caller\'s own runs', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const ids = async (query: string) => (await call(api, 'GET', `/api/reconciliations?${query}`, { token: staff })).body.items.map((r: Item) => r.runId).sort();
    const expected = (keep: (r: (typeof runs)[number]) => boolean) => runs.filter(keep).map((r) => r.id).sort();
    expect(await ids(`clientId=${firm.clients[0]!.id}`)).toEqual(expected((r) => r.clientIndex === 0));
    expect(await ids('period=2024-05&history=true')).toEqual(expected((r) => r.period === '2024-05'));
    expect(await ids('status=queued')).toEqual(expected((r) => r.status === 'queued'));
    expect(await ids('mine=true')).toEqual(expected((r) => r.by === 'staff'));
    expect(await ids(`clientId=${other.clients[0]!.id}`)).toEqual([]);
  });

  it('shows a portal user only their own client, and refuses bad filters', async () => {
    const portal = await login(api, firm.users.client.email, firm.users.client.password);
    const res = await call(api, 'GET', '/api/reconciliations', { token: portal });
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: Item) => r.clientId)).toEqual(runs.filter((r) => r.clientIndex === 0).reverse().map(() => firm.clients[0]!.id));
    const bad = await call(api, 'GET', '/api/reconciliations?status=done&period=June', { token: portal });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    expect((await call(api, 'GET', '/api/reconciliations')).status).toBe(401);
  });

  it('lists, for a period, each client\'s latest run with its ITC at risk in rupees, largest first', async () => {
    const f = await createTestFirm(db);
    const base = Date.parse('2026-11-02T10:00:00Z');
    // Client 0: an older completed run (₹9,999.99 at risk) and a newer one (₹1,234.50); client 1: a
    // completed run (₹50,000.25), then a newer one still running (no figure yet).
    const older = await insertRun(f, 0, '2024-07', 'completed', 'staff', new Date(base), 999_999);
    const newer = await insertRun(f, 0, '2024-07', 'completed', 'staff', new Date(base + 60_000), 123_450);
    const second = await insertRun(f, 1, '2024-07', 'completed', 'manager', new Date(base), 5_000_025);
    const running = await insertRun(f, 1, '2024-07', 'running', 'staff', new Date(base + 120_000));
    await insertRun(f, 1, '2024-08', 'completed', 'staff', new Date(base), 7_777_700);
    const manager = await login(api, f.users.manager.email, f.users.manager.password);
    const view = await call(api, 'GET', '/api/reconciliations?period=2024-07', { token: manager });
    expect(view.status).toBe(200);
    expect(view.body.items.map((r: Item & { itcAtRisk: number | null; clientGstin: string }) => [r.runId, r.clientName, r.clientGstin, r.itcAtRisk])).toEqual([
      [newer, f.clients[0]!.name, f.clients[0]!.gstin, 1_234.5],
      [running, f.clients[1]!.name, f.clients[1]!.gstin, null],
    ]);
    expect(view.body.items[0].summary.itcAtRisk).toBe(1_234.5);
    // The latest completed run of each client, largest ITC at risk first, one page at a time.
    const first = await call(api, 'GET', '/api/reconciliations?period=2024-07&status=completed&limit=1', { token: manager });
    const rest = await call(api, 'GET', `/api/reconciliations?period=2024-07&status=completed&limit=1&cursor=${first.body.nextCursor}`, { token: manager });
    expect([...first.body.items, ...rest.body.items].map((r: Item & { itcAtRisk: number }) => [r.runId, r.itcAtRisk])).toEqual([[second, 50_000.25], [newer, 1_234.5]]);
    expect(rest.body.nextCursor).toBeNull();
    // Every run of the period on request, newest first.
    const history = await call(api, 'GET', '/api/reconciliations?period=2024-07&history=true', { token: manager });
    expect(history.body.items.slice(0, 2).map((r: Item) => r.runId)).toEqual([running, newer]);
    expect(history.body.items.map((r: Item) => r.runId).sort()).toEqual([older, newer, second, running].sort());
    // Another firm's partner sees none of it.
    const outsider = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(api, 'GET', '/api/reconciliations?period=2024-07', { token: outsider })).body.items).toEqual([]);
  });

  it("names each run's period as the periods list does: a quarterly filer's by its quarter", async () => {
    const f = await createTestFirm(db);
    await db.owner('clients').where({ id: f.clients[0]!.id }).update({ filing_frequency: 'quarterly' });
    const base = Date.parse('2026-11-03T10:00:00Z');
    const quarterly = await insertRun(f, 0, '2024-06', 'completed', 'staff', new Date(base), 100_000);
    const monthly = await insertRun(f, 1, '2024-06', 'completed', 'staff', new Date(base + 60_000), 200_000);
    const staff = await login(api, f.users.staff.email, f.users.staff.password);
    const labels = async (query: string) =>
      Object.fromEntries((await call(api, 'GET', `/api/reconciliations${query}`, { token: staff })).body.items.map((r: Item & { periodLabel: string }) => [r.runId, [r.period, r.periodLabel]]));
    const expected = { [quarterly]: ['2024-06', 'Q1 FY 2024-25 (Apr–Jun 2024)'], [monthly]: ['2024-06', 'Jun 2024'] };
    // Home's and the runs page's list, and the firm-wide view of the period.
    expect(await labels('')).toEqual(expected);
    expect(await labels('?period=2024-06')).toEqual(expected);
    // The run's own page names it the same way.
    const own = await call(api, 'GET', `/api/reconciliations/${quarterly}`, { token: staff });
    expect({ status: own.status, period: own.body.period, periodLabel: own.body.periodLabel }).toEqual({ status: 200, period: '2024-06', periodLabel: 'Q1 FY 2024-25 (Apr–Jun 2024)' });
    const periods = await call(api, 'GET', `/api/periods?clientId=${f.clients[0]!.id}`, { token: staff });
    expect(periods.body.items.map((p: { period: string; periodLabel: string }) => [p.period, p.periodLabel])).toEqual([['2024-06', 'Q1 FY 2024-25 (Apr–Jun 2024)']]);
  });
  it("sets a quarterly filer's month inside a quarter apart in the firm-wide view: it is reconciled with its quarter", async () => {
    const f = await createTestFirm(db);
    const [quarterly, monthly] = f.clients;
    await db.owner('clients').where({ id: quarterly!.id }).update({ filing_frequency: 'quarterly' });
    await insertRun(f, 1, '2026-11', 'completed', 'staff', new Date(Date.parse('2026-12-03T10:00:00Z')), 10_000);
    const manager = await login(api, f.users.manager.email, f.users.manager.password);
    const view = async (period: string, token = manager) => {
      const res = await call(api, 'GET', `/api/reconciliations?period=${period}`, { token });
      expect(res.status).toBe(200);
      return { runs: res.body.items.map((r: Item) => r.clientId), inQuarter: res.body.inQuarter };
    };
    // November is no period of the quarterly filer: it is named with its quarter, not left "not reconciled".
    expect(await view('2026-11')).toEqual({ runs: [monthly!.id], inQuarter: [{ clientId: quarterly!.id, clientName: quarterly!.name, quarterEnd: '2026-12' }] });
    // The quarter's own month is the quarterly filer's period like any other month of a monthly filer.
    expect(await view('2026-12')).toEqual({ runs: [], inQuarter: [] });
    // A client's own user sees no other client, so no such list either.
    const portal = await login(api, f.users.client.email, f.users.client.password);
    expect((await view('2026-11', portal)).inQuarter).toEqual([]);
  });
});
