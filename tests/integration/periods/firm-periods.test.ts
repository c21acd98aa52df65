/**
 * GET /api/periods (the web app's home page: periods open or waiting for a decision): every client's
 * periods known from a period row, an import or a run, newest first then by client name, with the
 * pending close request and the latest run; filters by state and client, cursor paging, a portal
 * user limited to their own client without the firm's people, another firm never shown, and bad
 * filters refused.
 */
import { istDate } from '../../../domain/calendar';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { insertValidatedImport, seedReconciledPeriod } from './helpers';

type Item = {
  clientId: string;
  clientName: string;
  period: string;
  state: string;
  closeRequest: { id: string; requestedAt: string; requestedBy?: { id: string; email: string } } | null;
  latestRun: { runId: string; status: string } | null;
};

/** A period row in a given state (and its pending request), written as the owner with triggers off. */
async function seedPeriod(db: TestDatabase, firm: TestFirm, clientIndex: number, period: string, state: 'close_requested' | 'closed' | 'reopened'): Promise<string | null> {
  return db.owner.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    const clientId = firm.clients[clientIndex]!.id;
    const [row] = await trx('periods')
      .insert({ firm_id: firm.id, client_id: clientId, period, state, ...(state === 'closed' ? { closed_at: new Date(), closed_by: firm.users.manager.id } : {}) })
      .returning('id');
    if (state !== 'close_requested') return null;
    const [request] = await trx('close_requests')
      .insert({
        firm_id: firm.id, client_id: clientId, period_id: (row as { id: string }).id, period, from_state: 'open',
        requested_by: firm.users.staff.id, requested_by_email: firm.users.staff.email, requested_by_role: 'staff',
        evidence: {}, evidence_hash: 'seeded', workflow_id: `period-close:firm-list:${(row as { id: string }).id}`,
      })
      .returning('id');
    const requestId = (request as { id: string }).id;
    await trx('periods').where({ id: (row as { id: string }).id }).update({ close_request_id: requestId });
    return requestId;
  });
}

const keys = (items: Item[]) => items.map((i) => `${i.period} ${i.clientName} ${i.state}`);

