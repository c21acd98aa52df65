/**
 * Two rules of reading and changing periods, through the real api, PostgreSQL, Temporal server and
 * worker: a period is checked against the filing frequency in force for it (a monthly period closed
 * before the client moved to quarterly filing can still be reopened, and earlier monthly periods
 * closed), and a portal (client) user reads periods and close requests without the firm's people,
 * internal notes or workflow ids.
 */
import { frequencyChangeFrom } from '../../../domain/calendar/rules';
import { call, login, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { startPeriodStack, type PeriodStack } from '../../harness/period-stack';
import { seedReconciledPeriod } from './helpers';

/** `YYYY-MM` plus `n` months. */
function addMonths(period: string, n: number): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

describe('periods and filing frequency, and the portal view', () => {
  let stack: PeriodStack;
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startPeriodStack('period-views', ['firm_admin', 'manager', 'staff', 'client']);
    ({ db, api, firm } = stack);
    Object.assign(tokens, stack.tokens);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function close(clientId: string, period: string, note?: string): Promise<string> {
    await seedReconciledPeriod(db, firm.id, clientId, period);
    const requested = await call(api, 'POST', `/api/clients/${clientId}/periods/${period}/close`, { token: tokens.staff, body: note ? { note } : {} });
    expect({ period, status: requested.status }).toEqual({ period, status: 202 });
    const approved = await call(api, 'POST', `/api/close-requests/${requested.body.closeRequestId}/approve`, { token: tokens.manager, body: { note: 'checked by the manager' } });
    expect({ period, status: approved.status }).toEqual({ period, status: 200 });
    return requested.body.closeRequestId;
  }

  it('reopens a monthly period, and closes an earlier one, after the client moved to quarterly filing', async () => {
    const clientId = firm.clients[1]!.id;
    // The change applies from the quarter the option window allows; the months before stay monthly.
    const from = frequencyChangeFrom(new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10));
    // Quarters' second months (never a quarter's name), over whatever day this runs: the change's quarter
    // can begin next month, so two months before it may still be running.
    const closedMonth = addMonths(from, -5);
    const earlierMonth = addMonths(from, -8);
    await close(clientId, closedMonth);

    const changed = await call(api, 'PATCH', `/api/clients/${clientId}`, { token: tokens.firm_admin, body: { filingFrequency: 'quarterly' } });
    expect({ status: changed.status, filingFrequency: changed.body.filingFrequency }).toEqual({ status: 200, filingFrequency: 'quarterly' });

    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
    const reopened = await call(api, 'POST', `/api/clients/${clientId}/periods/${closedMonth}/reopen`, { token: admin, body: { reason: 'a supplier invoice to correct', reasonCode: 'correction', confirmPastCutoff: true } });
    expect({ status: reopened.status, state: reopened.body.state, error: reopened.body.error }).toEqual({ status: 200, state: 'reopened', error: undefined });

    await close(clientId, earlierMonth);
    expect((await call(api, 'GET', `/api/clients/${clientId}/periods/${earlierMonth}`, { token: tokens.staff })).body.state).toBe('closed');

    // From the change on the client files quarters: a month inside one is a well-formed period the
    // client's frequency refuses (422, as imports answer), nothing written.
    const insideMonth = addMonths(from, 1);
    const inside = await call(api, 'POST', `/api/clients/${clientId}/periods/${insideMonth}/close`, { token: tokens.staff, body: {} });
    expect({ status: inside.status, code: inside.body.error?.code, details: inside.body.error?.details }).toEqual({
      status: 422,
      code: 'period_not_quarter_end',
      details: { period: insideMonth, filingFrequency: 'quarterly', quarterEnd: addMonths(from, 2), fields: { period: expect.any(String) } },
    });
    expect(await db.owner('periods').where({ client_id: clientId, period: insideMonth }).count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('tells each reader what they may do with a pending request: another manager or firm admin decides, staff withdraw only their own', async () => {
    const clientId = firm.clients[0]!.id;
    const period = '2025-02';
    await seedReconciledPeriod(db, firm.id, clientId, period);
    const { closeRequestId } = (await call(api, 'POST', `/api/clients/${clientId}/periods/${period}/close`, { token: tokens.manager, body: {} })).body;
    const rights = async (role: string) => {
      const detail = await call(api, 'GET', `/api/clients/${clientId}/periods/${period}`, { token: tokens[role] });
      const request = detail.body.closeRequests.find((r: { id: string }) => r.id === closeRequestId);
      return { role, canDecide: request.canDecide, canWithdraw: request.canWithdraw };
    };
    expect(await Promise.all(['manager', 'firm_admin', 'staff'].map(rights))).toEqual([
      { role: 'manager', canDecide: false, canWithdraw: true },
      { role: 'firm_admin', canDecide: true, canWithdraw: true },
      { role: 'staff', canDecide: false, canWithdraw: false },
    ]);
    // The server holds them to it: staff's withdrawal of another's request is refused.
    expect((await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.staff, body: {} })).status).toBe(403);
    const approvals = await call(api, 'GET', '/api/approvals', { token: tokens.manager });
    expect(approvals.body.items.find((i: { id: string }) => i.id === closeRequestId)).toMatchObject({ canDecide: false, canWithdraw: true });
    expect((await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.manager, body: {} })).status).toBe(200);
    expect(await rights('firm_admin')).toEqual({ role: 'firm_admin', canDecide: false, canWithdraw: false });
  });

  it("shows a portal user the period's states and dates, never the firm's people, notes or workflow ids", async () => {
    const clientId = firm.clients[0]!.id;
    const period = '2025-05';
    const closeRequestId = await close(clientId, period, 'internal: supplier X still owes two invoices');

    const firmView = await call(api, 'GET', `/api/clients/${clientId}/periods/${period}`, { token: tokens.manager });
    expect(firmView.body).toMatchObject({ state: 'closed', closedBy: firm.users.manager.id, changedBy: firm.users.manager.id, note: 'checked by the manager' });
    expect(firmView.body.closeRequests[0]).toMatchObject({ id: closeRequestId, note: 'internal: supplier X still owes two invoices', requestedBy: { id: firm.users.staff.id }, decision: { by: { id: firm.users.manager.id }, note: 'checked by the manager' } });
    expect(firmView.body.closeRequests[0].workflowId).toContain(closeRequestId);

    const detail = await call(api, 'GET', `/api/clients/${clientId}/periods/${period}`, { token: tokens.client });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ period, state: 'closed', clientId });
    expect(Date.parse(detail.body.closedAt)).not.toBeNaN();
    const periodKeys = Object.keys(detail.body).sort();
    expect(periodKeys).toEqual(['changedAt', 'clientId', 'closable', 'closableFrom', 'closeRequestId', 'closeRequests', 'closedAt', 'closesWith', 'evidenceHash', 'period', 'periodLabel', 'reopenCount', 'state', 'warnings']);
    expect(detail.body.closableFrom).toBe('2025-06-01');
    expect(detail.body.closable).toBe(true); // June 2025 is long over
    const [request] = detail.body.closeRequests;
    expect(Object.keys(request).sort()).toEqual(['clientId', 'decision', 'evidence', 'id', 'period', 'requestedAt', 'status']);
    expect(Object.keys(request.decision)).toEqual(['at']);
    expect(request).toMatchObject({ id: closeRequestId, status: 'approved' });

    const single = await call(api, 'GET', `/api/close-requests/${closeRequestId}`, { token: tokens.client });
    expect(single.status).toBe(200);
    expect(Object.keys(single.body).sort()).toEqual(['clientId', 'decision', 'evidence', 'id', 'period', 'requestedAt', 'status']);
    const list = await call(api, 'GET', `/api/clients/${clientId}/periods`, { token: tokens.client });
    const listed = list.body.items.find((p: { period: string }) => p.period === period);
    for (const hidden of ['note', 'changedBy', 'closedBy', 'reasonCode', 'selfApproved']) expect({ hidden, present: hidden in listed }).toEqual({ hidden, present: false });
    // Nothing of the firm's people or notes anywhere in the answers.
    for (const text of [detail.text, single.text, list.text]) {
      for (const secret of [firm.users.staff.id, firm.users.manager.id, firm.users.staff.email, firm.users.manager.email, 'supplier X', 'checked by the manager', 'period-close:']) {
        expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
      }
    }
  });
});
