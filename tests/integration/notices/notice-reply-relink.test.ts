/**
 * Re-linking a reply to another notice of the same case, over HTTP with real PostgreSQL, a real
 * Temporal server and a real worker (a day of the plan lasting half a second): a filed reply and its
 * evidence move to the notice they answer, whose reminders stay stopped, while the notice left behind
 * reminds again (both workflows follow); a reply in review moves with its four-eyes trail and the
 * approvals inbox follows it; every refusal (another firm's ids, another case, a notice with a reply
 * of its own, nothing to move, a closed notice, no due date) changes nothing; two at once move it
 * once, also when the same re-read frees both; the database lets a draft change its notice and nothing else.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities';
import { inTenantTransaction } from '../../../db/tenant';
import { noticeStatusQuery } from '../../../workflows/notice-definitions';
import { minimalPdf } from '../../fixtures/files/pdf';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { captureLogger } from '../../harness/logs';
import { replayHistories } from '../../harness/replay';
import { connectTestTemporal, testMailDeps, testPayloadCodec, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(90_000);

type History = Awaited<ReturnType<ReturnType<TestTemporal['client']['workflow']['getHandle']>['fetchHistory']>>;
/** The patch ids a history's markers record, in order (the SDK writes each as plain JSON `{id, deprecated}`). */
function patchIds(history: History): string[] {
  return history.events!.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (!marker) return [];
    const payload = marker.details?.['patch-data']?.payloads?.[0];
    const content = payload?.data ? (JSON.parse(Buffer.from(payload.data).toString()) as { id?: string }) : {};
    return [`${marker.markerName}:${content.id ?? '?'}`];
  });
}

/**
 * The test's worker: the real workflow bundle and the real activities, but a notice's re-read
 * (`noticeRefreshFacts`) can be held at a gate, so a test can act while a workflow's facts are old.
 */
let gate: { reached: () => void; opened: Promise<void> } | null = null;
async function startGatedWorker(db: TestDatabase, taskQueue: string) {
  const connection = await NativeConnection.connect({ address: harnessValue('temporalAddress') });
  const activities = createActivities({ knex: db.app, logger: captureLogger('warn').logger, mail: testMailDeps() });
  const real = activities.noticeRefreshFacts;
  activities.noticeRefreshFacts = async (input) => {
    const held = gate;
    if (held) {
      held.reached();
      await held.opened;
    }
    return real(input);
  };
  const w = await Worker.create({ connection, namespace: 'default', taskQueue, workflowBundle: { codePath: harnessValue('workflowBundle') }, dataConverter: { payloadCodecs: [testPayloadCodec()] }, activities });
  const run = w.run().finally(() => connection.close());
  return {
    run,
    async stop() {
      if (w.getState() === 'RUNNING') w.shutdown();
      await run;
    },
  };
}

type Notice = { id: string; workflowId: string; state: string; reminders: Array<{ key: string }>; escalations: Array<{ key: string }>; reply: null | { arn: string; filedOn: string; filedOutside: boolean; evidenceIds: string[] } };