describe('GET /api/periods', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let other: TestFirm;
  let runId: string;
  let requestId: string;
  /** The api's date in India when a test pins it (`closable` turns on it); the real date otherwise. */
  let pinnedToday: string | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, {}, { today: () => pinnedToday ?? istDate(new Date()) });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    const [alpha, beta] = firm.clients;
    runId = (await seedReconciledPeriod(db, firm.id, alpha!.id, '2025-06')).runId;
    await insertValidatedImport(db, firm.id, beta!.id, '2025-06', 'purchase_register');
    requestId = (await seedPeriod(db, firm, 0, '2025-05', 'close_requested'))!;
    await seedPeriod(db, firm, 1, '2025-05', 'closed');
    await seedPeriod(db, firm, 0, '2025-04', 'closed');
    await seedPeriod(db, firm, 1, '2025-04', 'reopened');
    await insertValidatedImport(db, other.id, other.clients[0]!.id, '2025-06', 'purchase_register');
    await seedPeriod(db, other, 0, '2025-05', 'close_requested');
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it("lists the firm's periods newest first, then by client, with the waiting request and the latest run", async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const res = await call(api, 'GET', '/api/periods', { token: staff });
    expect(res.status).toBe(200);
    expect(keys(res.body.items)).toEqual([
      '2025-06 Alpha Traders open',
      '2025-06 Beta Industries open',
      '2025-05 Alpha Traders close_requested',
      '2025-05 Beta Industries closed',
      '2025-04 Alpha Traders closed',
      '2025-04 Beta Industries reopened',
    ]);
    const [reconciled, importedOnly, waiting] = res.body.items as Item[];
    expect(reconciled).toMatchObject({ clientId: firm.clients[0]!.id, latestRun: { runId, status: 'completed' }, closeRequest: null });
    expect(importedOnly!.latestRun).toBeNull();
    expect(waiting!.closeRequest).toMatchObject({ id: requestId, requestedBy: { id: firm.users.staff.id, email: firm.users.staff.email } });
    expect(res.body.nextCursor).toBeNull();
    // When each can be closed: the day after it ends (the API refuses a close before it).
    expect((res.body.items as Array<{ period: string; closableFrom: string }>).map((i) => [i.period, i.closableFrom])).toEqual([
      ['2025-06', '2025-07-01'],
      ['2025-06', '2025-07-01'],
      ['2025-05', '2025-06-01'],
      ['2025-05', '2025-06-01'],
      ['2025-04', '2025-05-01'],
      ['2025-04', '2025-05-01'],
    ]);
  });

  it("says whether each period can be closed now by the server's date in India, on both sides of the day it ends", async () => {
    // The firm admin: staff and the manager hold both of their device slots in this file.
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const alpha = firm.clients[0]!.id;
    const answers = async () => {
      const list = await call(api, 'GET', `/api/periods?clientId=${alpha}`, { token: admin });
      const perClient = await call(api, 'GET', `/api/clients/${alpha}/periods`, { token: admin });
      const detail = await call(api, 'GET', `/api/clients/${alpha}/periods/2025-06`, { token: admin });
      return {
        list: (list.body.items as Array<{ period: string; closable: boolean }>).map((i) => [i.period, i.closable]),
        perClient: (perClient.body.items as Array<{ period: string; closable: boolean }>).map((i) => [i.period, i.closable]),
        detail: [detail.body.period, detail.body.closable, detail.body.closableFrom],
      };
    };
    try {
      // June's last day: June is still running (a close would be 422 period_not_ended), May and April are over.
      pinnedToday = '2025-06-30';
      const lastDay = await answers();
      expect(lastDay).toEqual({
        list: [['2025-06', false], ['2025-05', true], ['2025-04', true]],
        perClient: [['2025-06', false], ['2025-05', true], ['2025-04', true]],
        detail: ['2025-06', false, '2025-07-01'],
      });
      // The next day (its `closableFrom`) the same page, asked again, can be closed: the server's date decides.
      pinnedToday = '2025-07-01';
      expect(await answers()).toEqual({
        list: [['2025-06', true], ['2025-05', true], ['2025-04', true]],
        perClient: [['2025-06', true], ['2025-05', true], ['2025-04', true]],
        detail: ['2025-06', true, '2025-07-01'],
      });
    } finally {
      pinnedToday = null;
    }
  });

  it('filters by state and client, and pages with a cursor', async () => {
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const waiting = await call(api, 'GET', '/api/periods?state=close_requested', { token: manager });
    expect(keys(waiting.body.items)).toEqual(['2025-05 Alpha Traders close_requested']);
    const open = await call(api, 'GET', '/api/periods?state=open', { token: manager });
    expect(keys(open.body.items)).toEqual(['2025-06 Alpha Traders open', '2025-06 Beta Industries open']);
    const worked = await call(api, 'GET', '/api/periods?state=open,reopened', { token: manager });
    expect(keys(worked.body.items)).toEqual(['2025-06 Alpha Traders open', '2025-06 Beta Industries open', '2025-04 Beta Industries reopened']);
    const beta = await call(api, 'GET', `/api/periods?clientId=${firm.clients[1]!.id}`, { token: manager });
    expect(keys(beta.body.items)).toEqual(['2025-06 Beta Industries open', '2025-05 Beta Industries closed', '2025-04 Beta Industries reopened']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageRes: { body: { items: Item[]; nextCursor: string | null } } = await call(api, 'GET', `/api/periods?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: manager });
      expect(pageRes.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...keys(pageRes.body.items));
      cursor = pageRes.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(keys((await call(api, 'GET', '/api/periods', { token: manager })).body.items));
  });

  it("shows a portal user their own client's periods only, without who in the firm asked", async () => {
    const portal = await login(api, firm.users.client.email, firm.users.client.password);
    const res = await call(api, 'GET', '/api/periods', { token: portal });
    expect(res.status).toBe(200);
    expect(keys(res.body.items)).toEqual(['2025-06 Alpha Traders open', '2025-05 Alpha Traders close_requested', '2025-04 Alpha Traders closed']);
    const waiting = (res.body.items as Item[]).find((i) => i.state === 'close_requested')!;
    expect(waiting.closeRequest).toEqual({ id: requestId, requestedAt: expect.any(String) });
    // Another client's id as a filter finds nothing rather than that client's periods.
    const foreign = await call(api, 'GET', `/api/periods?clientId=${firm.clients[1]!.id}`, { token: portal });
    expect(foreign.body.items).toEqual([]);
  });

  it("never shows another firm's periods, even by its client's id", async () => {
    const admin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    const own = await call(api, 'GET', '/api/periods', { token: admin });
    expect(keys(own.body.items)).toEqual(['2025-06 Alpha Traders open', '2025-05 Alpha Traders close_requested']);
    expect((own.body.items as Item[]).every((i) => i.clientId === other.clients[0]!.id)).toBe(true);
    const foreign = await call(api, 'GET', `/api/periods?clientId=${firm.clients[0]!.id}`, { token: admin });
    expect(foreign.body.items).toEqual([]);
  });

  it('forgets a period known only from an import that was undone', async () => {
    // The manager: staff already holds both of its device slots in this file.
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const importId = await insertValidatedImport(db, firm.id, firm.clients[1]!.id, '2025-08', 'purchase_register');
    const before = await call(api, 'GET', '/api/periods?state=open', { token: manager });
    expect(keys(before.body.items)).toContain('2025-08 Beta Industries open');
    const undo = await call(api, 'DELETE', `/api/imports/${importId}`, { token: manager });
    expect(undo.status).toBe(200);
    expect(undo.body.status).toBe('discarded');
    const after = await call(api, 'GET', '/api/periods', { token: manager });
    expect(keys(after.body.items)).not.toContain('2025-08 Beta Industries open');
    const perClient = await call(api, 'GET', `/api/clients/${firm.clients[1]!.id}/periods`, { token: manager });
    expect((perClient.body.items as Array<{ period: string }>).map((p) => p.period)).not.toContain('2025-08');
  });

  it('refuses bad filters with the field named', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const state = await call(api, 'GET', '/api/periods?state=open,pending', { token: staff });
    expect(state.status).toBe(400);
    expect(state.body.error.code).toBe('invalid_input');
    expect(Object.keys(state.body.error.details.fields)).toEqual(['state']);
    const client = await call(api, 'GET', '/api/periods?clientId=alpha', { token: staff });
    expect(Object.keys(client.body.error.details.fields)).toEqual(['clientId']);
    const cursor = await call(api, 'GET', '/api/periods?cursor=not-ours', { token: staff });
    expect(cursor.status).toBe(400);
    expect(Object.keys(cursor.body.error.details.fields)).toEqual(['cursor']);
  });
});
