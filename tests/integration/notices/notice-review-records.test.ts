/**
 * Four eyes over every draft version and each viewer's `canReview`, the close reason and the outside-filing note in their own
 * fields, the partner escalation of a notice taken in long overdue, papers and hearings in the
 * notice's history, and no papers for a closed notice: over HTTP with real PostgreSQL, a real
 * Temporal server and a real worker.
 */
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { minimalPdf } from '../../fixtures/files/pdf';
import { NOTICE_NOTIFICATION_KIND } from '../../../workflows/notice-definitions';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(90_000);

describe('notice review and records', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('notice-records');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db, 'Records Firm');
    for (const role of ['staff', 'manager', 'firm_admin', 'client'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const clientId = () => firm.clients[0]!.id;
  const intake = async (body: Record<string, unknown>, token = tokens.staff!) => {
    const res = await call(api, 'POST', `/api/clients/${clientId()}/notices`, { token, body: { reference: reference(), servedOn: today(), ...body } });
    expect(res.status).toBe(201);
    return res.body as { id: string; workflowId: string; description: string | null };
  };
  const post = (token: string, id: string, step: string, body: unknown = {}) => call(api, 'POST', `/api/notices/${id}/${step}`, { token, body });
  const upload = async (noticeId: string, kind: string, filename = `${kind}.pdf`) => {
    const bytes = minimalPdf(kind);
    const declared = await post(tokens.staff!, noticeId, 'documents', { filename, contentType: 'application/pdf', size: bytes.length, kind });
    expect(declared.status).toBe(201);
    const url = new URL(declared.body.uploadUrl);
    const stored = await fetch(`${api.url}${url.pathname}${url.search}`, { method: 'PUT', body: bytes });
    expect(stored.status).toBe(200);
    return declared.body.documentId as string;
  };

  it('refuses the approval of anyone who drafted any version of the reply, not only the last one', async () => {
    const notice = await intake({ form: 'ASMT-10', assigneeId: firm.users.staff.id });
    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.firm_admin, body: { text: 'First version by the firm admin.' } })).status).toBe(200);
    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.manager, body: { text: 'Second version by the manager.' } })).status).toBe(200);
    expect((await post(tokens.manager!, notice.id, 'submit')).body.state).toBe('in_review');

    const approvals = (await call(api, 'GET', '/api/approvals', { token: tokens.firm_admin })).body.items;
    expect(approvals.find((a: { id: string }) => a.id === notice.id)).toMatchObject({ kind: 'notice_reply', canDecide: false });
    for (const [step, body] of [['approve', { note: 'looks fine' }], ['request-changes', { comment: 'one more table' }]] as const) {
      const refused = await post(tokens.firm_admin!, notice.id, step, body);
      expect([step, refused.status, refused.body.error.code]).toEqual([step, 403, 'self_approval_forbidden']);
    }
    expect((await post(tokens.manager!, notice.id, 'approve')).body.error.code).toBe('self_approval_forbidden');
    const detail = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff })).body;
    expect([detail.state, detail.approvedBy]).toEqual(['in_review', null]);
    expect(await db.owner('audit_events').where({ entity_id: notice.id, action: 'notice.self_approval_refused' }).orderBy('seq').pluck('actor_email')).toEqual([firm.users.firm_admin.email, firm.users.firm_admin.email, firm.users.manager.email]);
  });

  it('tells each viewer whether they may review the reply (canReview), as the workflow and the approvals list decide', async () => {
    // A second manager of the firm: the drafter's colleague, who may review.
    const other = await db.owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firm.id]);
      const { password_hash } = await trx('users').where({ id: firm.users.manager.id }).first('password_hash');
      const email = `second-manager.${firm.id.slice(0, 8)}@firm.test`;
      const [row] = await trx('users').insert({ firm_id: firm.id, email, name: 'Second manager', role: 'manager', password_hash }).returning('id');
      return { id: (row as { id: string }).id, email };
    });
    const viewers = { drafterManager: tokens.manager!, otherManager: await login(api, other.email, firm.users.manager.password), firmAdmin: tokens.firm_admin!, staff: tokens.staff!, client: tokens.client! };
    const rights = async (id: string) => {
      const out: Record<string, unknown> = {};
      for (const [who, token] of Object.entries(viewers)) {
        const res = await call(api, 'GET', `/api/notices/${id}`, { token });
        expect([who, res.status]).toEqual([who, 200]);
        out[who] = [res.body.canReview, res.body.canReviewReason];
      }
      return out;
    };
    const notice = await intake({ form: 'ASMT-10', assigneeId: firm.users.staff.id });
    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.manager, body: { text: 'Drafted by the manager.' } })).status).toBe(200);
    // Still drafting: nobody reviews yet; the drafter is told it is their own reply, whatever the state.
    expect(await rights(notice.id)).toEqual({ drafterManager: [false, 'own_reply'], otherManager: [false, 'not_in_review'], firmAdmin: [false, 'not_in_review'], staff: [false, 'role'], client: [false, 'role'] });

    expect((await post(tokens.manager!, notice.id, 'submit')).body.state).toBe('in_review');
    expect(await rights(notice.id)).toEqual({ drafterManager: [false, 'own_reply'], otherManager: [true, null], firmAdmin: [true, null], staff: [false, 'role'], client: [false, 'role'] });
    // The approvals list applies the same rule (the workflow's refusal of a drafter is the test above).
    for (const [who, token, canDecide] of [['drafterManager', viewers.drafterManager, false], ['otherManager', viewers.otherManager, true]] as const) {
      const item = (await call(api, 'GET', '/api/approvals', { token })).body.items.find((a: { id: string }) => a.id === notice.id);
      expect([who, item?.canDecide]).toEqual([who, canDecide]);
    }
    const approved = await post(viewers.otherManager, notice.id, 'approve', { note: 'Checked by a second pair of eyes.' });
    expect([approved.status, approved.body.state, approved.body.approvedBy]).toEqual([200, 'approved', other.id]);
    expect(await rights(notice.id)).toEqual({ drafterManager: [false, 'own_reply'], otherManager: [false, 'not_in_review'], firmAdmin: [false, 'not_in_review'], staff: [false, 'role'], client: [false, 'role'] });

    // A staff drafter is told the reply is their own too (the page says so), not only that staff do not review.
    const byStaff = await intake({ form: 'ASMT-10', assigneeId: firm.users.staff.id });
    expect((await call(api, 'PUT', `/api/notices/${byStaff.id}/draft`, { token: tokens.staff, body: { text: 'Drafted by staff.' } })).status).toBe(200);
    expect((await post(tokens.staff!, byStaff.id, 'submit')).body.state).toBe('in_review');
    expect(await rights(byStaff.id)).toEqual({ drafterManager: [true, null], otherManager: [true, null], firmAdmin: [true, null], staff: [false, 'own_reply'], client: [false, 'role'] });
  });

  it('keeps the description when closing with a reason or recording an outside reply with a note, and shows both to staff only', async () => {
    const closing = await intake({ form: 'GSTR-3A', description: 'GSTR-3B for September not filed' });
    const closed = await post(tokens.manager!, closing.id, 'close', { outcome: 'withdrawn', reason: 'Officer withdrew it after the return was filed' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ description: 'GSTR-3B for September not filed', outcome: { outcome: 'withdrawn', reason: 'Officer withdrew it after the return was filed' } });
    const asClient = (await call(api, 'GET', `/api/notices/${closing.id}`, { token: tokens.client })).body;
    expect(asClient.outcome).toEqual({ outcome: 'withdrawn', orderForm: null, orderDate: null });
    expect(JSON.stringify(asClient)).not.toContain('Officer withdrew');

    const outside = await intake({ form: 'ASMT-10', description: 'Scrutiny of 2024-25: 3B vs 2B' });
    const ack = await upload(outside.id, 'evidence');
    const filed = await post(tokens.staff!, outside.id, 'outside-reply', { arn: 'AA2712260000123', filedOn: today(), documentIds: [ack], note: 'Client replied on the portal himself' });
    expect(filed.body).toMatchObject({ state: 'filed', description: 'Scrutiny of 2024-25: 3B vs 2B', reply: { filedOutside: true, note: 'Client replied on the portal himself' } });
    expect((await call(api, 'GET', `/api/notices/${outside.id}`, { token: tokens.client })).body.reply).toEqual({ arn: 'AA2712260000123', filedOn: today(), text: null });
  });

  it('escalates a notice taken in six days overdue to the firm admins at once, and once', async () => {
    const due = daysFromToday(-6);
    const notice = await intake({ form: 'ASMT-10', servedOn: daysFromToday(-12), dueDate: due });
    const partnerKey = `partner:${due}`;
    expect((await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.manager })).body.escalations.filter((e: { audience: string }) => e.audience === 'firm_admin').map((e: { key: string }) => e.key)).toEqual([partnerKey]);
    await eventually('the partner escalation fired', async () => (await db.owner('notice_alerts').where({ notice_id: notice.id, step_key: partnerKey }).first()) ?? null, 30_000);
    const told = async () => (await db.owner('notifications').where({ user_id: firm.users.firm_admin.id, kind: NOTICE_NOTIFICATION_KIND }).select('payload')).filter((n: { payload: { noticeId: string; reason: string } }) => n.payload.noticeId === notice.id && n.payload.reason === 'partner_escalation');
    expect(await told()).toHaveLength(1);
    // Re-planned by a later step: the same key, nobody told twice.
    expect((await post(tokens.manager!, notice.id, 'assign', { assigneeId: firm.users.staff.id })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await db.owner('notice_alerts').where({ notice_id: notice.id, step_key: partnerKey }).count('* as n').first()).toEqual({ n: 1 });
    expect(await told()).toHaveLength(1);
  });

  it("lists the notice's papers and hearings in its history, refuses papers once closed, and sends a non-ASCII file name intact", async () => {
    const notice = await intake({ form: 'DRC-01', assigneeId: firm.users.staff.id });
    const paper = await upload(notice.id, 'notice', 'नोटिस DRC.pdf');
    const file = await fetch(`${api.url}/api/notices/${notice.id}/documents/${paper}`, { headers: { authorization: `Bearer ${tokens.staff}` } });
    const disposition = file.headers.get('content-disposition') ?? '';
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('नोटिस DRC.pdf')}`);
    expect(disposition).toContain('filename="_____ DRC.pdf"');
    expect(file.headers.get('content-type')).toBe('application/pdf');

    const hearing = await post(tokens.staff!, notice.id, 'hearings', { at: `${daysFromToday(20)}T11:00:00+05:30` });
    expect(hearing.status).toBe(201);
    await post(tokens.staff!, notice.id, `hearings/${hearing.body.id}/adjourn`, { newAt: `${daysFromToday(27)}T11:00:00+05:30`, reason: 'officer on leave' });
    const history = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.manager })).body.history as Array<{ action: string; entity: string; entityId: string }>;
    expect(history.filter((h) => h.entity !== 'notice').map((h) => `${h.entity} ${h.action}`)).toEqual([
      'notice_document notice.document_requested',
      'notice_document notice.document_received',
      'notice_hearing notice.hearing',
      'notice_hearing notice.adjourn',
    ]);
    expect(history.filter((h) => h.entity === 'notice_document').every((h) => h.entityId === paper)).toBe(true);

    const declared = await post(tokens.staff!, notice.id, 'documents', { filename: 'late.pdf', contentType: 'application/pdf', size: 500, kind: 'working_paper' });
    expect(declared.status).toBe(201);
    expect((await post(tokens.manager!, notice.id, 'close', { outcome: 'dropped' })).status).toBe(200);
    const refused = await post(tokens.staff!, notice.id, 'documents', { filename: 'after.pdf', contentType: 'application/pdf', size: 500, kind: 'working_paper' });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'notice_closed']);
    // A URL asked for before the close takes nothing after it.
    const url = new URL(declared.body.uploadUrl);
    const late = await fetch(`${api.url}${url.pathname}${url.search}`, { method: 'PUT', body: minimalPdf('late') });
    expect([late.status, ((await late.json()) as { error: { code: string } }).error.code]).toEqual([422, 'notice_closed']);
    expect(await db.owner('notice_documents').where({ notice_id: notice.id, status: 'received' }).count('* as n').first()).toEqual({ n: 1 });
  });
});