describe('re-linking a reply to another notice of the case', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: { run: Promise<void>; stop(): Promise<void> };
  let firm: TestFirm;
  let other: TestFirm;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('notice-relink');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startGatedWorker(db, taskQueue);
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db, 'Relink Firm');
    other = await createTestFirm(db, 'Other Relink Firm');
    for (const role of ['staff', 'manager', 'firm_admin', 'reviewer'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
    tokens.otherStaff = await login(api, other.users.staff.email, other.users.staff.password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await temporal?.close();
    await db?.drop();
  });

  const intake = async (body: Record<string, unknown>, theFirm = firm, token = tokens.staff!): Promise<Notice> => {
    const res = await call(api, 'POST', `/api/clients/${theFirm.clients[0]!.id}/notices`, { token, body: { reference: reference(), servedOn: today(), assigneeId: theFirm.users.staff.id, ...body } });
    expect(res.status).toBe(201);
    return res.body;
  };
  const relink = (from: string, to: string, token = tokens.staff!, reason = 'The portal attached the reply to the older notice of the case.') =>
    call(api, 'POST', `/api/notices/${from}/reply/relink`, { token, body: { noticeId: to, reason } });
  const detail = async (id: string, token = tokens.manager!) => (await call(api, 'GET', `/api/notices/${id}`, { token })).body;
  const upload = async (noticeId: string, kind: string) => {
    const bytes = minimalPdf(`${kind} of the case`);
    const declared = await call(api, 'POST', `/api/notices/${noticeId}/documents`, { token: tokens.staff, body: { filename: `${kind}.pdf`, contentType: 'application/pdf', size: bytes.length, kind } });
    expect(declared.status).toBe(201);
    const url = new URL(declared.body.uploadUrl);
    const stored = await fetch(`${api.url}${url.pathname}${url.search}`, { method: 'PUT', body: bytes });
    expect(stored.status).toBe(200);
    return declared.body.documentId as string;
  };
  const fired = async (noticeId: string) => db.owner('notice_alerts').where({ notice_id: noticeId }).orderBy('planned_at').select('step_key', 'planned_at') as Promise<Array<{ step_key: string; planned_at: Date }>>;
  const workflowState = async (n: Notice) => (await temporal.client.workflow.getHandle(n.workflowId).query(noticeStatusQuery)).state;
  /** What a refused re-link must leave as it was: both rows and the drafts, reviews and papers of both. */
  const snapshot = async (...ids: string[]) => ({
    notices: await db.owner('notices').whereIn('id', ids).orderBy('id'),
    drafts: await db.owner('notice_drafts').whereIn('notice_id', ids).orderBy('id').select('id', 'notice_id'),
    reviews: await db.owner('notice_reviews').whereIn('notice_id', ids).orderBy('id').select('id', 'notice_id'),
    documents: await db.owner('notice_documents').whereIn('notice_id', ids).orderBy('id').select('id', 'notice_id'),
  });

  it('moves a filed reply and its evidence to the notice it answers; the notice left behind reminds again', async () => {
    const caseId = `AD270${reference('C')}`;
    const due = daysFromToday(40);
    const older = await intake({ form: 'ASMT-10', caseId, dueDate: due });
    const answered = await intake({ form: 'DRC-01', caseId, dueDate: due });
    const noticePdf = await upload(older.id, 'notice');
    const evidence = await upload(older.id, 'evidence');
    const filed = await call(api, 'POST', `/api/notices/${older.id}/outside-reply`, { token: tokens.staff, body: { arn: 'AA270926000077Q', filedOn: today(), documentIds: [evidence] } });
    expect(filed.body).toMatchObject({ state: 'filed', reminders: [], escalations: [] });

    const res = await relink(older.id, answered.id);
    expect(res.status).toBe(200);
    const relinkedAt = Date.now();
    expect(res.body.to).toMatchObject({ id: answered.id, state: 'filed', reply: { arn: 'AA270926000077Q', filedOn: today(), filedOutside: true, evidenceIds: [evidence] }, reminders: [], escalations: [] });
    expect(res.body.from).toMatchObject({ id: older.id, state: 'assigned', reply: null });
    expect(res.body.from.reminders.map((r: { key: string }) => r.key)).toEqual(expect.arrayContaining([`t-7:${due}`, `t-1:${due}`]));

    // The reply's papers went with it; the department's notice stayed with the notice it came with.
    expect((await detail(answered.id)).documents.map((d: { id: string }) => d.id)).toEqual([evidence]);
    expect((await detail(older.id)).documents.map((d: { id: string }) => d.id)).toEqual([noticePdf]);
    expect((await detail(older.id)).caseNotices).toEqual([expect.objectContaining({ id: answered.id, form: 'DRC-01', state: 'filed', acceptsReply: false })]);

    // Both workflows follow: the one that took the reply stops, the one left behind reminds again.
    await eventually('the old notice’s workflow to re-read its notice', async () => (await workflowState(older)) === 'assigned');
    expect(await workflowState(answered)).toBe('filed');
    expect((await temporal.client.workflow.getHandle(answered.workflowId).query(noticeStatusQuery)).next).toBeNull();
    await eventually('the old notice’s T-1 reminder', async () => (await fired(older.id)).some((f) => f.step_key === `t-1:${due}`));
    // Nothing the answered notice planned after it took the reply ever fired (its plan is empty since).
    const late = (await fired(answered.id)).filter((f) => f.planned_at.getTime() >= relinkedAt);
    expect(late).toEqual([]);

    const trail = await db.owner('audit_events').whereIn('entity_id', [older.id, answered.id]).where({ action: 'notice.reply_relinked' }).whereNull('before').orderBy('seq').select('entity_id', 'actor_email', 'after');
    expect(trail).toEqual([
      { entity_id: answered.id, actor_email: firm.users.staff.email, after: expect.objectContaining({ from: older.id, reason: 'The portal attached the reply to the older notice of the case.', state: 'filed', documentIds: [evidence] }) },
      { entity_id: older.id, actor_email: firm.users.staff.email, after: expect.objectContaining({ to: answered.id, state: 'filed' }) },
    ]);
    // The row changes are in the trail too, named the same, by the same person.
    const rowChanges = await db.owner('audit_events').where({ entity_type: 'notice_document', entity_id: evidence, action: 'notice.reply_relinked' }).select('actor_email', 'before', 'after');
    expect(rowChanges).toEqual([{ actor_email: firm.users.staff.email, before: expect.objectContaining({ notice_id: older.id }), after: expect.objectContaining({ notice_id: answered.id }) }]);
    await call(api, 'POST', `/api/notices/${older.id}/close`, { token: tokens.manager, body: { outcome: 'dropped' } });
  });

  it('moves a reply in review with its four-eyes trail: the approvals inbox follows it and its drafter still may not approve it', async () => {
    const caseId = `AD270${reference('C')}`;
    const older = await intake({ form: 'ASMT-10', caseId, assigneeId: firm.users.manager.id }, firm, tokens.manager);
    const newer = await intake({ form: 'DRC-01A', caseId, dueDate: daysFromToday(15) });
    const text = 'Reply in ASMT-11: the difference is the credit note of March.';
    await call(api, 'PUT', `/api/notices/${older.id}/draft`, { token: tokens.manager, body: { text } });
    expect((await call(api, 'POST', `/api/notices/${older.id}/submit`, { token: tokens.manager, body: {} })).body.state).toBe('in_review');

    const res = await relink(older.id, newer.id, tokens.firm_admin);
    expect(res.status).toBe(200);
    // At once: the notice left behind starts over, and its workflow judges the step on the notice as
    // it is now (a step arriving before the re-read waits for it).
    const again = await call(api, 'PUT', `/api/notices/${older.id}/draft`, { token: tokens.manager, body: { text: 'A reply of its own.' } });
    expect([again.status, again.body.state ?? again.body.error?.code]).toEqual([200, 'drafting']);
    expect(res.body.to).toMatchObject({ state: 'in_review', draftedBy: firm.users.manager.id });
    expect(res.body.from).toMatchObject({ state: 'assigned', draftedBy: null });
    const approvals = (await call(api, 'GET', '/api/approvals', { token: tokens.firm_admin })).body.items.map((a: { id: string }) => a.id);
    expect([approvals.includes(newer.id), approvals.includes(older.id)]).toEqual([true, false]);

    const self = await call(api, 'POST', `/api/notices/${newer.id}/approve`, { token: tokens.manager, body: {} });
    expect([self.status, self.body.error?.code]).toEqual([403, 'self_approval_forbidden']);
    const approved = await call(api, 'POST', `/api/notices/${newer.id}/approve`, { token: tokens.firm_admin, body: { note: 'File it on the DRC-01A.' } });
    expect(approved.body).toMatchObject({ state: 'approved', approvedBy: firm.users.firm_admin.id });
    const moved = await detail(newer.id);
    expect(moved.drafts.map((d: { version: number; text: string; draftedBy: string }) => [d.version, d.text, d.draftedBy])).toEqual([[1, text, firm.users.manager.id]]);
    expect((await detail(older.id)).drafts.map((d: { version: number; text: string }) => [d.version, d.text])).toEqual([[1, 'A reply of its own.']]);
    for (const n of [older, newer]) await call(api, 'POST', `/api/notices/${n.id}/close`, { token: tokens.manager, body: { outcome: 'dropped' } });
  });

  it('has a step sent to the old notice while its workflow re-reads it wait for the re-read, then judges it on the notice as it is', async () => {
    const caseId = `AD270${reference('C')}`;
    const older = await intake({ form: 'ASMT-10', caseId });
    const newer = await intake({ form: 'DRC-01', caseId });
    await call(api, 'PUT', `/api/notices/${older.id}/draft`, { token: tokens.staff, body: { text: 'Reply' } });
    await call(api, 'POST', `/api/notices/${older.id}/submit`, { token: tokens.staff, body: {} });
    let reached!: () => void;
    let open!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    gate = { reached, opened: new Promise<void>((resolve) => (open = resolve)) };
    try {
      expect((await relink(older.id, newer.id)).status).toBe(200);
      await atGate; // the old notice's workflow still believes its reply is in review
      const accepted = async () => (await temporal.client.workflow.getHandle(older.workflowId).fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
      const before = await accepted();
      let answer: { status: number; body: { state?: string; error?: { code: string } } } | null = null;
      const sending = call(api, 'PUT', `/api/notices/${older.id}/draft`, { token: tokens.staff, body: { text: 'A reply of its own' } }).then((res) => (answer = res));
      // Accepted and waiting (not refused on the old facts), or answered: whichever comes first.
      await eventually('the draft accepted by the workflow (or answered)', async () => answer ?? ((await accepted()) > before ? 'accepted' : null));
      expect(answer).toBeNull();
      open();
      await sending;
      expect([answer!.status, answer!.body.state ?? answer!.body.error?.code]).toEqual([200, 'drafting']);
      // The waiting step is marked in the history (a patch: older histories replay as they ran), besides
      // the workflow's first look for its notice (another patch), and this history replays through the
      // workflow code without a determinism error.
      const history = await temporal.client.workflow.getHandle(older.workflowId).fetchHistory();
      expect(history.events!.filter((e) => e.markerRecordedEventAttributes).length).toBe(2);
      const replayed = await replayHistories({ codePath: harnessValue('workflowBundle') }, [{ workflowId: older.workflowId, history }]);
      expect(replayed.map((r) => r.error?.message ?? null)).toEqual([null]);
    } finally {
      gate = null;
      open();
    }
  });

  it('refuses what the rule forbids, with the error envelope, and changes nothing', async () => {
    const caseId = `AD270${reference('C')}`;
    const withReply = await intake({ form: 'ASMT-10', caseId });
    await call(api, 'PUT', `/api/notices/${withReply.id}/draft`, { token: tokens.staff, body: { text: 'Reply' } });
    const sameCase = await intake({ form: 'DRC-01', caseId });
    const otherCase = await intake({ form: 'DRC-01', caseId: `${caseId}X` });
    const noCase = await intake({ form: 'DRC-01' });
    const answeredToo = await intake({ form: 'DRC-01', caseId });
    await call(api, 'PUT', `/api/notices/${answeredToo.id}/draft`, { token: tokens.staff, body: { text: 'Its own reply' } });
    const undated = await intake({ form: 'DRC-01A', caseId });
    const closed = await intake({ form: 'DRC-01', caseId });
    await call(api, 'POST', `/api/notices/${closed.id}/close`, { token: tokens.manager, body: { outcome: 'withdrawn' } });
    const theirs = await intake({ form: 'DRC-01', caseId }, other, tokens.otherStaff);
    const ids = [withReply, sameCase, otherCase, noCase, answeredToo, undated, closed].map((n) => n.id);
    const before = await snapshot(...ids, theirs.id);

    // One after another: the refusals' audit rows come in this order.
    const cases: Array<[string, () => Promise<{ status: number; body: { error: { code: string } } }>, number, string]> = [
      ['another firm’s notice as the one to take the reply', () => relink(withReply.id, theirs.id), 404, 'not_found'],
      ['another firm moving our reply', () => relink(withReply.id, sameCase.id, tokens.otherStaff), 404, 'not_found'],
      ['our reply from another firm’s notice', () => relink(theirs.id, sameCase.id), 404, 'not_found'],
      ['another case', () => relink(withReply.id, otherCase.id), 422, 'different_case'],
      ['a notice with no case id', () => relink(withReply.id, noCase.id), 422, 'different_case'],
      ['a notice with a reply of its own', () => relink(withReply.id, answeredToo.id), 422, 'notice_has_reply'],
      ['a notice with nothing to move', () => relink(sameCase.id, undated.id), 422, 'no_reply'],
      ['a reply still in progress to a notice with no due date', () => relink(withReply.id, undated.id), 422, 'due_date_required'],
      ['a closed notice', () => relink(withReply.id, closed.id), 422, 'notice_closed'],
      ['the same notice', () => relink(withReply.id, withReply.id), 400, 'invalid_input'],
      ['no reason', () => call(api, 'POST', `/api/notices/${withReply.id}/reply/relink`, { token: tokens.staff, body: { noticeId: sameCase.id } }), 400, 'invalid_input'],
      ['a reviewer', () => relink(withReply.id, sameCase.id, tokens.reviewer), 403, 'forbidden'],
    ];
    const got = [];
    for (const [what, send] of cases) {
      const res = await send();
      got.push([what, res.status, res.body.error?.code]);
    }
    expect(got).toEqual(cases.map(([what, , status, code]) => [what, status, code]));
    expect(await snapshot(...ids, theirs.id)).toEqual(before);
    const refusals = await db.owner('audit_events').where({ entity_id: withReply.id, action: 'notice.relink_reply_refused' }).orderBy('seq').select('actor_email', 'after');
    expect(refusals.map((r: { after: { refusal: string } }) => r.after.refusal)).toEqual(['different_case', 'different_case', 'notice_has_reply', 'due_date_required', 'notice_closed']);
  });

  it('moves the reply once when the same re-link is sent twice at once', async () => {
    const caseId = `AD270${reference('C')}`;
    const from = await intake({ form: 'ASMT-10', caseId });
    const to = await intake({ form: 'DRC-01', caseId });
    await call(api, 'PUT', `/api/notices/${from.id}/draft`, { token: tokens.staff, body: { text: 'One reply' } });
    const both = await Promise.all([relink(from.id, to.id), relink(from.id, to.id)]);
    const outcomes = both.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.body.error.code}`)).sort();
    expect(outcomes[0]).toBe('200');
    expect(outcomes[1]).toMatch(/^422 (no_reply|notice_has_reply|notice_state_conflict)$/);
    const moves = await db.owner('audit_events').where({ entity_id: to.id, action: 'notice.reply_relinked', entity_type: 'notice' }).whereNull('before').count('* as n').first();
    expect(moves).toEqual({ n: 1 });
    expect((await detail(to.id)).drafts).toHaveLength(1);
  });

  it('runs two steps freed by the same re-read one after the other: the second is judged on what the first did', async () => {
    // Both re-links wait for the old notice's re-read (held at the gate); its end frees both at once.
    const caseId = `AD270${reference('C')}`;
    const older = await intake({ form: 'ASMT-10', caseId });
    const newer = await intake({ form: 'DRC-01', caseId });
    await call(api, 'PUT', `/api/notices/${older.id}/draft`, { token: tokens.staff, body: { text: 'One reply' } });
    let reached!: () => void;
    let open!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    gate = { reached, opened: new Promise<void>((resolve) => (open = resolve)) };
    try {
      expect((await relink(older.id, newer.id)).status).toBe(200);
      await atGate; // the old notice's workflow re-reads it, and holds the notice meanwhile
      const handle = temporal.client.workflow.getHandle(older.workflowId);
      const accepted = async () => (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
      const before = await accepted();
      const answers: Array<{ status: number; body: { error?: { code: string } } }> = [];
      const sending = Promise.all([relink(newer.id, older.id), relink(newer.id, older.id)].map((p) => p.then((res) => (answers.push(res), res))));
      await eventually('both re-links back accepted by the old notice’s workflow (or answered)', async () => (answers.length > 0 ? 'answered' : (await accepted()) >= before + 2 ? 'accepted' : null));
      expect(answers).toEqual([]);
      open();
      const both = await sending;
      const outcomes = both.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.body.error?.code}`)).sort();
      expect(outcomes[0]).toBe('200');
      expect(outcomes[1]).toMatch(/^422 (no_reply|notice_has_reply|notice_state_conflict)$/);
      const moves = await db.owner('audit_events').where({ entity_id: older.id, action: 'notice.reply_relinked', entity_type: 'notice' }).whereNull('before').count('* as n').first();
      expect(moves).toEqual({ n: 2 }); // away, and back once
      expect((await detail(older.id)).drafts).toHaveLength(1);
      // The collision is marked in the history (a patch: histories recorded before ran both), and it
      // replays through the workflow code without a determinism error.
      const history = await handle.fetchHistory();
      // Its own patches, each once: the first look for its row, the steps that waited for the re-read,
      // and the collision (asked only when two steps meet). Under a loaded machine the compressed plan
      // may also reach the notice's T-7 reminder while the test runs; the loop then marks the
      // step-first rule once, and only if a step really fired. Nothing else may be asked: the late
      // partner escalation would mean a plan made past the partner day of a notice due in 30 days.
      const patches = patchIds(history);
      const own = ['core_patch:notice-looks-for-its-row', 'core_patch:notice-step-waits-for-reread', 'core_patch:notice-steps-take-turns'];
      expect(patches.filter((p) => own.includes(p)).sort()).toEqual([...own].sort());
      const fired = Number((await db.owner('notice_alerts').where({ notice_id: older.id }).count('* as n').first())?.n ?? 0);
      expect(patches.filter((p) => !own.includes(p) && p !== 'core_patch:notice-steps-before-reminders')).toEqual([]);
      expect(patches.filter((p) => p === 'core_patch:notice-steps-before-reminders').length).toBeLessThanOrEqual(fired > 0 ? 1 : 0);
      const replayed = await replayHistories({ codePath: harnessValue('workflowBundle') }, [{ workflowId: older.workflowId, history }]);
      expect(replayed.map((r) => r.error?.message ?? null)).toEqual([null]);
    } finally {
      gate = null;
      open();
    }
  });

  it('lets the application move a draft or a review to another notice and change nothing else of it', async () => {
    const caseId = `AD270${reference('C')}`;
    const notice = await intake({ form: 'ASMT-10', caseId });
    await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'As written' } });
    const scope = { firmId: firm.id, actor: { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' } };
    for (const change of [{ text: 'Rewritten afterwards' }, { drafted_by: firm.users.manager.id }, { version: 9 }]) {
      await expect(inTenantTransaction(db.app, scope, (trx) => trx('notice_drafts').where({ notice_id: notice.id }).update(change))).rejects.toThrow(/permission denied/);
    }
    await expect(inTenantTransaction(db.app, scope, (trx) => trx('notice_reviews').where({ notice_id: notice.id }).update({ decision: 'approved' }))).rejects.toThrow(/permission denied/);
    await expect(inTenantTransaction(db.app, scope, (trx) => trx('notice_drafts').where({ notice_id: notice.id }).del())).rejects.toThrow(/permission denied/);
    // Moving it is allowed (and audited); moving it back leaves it as written.
    const moved = await inTenantTransaction(db.app, scope, (trx) => trx('notice_drafts').where({ notice_id: notice.id }).update({ notice_id: notice.id, updated_at: new Date() }));
    expect(moved).toBe(1);
    expect(await db.owner('notice_drafts').where({ notice_id: notice.id }).select('text')).toEqual([{ text: 'As written' }]);
  });
});
