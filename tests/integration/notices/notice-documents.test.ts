/**
 * A notice's papers over HTTP with real PostgreSQL, a real Temporal server and a real worker: the
 * notice's PDF through a signed single-use URL (checked by content, a PDF's structure included,
 * size-capped), drafts citing only this notice's received documents, and a reply made outside
 * Taalmel recorded with its evidence, which stops the reminders like a filing.
 */
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { minimalPdf } from '../../fixtures/files/pdf';
import { reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(60_000);

const MAX_BYTES = 64 * 1024;

describe('notice documents and replies made outside Taalmel', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('notice-docs');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE, maxFileBytes: MAX_BYTES } });
    firm = await createTestFirm(db, 'Papers Firm');
    other = await createTestFirm(db, 'Other Papers Firm');
    for (const role of ['staff', 'manager', 'client'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
    tokens.otherStaff = await login(api, other.users.staff.email, other.users.staff.password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const intake = async (token = tokens.staff!, clientId = firm.clients[0]!.id) => {
    const res = await call(api, 'POST', `/api/clients/${clientId}/notices`, { token, body: { form: 'ASMT-10', reference: reference(), servedOn: today(), assigneeId: token === tokens.staff ? firm.users.staff.id : undefined } });
    expect(res.status).toBe(201);
    return res.body as { id: string; reminders: unknown[]; escalations: unknown[] };
  };
  const declare = (noticeId: string, body: Record<string, unknown>, token = tokens.staff!) => call(api, 'POST', `/api/notices/${noticeId}/documents`, { token, body });
  const put = async (uploadUrl: string, bytes: Buffer) => {
    const url = new URL(uploadUrl);
    const res = await fetch(`${api.url}${url.pathname}${url.search}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const upload = async (noticeId: string, kind: string, bytes: Buffer, token = tokens.staff!) => {
    const declared = await declare(noticeId, { filename: `${kind}.pdf`, contentType: 'application/pdf', size: bytes.length, kind }, token);
    expect(declared.status).toBe(201);
    const stored = await put(declared.body.uploadUrl, bytes);
    return { declared: declared.body as { documentId: string; uploadUrl: string }, stored };
  };

  it("stores the notice's PDF once through its signed URL, with its SHA-256, and serves it back", async () => {
    const notice = await intake();
    const pdf = minimalPdf('ASMT-10 for 2024-25');
    const { declared, stored } = await upload(notice.id, 'notice', pdf);
    expect(declared.uploadUrl).toContain('/api/notice-uploads?token=');
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ documentId: declared.documentId, noticeId: notice.id, kind: 'notice', contentType: 'application/pdf', size: pdf.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const again = await put(declared.uploadUrl, pdf);
    expect([again.status, again.body.error.code]).toEqual([403, 'upload_url_used']);

    const detail = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.manager })).body;
    expect(detail.documents).toEqual([expect.objectContaining({ id: declared.documentId, kind: 'notice', filename: 'notice.pdf', size: pdf.length, uploadedBy: firm.users.staff.id })]);
    const file = await fetch(`${api.url}/api/notices/${notice.id}/documents/${declared.documentId}`, { headers: { authorization: `Bearer ${tokens.manager}` } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await file.arrayBuffer()).equals(pdf)).toBe(true);

    // The trail names the person who asked for the URL, and never holds the bytes.
    const audit = await db.owner('audit_events').where({ entity_type: 'notice_document', entity_id: declared.documentId }).orderBy('seq').select('action', 'actor_email', 'after');
    expect(audit.map((a: { action: string; actor_email: string }) => `${a.action} ${a.actor_email}`)).toEqual([`notice.document_requested ${firm.users.staff.email}`, `notice.document_received ${firm.users.staff.email}`]);
    expect(JSON.stringify(audit)).not.toContain('%PDF');
  });

  it('refuses by content: a program named .pdf, a broken PDF, an undeclared type; and caps the size', async () => {
    const notice = await intake();
    const fakes: Array<[string, Buffer]> = [
      ['a program', Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03]), Buffer.alloc(200)])],
      ['only the PDF magic', Buffer.from('%PDF-1.7\nnot really a PDF\n')],
      ['a PDF cut short', minimalPdf().subarray(0, 200)],
    ];
    for (const [why, bytes] of fakes) {
      const declared = await declare(notice.id, { filename: 'notice.pdf', contentType: 'application/pdf', size: bytes.length, kind: 'notice' });
      const stored = await put(declared.body.uploadUrl, bytes);
      expect([why, stored.status, stored.body.error.code]).toEqual([why, 415, 'unsupported_type']);
      expect(await db.owner('notice_documents').where({ id: declared.body.documentId }).first('status', 'content')).toEqual({ status: 'rejected', content: null });
    }
    const exe = await declare(notice.id, { filename: 'x.exe', contentType: 'application/x-msdownload', size: 10, kind: 'notice' });
    expect([exe.status, exe.body.error.code]).toEqual([415, 'unsupported_type']);
    const big = await declare(notice.id, { filename: 'big.pdf', contentType: 'application/pdf', size: MAX_BYTES + 1, kind: 'notice' });
    expect([big.status, big.body.error.code]).toEqual([413, 'too_large']);
    // A declared size is only a claim: the bytes are counted as they arrive.
    const lied = await declare(notice.id, { filename: 'small.pdf', contentType: 'application/pdf', size: 100, kind: 'notice' });
    const tooMany = await put(lied.body.uploadUrl, Buffer.concat([minimalPdf(), Buffer.alloc(MAX_BYTES)]));
    expect(tooMany.status).toBe(413);
    const badKind = await declare(notice.id, { filename: 'n.pdf', contentType: 'application/pdf', size: 10, kind: 'selfie' });
    expect([badKind.status, Object.keys(badKind.body.error.details.fields)]).toEqual([400, ['kind']]);
    const forged = await put(`${api.url}/api/notice-uploads?token=${encodeURIComponent(lied.body.uploadUrl.split('token=')[1].slice(0, -4) + 'AAAA')}`, minimalPdf());
    expect([forged.status, forged.body.error.code]).toEqual([403, 'upload_url_invalid']);
    expect((await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff })).body.documents).toEqual([]);
  });

  it('stores the type the name and the browser\'s type name, and holds the bytes to it whatever the browser said', async () => {
    const notice = await intake();
    // Declared by name only (the browser said octet-stream): the content must still be a PDF.
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
    const byName = await declare(notice.id, { filename: 'a.pdf', contentType: 'application/octet-stream', size: png.length, kind: 'notice' });
    expect(byName.status).toBe(201);
    expect((await db.owner('notice_documents').where({ id: byName.body.documentId }).first('declared_type')).declared_type).toBe('application/pdf');
    const refused = await put(byName.body.uploadUrl, png);
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([415, 'unsupported_type', { declared: 'application/pdf', detected: 'image/png' }]);
    expect(await db.owner('notice_documents').where({ id: byName.body.documentId }).first('status', 'content')).toEqual({ status: 'rejected', content: null });
    // A real PDF the browser labelled as an Excel file is taken as the PDF it is.
    const pdf = minimalPdf('labelled as Excel');
    const labelled = await declare(notice.id, { filename: 'a.pdf', contentType: 'application/vnd.ms-excel', size: pdf.length, kind: 'notice' });
    expect(labelled.status).toBe(201);
    const stored = await put(labelled.body.uploadUrl, pdf);
    expect(stored).toMatchObject({ status: 200, body: { documentId: labelled.body.documentId, contentType: 'application/pdf' } });
  });

  it("keeps documents to their firm and notice: another firm's notice is 404, a draft may cite only this notice's received documents", async () => {
    const notice = await intake();
    const second = await intake();
    const mine = await upload(notice.id, 'working_paper', minimalPdf('reconciliation'));
    const theirs = await upload(second.id, 'working_paper', minimalPdf('other notice'));
    const pending = await declare(notice.id, { filename: 'later.pdf', contentType: 'application/pdf', size: 500, kind: 'reply' });

    expect((await declare(notice.id, { filename: 'x.pdf', contentType: 'application/pdf', size: 10, kind: 'notice' }, tokens.otherStaff)).status).toBe(404);
    expect((await call(api, 'GET', `/api/notices/${notice.id}/documents/${mine.declared.documentId}`, { token: tokens.otherStaff })).status).toBe(404);
    expect((await call(api, 'GET', `/api/notices/${second.id}/documents/${mine.declared.documentId}`, { token: tokens.staff })).status).toBe(404);
    // The client's own users see the department's papers, not the firm's working papers.
    const own = await upload(notice.id, 'notice', minimalPdf('the notice itself'));
    expect((await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.client })).body.documents.map((d: { id: string }) => d.id)).toEqual([own.declared.documentId]);
    expect((await call(api, 'GET', `/api/notices/${notice.id}/documents/${mine.declared.documentId}`, { token: tokens.client })).status).toBe(404);
    expect((await call(api, 'GET', `/api/notices/${notice.id}/documents/${own.declared.documentId}`, { token: tokens.client })).status).toBe(200);

    const draft = (documentIds: string[]) => call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'Reply with the reconciliation attached.', documentIds } });
    for (const wrong of [[theirs.declared.documentId], [pending.body.documentId], ['00000000-0000-4000-8000-000000000000']]) {
      const refused = await draft([mine.declared.documentId, ...wrong]);
      expect([refused.status, refused.body.error.code, refused.body.error.details.fields.unknownIds]).toEqual([400, 'invalid_input', wrong]);
    }
    expect(await db.owner('notice_drafts').where({ notice_id: notice.id }).count('* as n').first()).toEqual({ n: 0 });
    const saved = await draft([mine.declared.documentId]);
    expect(saved.status).toBe(200);
    const detail = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff })).body;
    expect(detail.drafts.map((d: { documentIds: string[] }) => d.documentIds)).toEqual([[mine.declared.documentId]]);
  });

  it('records a reply made outside Taalmel with its ARN, date and evidence: filed, reminders stop', async () => {
    const notice = await intake();
    expect(notice.reminders.length).toBeGreaterThan(0);
    const paper = await upload(notice.id, 'working_paper', minimalPdf('working paper'));
    const path = `/api/notices/${notice.id}/outside-reply`;
    const noEvidence = await call(api, 'POST', path, { token: tokens.staff, body: { arn: 'AA2712260000099', filedOn: today(), documentIds: [] } });
    expect([noEvidence.status, Object.keys(noEvidence.body.error.details.fields)]).toEqual([400, ['documentIds']]);
    // A working paper is not evidence of the filing.
    const notEvidence = await call(api, 'POST', path, { token: tokens.staff, body: { arn: 'AA2712260000099', filedOn: today(), documentIds: [paper.declared.documentId] } });
    expect([notEvidence.status, notEvidence.body.error.details.fields.unknownIds]).toEqual([400, [paper.declared.documentId]]);
    const ack = await upload(notice.id, 'evidence', minimalPdf('portal acknowledgement'));
    expect((await call(api, 'POST', path, { token: tokens.client, body: { arn: 'AA2712260000099', filedOn: today(), documentIds: [ack.declared.documentId] } })).status).toBe(403);

    const recorded = await call(api, 'POST', path, { token: tokens.staff, body: { arn: 'AA2712260000099', filedOn: today(), documentIds: [ack.declared.documentId], note: 'Replied on the portal by the client directly' } });
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({ state: 'filed', reply: { arn: 'AA2712260000099', filedOn: today(), filedOutside: true, evidenceIds: [ack.declared.documentId] }, reminders: [], escalations: [] });
    const twice = await call(api, 'POST', path, { token: tokens.staff, body: { arn: 'AA2712260000099', filedOn: today(), documentIds: [ack.declared.documentId] } });
    expect([twice.status, twice.body.error.code]).toEqual([422, 'notice_state_conflict']);
    const history = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.manager })).body.history.map((h: { action: string }) => h.action);
    expect(history).toContain('notice.file_outside');
  });
});
