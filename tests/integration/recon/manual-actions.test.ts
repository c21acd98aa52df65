/**
 * Manual actions (docs/reconciliation.md) through the API on the real stack: link, unlink, accept and mark rows of a
 * completed run; the rows, the run summary and the supplier lines move together; the decisions are
 * audited, refused to other roles and firms, and a later run on the same period applies them again.
 */
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import type { RunningWorker } from '../../../ops/worker';
import { eventually } from '../../harness/eventually';
import { importFile, reconData, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(120_000);

const PERIOD = '2024-06';
type Item = { id: string; category: string; accepted: boolean; supplierGstin: string; userStatus: string | null; decisions: Array<{ action: string; note: string | null; by: string }>; itc: { atRisk: number; missed: number; matched: number; toConfirm: number }; books: { invoiceNumber: string; docType: string } | null; portal: { invoiceNumber: string; docType: string } | null };

describe('manual reconciliation actions through the API', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  let staff: string;
  let clientId: string;
  let body: { period: string; registerImportId: string; gstr2bImportId: string };
  let runId: string;

  async function completedRun(options?: { dateWindowDays: number }): Promise<{ runId: string; summary: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const started = await call(api, 'POST', `/api/clients/${clientId}/reconciliations`, { token: staff, body: { ...body, ...(options ? { options } : {}) } });
    expect(started.status).toBe(202);
    const done = await eventually('the run to complete', async () => {
      const res = await call(api, 'GET', `/api/reconciliations/${started.body.runId}`, { token: staff });
      return res.body.status === 'completed' ? res.body : null;
    });
    return { runId: started.body.runId, summary: done.summary };
  }

  async function allRows(id: string): Promise<Item[]> {
    const rows: Item[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(api, 'GET', `/api/reconciliations/${id}/results?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token: staff });
      expect(res.status).toBe(200);
      rows.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return rows;
  }

  const act = (id: string, payload: Record<string, unknown>, token = staff) => call(api, 'POST', `/api/reconciliations/${id}/actions`, { token, body: payload });

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 8 });
    const taskQueue = uniqueTaskQueue('recon-actions');
    temporal = await connectTestTemporal();
    api = await startReconApi(db, { taskQueue });
    worker = await startTestWorker({ knex: db.app, taskQueue });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const client = firm.clients[0]!;
    clientId = client.id;
    const data = reconData(client.gstin, 150);
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    body = { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId };
    runId = (await completedRun()).runId;
  });
  afterAll(async () => {
    await worker.shutdown();
    await api.close();
    await temporal.close();
    await db.drop();
  });

  it('links, unlinks, accepts and marks rows; rows, summary and supplier lines move together', async () => {
    const rows = await allRows(runId);
    expect(rows.map((r) => r.category)).toEqual(expect.arrayContaining(['missing_in_2b', 'missing_in_books', 'exact_match']));
    // Two documents a person could link: of the same type (an invoice never links to a credit
    // note), one supplier's when the data has such a pair, else two GSTINs, confirmed.
    const linkable = (b: Item, p: Item) => b.category === 'missing_in_2b' && p.category === 'missing_in_books' && b.books!.docType === p.portal!.docType;
    const pairs = rows.flatMap((b) => rows.filter((p) => linkable(b, p)).map((p) => [b, p] as const));
    const [booksOnly, portalOnly] = pairs.find(([b, p]) => b.supplierGstin === p.supplierGstin) ?? pairs[0]!;
    const confirm = booksOnly.supplierGstin === portalOnly.supplierGstin ? {} : { confirmDifferentGstin: true };
    const exact = rows.find((r) => r.category === 'exact_match')!;
    const before = (await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff })).body.summary;

    // Link: one manual_match row in the books row's place, the portal-only row gone.
    const linked = await act(runId, { action: 'link', booksResultId: booksOnly.id, portalResultId: portalOnly.id, note: 'supplier confirmed the number by mail', ...confirm });
    expect(linked.status).toBe(200);
    expect(linked.body.removed).toEqual([portalOnly.id]);
    const link = linked.body.items[0] as Item;
    expect(link).toMatchObject({ category: 'manual_match', accepted: true });
    expect(link.decisions).toEqual([expect.objectContaining({ action: 'link', note: 'supplier confirmed the number by mail', by: firm.users.staff.email })]);
    // A double click: the rows it names are gone, nothing changes twice.
    expect((await act(runId, { action: 'link', booksResultId: booksOnly.id, portalResultId: portalOnly.id, ...confirm })).status).toBe(404);

    // Unlink: the pair's portal half comes right after its books half in the result order.
    const unlinked = await act(runId, { action: 'unlink', resultId: exact.id });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body.items.map((i: Item) => i.category)).toEqual(['missing_in_2b', 'missing_in_books']);
    const [bHalf, pHalf] = unlinked.body.items as Item[];

    // Mark: ignoring needs a reason; the mark changes no figure.
    const noReason = await act(runId, { action: 'ignore', resultId: bHalf!.id });
    expect(noReason.status).toBe(400);
    const ignored = await act(runId, { action: 'ignore', resultId: bHalf!.id, note: 'credit not claimed this year' });
    expect(ignored.status).toBe(200);
    expect(ignored.body.items[0]).toMatchObject({ userStatus: 'ignored' });
    expect((await act(runId, { action: 'pending', resultId: link.id })).body.items[0]).toMatchObject({ userStatus: 'pending', category: 'manual_match' });

    // Accept: only probable matches (accepting rows is covered in tests/unit/recon/manual-actions.test.ts).
    expect((await act(runId, { action: 'accept', resultId: link.id })).status).toBe(409);

    const after = await allRows(runId);
    const ids = after.map((r) => r.id);
    expect(ids).toContain(link.id);
    expect(ids).not.toContain(booksOnly.id);
    expect(ids).not.toContain(portalOnly.id);
    expect(ids).not.toContain(exact.id);
    expect(ids.indexOf(pHalf!.id)).toBe(ids.indexOf(bHalf!.id) + 1);
    expect(after).toHaveLength(rows.length);

    // The summary moved by exactly those rows (counts per category; ITC at risk recomputed).
    const summary = (await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff })).body.summary;
    expect(summary.counts.manual_match).toBe((before.counts.manual_match ?? 0) + 1);
    expect(summary.counts.exact_match).toBe(before.counts.exact_match - 1);
    // The ignored books half is left out of the counts (no follow-up lists it), and counted as set aside.
    expect(summary.counts.missing_in_2b).toBe(before.counts.missing_in_2b - 1 + 1 - 1);
    expect(summary.countsSetAside).toEqual({ missing_in_2b: 1 });
    expect(summary.counts.missing_in_books).toBe(before.counts.missing_in_books - 1 + 1);
    expect(summary.results).toBe(before.results);
    // ITC at risk: the sum over the rows but for the ignored document its statement no longer asks
    // about (no follow-up lists it), shown as set aside.
    const risk = (items: Item[]) => Math.round(items.reduce((s, r) => s + r.itc.atRisk, 0) * 100);
    const setAside = risk(after.filter((r) => r.id === bHalf!.id));
    expect(setAside).toBeGreaterThan(0);
    expect({ risk: Math.round(summary.itcAtRisk * 100), aside: Math.round(summary.itcSetAside * 100) })
      .toEqual({ risk: risk(after.filter((r) => r.id !== bHalf!.id)), aside: setAside });

    // Supplier lines: the same for each supplier, and they add up to the run's figure; each line
    // counts the documents a client chase would list (not ignored, missing in the books or different).
    type Line = { supplierGstin: string; itcAtRisk: number; itcSetAside: number; chaseableCount: number };
    const suppliers = (await call(api, 'GET', `/api/reconciliations/${runId}/suppliers?limit=500`, { token: staff })).body.items as Line[];
    for (const gstin of new Set([link.supplierGstin, bHalf!.supplierGstin, booksOnly.supplierGstin])) {
      const line = suppliers.find((s) => s.supplierGstin === gstin);
      const aside = after.filter((r) => r.supplierGstin === gstin && r.id === bHalf!.id);
      expect({ gstin, risk: Math.round((line?.itcAtRisk ?? 0) * 100), aside: Math.round((line?.itcSetAside ?? 0) * 100) })
        .toEqual({ gstin, risk: risk(after.filter((r) => r.supplierGstin === gstin && r.id !== bHalf!.id)), aside: risk(aside) });
    }
    expect(suppliers.reduce((t, s) => t + Math.round(s.itcAtRisk * 100), 0)).toBe(Math.round(summary.itcAtRisk * 100));
    const chaseable = (gstin: string) => after.filter((r) => r.supplierGstin === gstin && ['missing_in_books', 'mismatch'].includes(r.category) && r.userStatus !== 'ignored').length;
    expect(suppliers.filter((s) => s.chaseableCount !== chaseable(s.supplierGstin)).map((s) => [s.supplierGstin, s.chaseableCount, chaseable(s.supplierGstin)])).toEqual([]);

    // Every decision is in the audit trail under its action.
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const audit = await call(api, 'GET', '/api/audit?entityType=reconciliation_decision', { token: admin });
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e: { action: string }) => e.action).sort()).toEqual(
      ['reconciliation.ignore', 'reconciliation.link', 'reconciliation.pending', 'reconciliation.unlink'],
    );
  });

  it('refuses readers, other firms and unknown rows', async () => {
    const reviewer = await login(api, firm.users.reviewer.email, firm.users.reviewer.password);
    const row = (await allRows(runId))[0]!;
    expect((await act(runId, { action: 'pending', resultId: row.id }, reviewer)).status).toBe(403);
    const stranger = await login(api, other.users.staff.email, other.users.staff.password);
    expect((await act(runId, { action: 'pending', resultId: row.id }, stranger)).status).toBe(404);
    expect((await act(runId, { action: 'pending', resultId: 'no-such-row|' })).status).toBe(404);
    expect((await act(runId, { action: 'explode', resultId: row.id })).status).toBe(400);
  });

  it('a later run of the period applies the decisions again, and the earlier run takes no more', async () => {
    const earlier = await allRows(runId);
    const rerun = await completedRun({ dateWindowDays: 11 });
    expect(rerun.runId).not.toBe(runId);
    const rows = await allRows(rerun.runId);
    const manual = rows.filter((r) => r.category === 'manual_match');
    expect(manual).toHaveLength(1);
    expect(manual[0]).toMatchObject({ id: earlier.find((r) => r.category === 'manual_match')!.id, userStatus: 'pending' });
    const ignored = rows.filter((r) => r.userStatus === 'ignored');
    expect(ignored.map((r) => [r.id, r.category])).toEqual(earlier.filter((r) => r.userStatus === 'ignored').map((r) => [r.id, r.category]));
    expect(rerun.summary.counts.manual_match).toBe(1);

    const old = await act(runId, { action: 'pending', resultId: earlier[0]!.id });
    expect(old.status).toBe(409);
    expect(old.body.error.code).toBe('reconciliation_superseded');
  });
});
