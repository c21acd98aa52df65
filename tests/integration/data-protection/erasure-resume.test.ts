/**
 * An erasure that fails after its deletion committed is resumed by the same request: the real api,
 * PostgreSQL, Temporal server and worker. The failure is injected honestly: the worker first runs
 * without its certificate signing key (its data-protection setting, which the test owns), so the
 * deletion commits and the certification fails. The client is gone by then; replaying the request
 * resumes the same erasure, which never deletes a second time (a row planted after the deletion
 * survives the retry), refuses to sign while a row of the client remains, and signs once nothing does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import type { DataProtectionDeps } from '../../../activities/data-protection-deps';
import { verifyCertificate } from '../../../db/security/certificate-key';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { dataProtectionDepsIn, seedNoticeWithPapers, until } from './helpers';

jest.setTimeout(180_000);

describe('resuming an erasure that failed after its deletion committed', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let deps: DataProtectionDeps;
  let publicJwk: JWK;
  let signingKey: string | undefined;
  const taskQueue = uniqueTaskQueue('erasure-resume');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-erasure-resume-'));

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    ({ deps, publicJwk } = await dataProtectionDepsIn(root, db.url));
    signingKey = deps.certificateKey;
    worker = await startTestWorker({ knex: db.app, taskQueue, dataProtection: deps });
    api = await startTestApi(db, {}, { taskQueue, dataProtection: { exportDir: deps.exportDir, certificatePublicKey: publicJwk, cancelGraceSeconds: 5 } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('fails certification once (worker without its signing key), then the replayed request recounts and signs without deleting twice', async () => {
    const client = firm.clients[0]!;
    const notice = await seedNoticeWithPapers(db.owner, firm.id, client, firm.users.staff.id, { name: 'notice.pdf', bytes: Buffer.from('%PDF-1.7\nresume\n') });
    const token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
    const body = { reason: 'engagement ended', confirmName: client.name };
    const erase = () => call(api, 'POST', `/api/clients/${client.id}/erasure`, { token, body });
    const settled = (erasureId: string, what: string) =>
      until(what, async () => {
        const res = await call(api, 'GET', `/api/erasures/${erasureId}`, { token });
        return ['failed', 'completed'].includes(res.body?.status) ? res.body : null;
      }, 120_000);
    const record = (erasureId: string) => db.owner('client_erasures').where({ id: erasureId }).first('deleted', 'data_deleted_at');
    const redactions = async () => Number((await db.owner('audit_events').where({ firm_id: firm.id, action: 'client.erasure_redacted' }).count({ n: '*' }))[0]!.n);

    // 1. The worker has no signing key: the deletion commits, the certification fails.
    deps.certificateKey = undefined;
    const first = await erase();
    expect(first.status).toBe(202);
    const { erasureId, workflowId } = first.body;
    const failed = await settled(erasureId, 'the first attempt to fail');
    expect(failed).toMatchObject({ status: 'failed', certificate: null, certificateJws: null });
    expect(failed.failureReason).toContain('CERTIFICATE_SIGNING_KEY is not configured');
    expect(await db.owner('clients').where({ id: client.id })).toEqual([]);
    const committed = await record(erasureId);
    expect(committed.data_deleted_at).not.toBeNull();
    expect(await redactions()).toBe(1);

    // 2. A draft of the erased notice turns up after the deletion (planted past its foreign key).
    //    The key is back; the replayed request resumes the same erasure, which must neither delete
    //    again (the planted row survives) nor sign over it.
    deps.certificateKey = signingKey;
    const { rows } = await db.owner.raw(
      `select conname, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'notice_drafts'::regclass and confrelid = 'notices'::regclass and contype = 'f'`,
    );
    const fk = rows[0] as { conname: string; def: string };
    await db.owner.raw(`alter table notice_drafts drop constraint ${fk.conname}`);
    const [planted] = await db.owner('notice_drafts').insert({ firm_id: firm.id, notice_id: notice.noticeId, version: 9, text: 'left behind', drafted_by: firm.users.staff.id }).returning('id');
    const second = await erase();
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ erasureId, workflowId });
    const refused = await settled(erasureId, 'the second attempt to refuse');
    expect(refused).toMatchObject({ status: 'failed', certificate: null, certificateJws: null });
    expect(refused.failureReason).toContain('data of the client remains after the deletion (notice_drafts 1): the erasure is not certified');
    expect(await db.owner('notice_drafts').where({ id: (planted as { id: string }).id })).toHaveLength(1);
    expect(await record(erasureId)).toEqual(committed);
    expect(await redactions()).toBe(1);

    // 3. Nothing left: the same request again signs the certificate over the first deletion's counts.
    await db.owner('notice_drafts').where({ id: (planted as { id: string }).id }).del();
    await db.owner.raw(`alter table notice_drafts add constraint ${fk.conname} ${fk.def}`);
    const third = await erase();
    expect(third.status).toBe(202);
    expect(third.body).toEqual({ erasureId, workflowId });
    const done = await settled(erasureId, 'the resumed erasure to complete');
    expect(done.status).toBe('completed');
    expect(await record(erasureId)).toEqual(committed);
    expect(await redactions()).toBe(1);
    const certificate = (await verifyCertificate(done.certificateJws, publicJwk)) as { remaining: Record<string, number> };
    expect(certificate).toEqual(done.certificate);
    expect(certificate).toMatchObject({ erasureId, clientId: client.id, dataDeletedAt: new Date(committed.data_deleted_at).toISOString(), deleted: { tables: committed.deleted.tables } });
    for (const [table, n] of Object.entries(certificate.remaining)) expect({ table, n }).toEqual({ table, n: 0 });

    // Done: the client is gone and the erasure complete, so a request is 404 and audits nothing.
    expect((await erase()).status).toBe(404);
    expect(await db.owner('audit_events').where({ firm_id: firm.id, action: 'client.erasure_requested' })).toHaveLength(3);
  });
});
