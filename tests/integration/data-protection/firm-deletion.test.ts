/**
 * Firm deletion end to end: the real api, PostgreSQL, Temporal server and worker. A firm with
 * clients, reconciliations, a closed period, a pending close request, a notice and a follow-up (with
 * running workflows), an export on disk and SMTP settings is deleted: nothing of it remains in any
 * table with a firm_id (the database's own catalogue), its audit trail keeps no personal data and
 * still verifies, sealed; the certificate verifies with the public key alone. Another firm is
 * untouched. A firm admin's request waits out a cooling-off period and can be cancelled in it; a
 * platform operator's deletion starts at once.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import type { Knex } from 'knex';
import type { DataProtectionDeps } from '../../../activities/data-protection-deps';
import { firmDeletionLogFile } from '../../../activities/firm-deletion';
import type { TemporalHandle } from '../../../api/temporal-client';
import { verifyAuditChain } from '../../../db/audit';
import { allFirmIds } from '../../../db/firms';
import { FIRM_ID_TABLES_SQL, FIRM_SEAL_EVENT, KEPT_FIRM_TABLES } from '../../../db/firm-deletion';
import { verifyCertificate } from '../../../db/security/certificate-key';
import { applyScope } from '../../../db/tenant';
import { istDateTime } from '../../../domain/recon/report-format';
import { FirmDeletionRefused, startOperatorFirmDeletion } from '../../../ops/firm-deletion-request';
import type { RunningWorker } from '../../../ops/worker';
import { firmDeletionStatusQuery, type FirmDeletionStatus } from '../../../workflows/firm-deletion-definitions';
import { statusQuery } from '../../../workflows/period-close-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { connectTestTemporal, startTestWorker, TEST_PAYLOAD_KEYS, testMailDeps, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { reference, today } from '../notices/helpers';
import { seedReconciledPeriod } from '../periods/helpers';
import { dataProtectionDepsIn, reconcile, seedFollowUpFile, until } from './helpers';

jest.setTimeout(240_000);

const HOUR = 3600_000;
const ROOT = path.resolve(__dirname, '../../..');

type Run = { code: number | null; stdout: string; stderr: string };

/** `npm run ops:delete-firm -- …` as an operator runs it: a child process against the real database and Temporal. */
function deleteFirmCommand(env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/delete-firm.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The parts of the certificate the test reads field by field. */
type Certificate = {
  deleted: { tables: Record<string, { before: number; after: number }> };
  remaining: Record<string, number>;
  clients: unknown[];
  backups: { holdDataUntil: string };
  dataDeletedAt: string;
};

describe('firm deletion', () => {
  let db: TestDatabase;
  let api: TestApi;
  let quickApi: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  let deps: DataProtectionDeps;
  let publicJwk: JWK;
  const taskQueue = uniqueTaskQueue('firm-deletion');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-firm-deletion-'));

  const reauth = (via: TestApi, token: string, password: string) => call(via, 'POST', '/api/auth/reauth', { token, body: { password } });

  /** Rows of the firm in every table with a firm_id, read by the owner inside the firm's scope (RLS binds the owner too). */
  async function firmRows(firmId: string): Promise<Record<string, number>> {
    return db.owner.transaction(async (trx) => {
      await applyScope(trx, { firmId, actor: { userId: null, email: 'test', role: 'system' } });
      const { rows } = await trx.raw(FIRM_ID_TABLES_SQL);
      const counts: Record<string, number> = {};
      for (const { table } of rows as Array<{ table: string }>) counts[table] = Number((await trx(table).where('firm_id', firmId).count({ n: '*' }))[0]!.n);
      counts.firms = Number((await trx('firms').where({ id: firmId }).whereNull('deleted_at').count({ n: '*' }))[0]!.n);
      return counts;
    });
  }

  async function chainOf(firmId: string) {
    return db.owner.transaction(async (trx: Knex.Transaction) => {
      await applyScope(trx, { firmId, actor: { userId: null, email: 'test', role: 'system' } });
      return verifyAuditChain(trx, firmId);
    });
  }

  async function deletionRow(firmId: string, deletionId: string) {
    return db.owner.transaction(async (trx) => {
      await applyScope(trx, { firmId, actor: { userId: null, email: 'test', role: 'system' } });
      return trx('firm_deletions').where({ id: deletionId }).first();
    });
  }

  async function stuck(workflowId: string): Promise<string> {
    const description = await temporal.client.workflow.getHandle(workflowId).describe();
    const status = await temporal.client.workflow.getHandle(workflowId).query(firmDeletionStatusQuery).catch(() => null);
    return JSON.stringify({ status, pending: description.raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, failure: a.lastFailure?.message })) });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    ({ deps, publicJwk } = await dataProtectionDepsIn(root, db.url));
    worker = await startTestWorker({ knex: db.app, taskQueue, dataProtection: deps, mail: testMailDeps() });
    const dataProtection = { exportDir: deps.exportDir, certificatePublicKey: publicJwk, cancelGraceSeconds: 3 };
    // The product's cooling-off period is days; one api keeps an hour (to cancel in), the other three seconds (to run through).
    api = await startTestApi(db, { maxSessionsPerUser: 6 }, { taskQueue, dataProtection, firmDeletion: { graceMs: HOUR } });
    quickApi = await startTestApi(db, { maxSessionsPerUser: 6 }, { taskQueue, dataProtection, firmDeletion: { graceMs: 3000 } });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
  });
  afterAll(async () => {
    await quickApi?.close();
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses other roles, a missing re-authentication and a mistyped firm name, in the error shape', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const body = { reason: 'Closing the practice', confirmName: firm.name };
    const byStaff = await call(api, 'POST', '/api/firm/deletion', { token: staff, body });
    expect({ status: byStaff.status, code: byStaff.body.error?.code }).toEqual({ status: 403, code: 'forbidden' });
    const noReauth = await call(api, 'POST', '/api/firm/deletion', { token: admin, body });
    expect({ status: noReauth.status, code: noReauth.body.error?.code }).toEqual({ status: 403, code: 'reauth_required' });
    await reauth(api, admin, firm.users.firm_admin.password);
    const mistyped = await call(api, 'POST', '/api/firm/deletion', { token: admin, body: { ...body, confirmName: firm.name.toUpperCase() } });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body.error).toMatchObject({ code: 'invalid_input', details: { fields: { confirmName: expect.any(String) } } });
    const noReason = await call(api, 'POST', '/api/firm/deletion', { token: admin, body: { confirmName: firm.name } });
    expect(noReason.status).toBe(400);
    const none = await call(api, 'GET', '/api/firm/deletion', { token: admin });
    expect({ status: none.status, code: none.body.error?.code }).toEqual({ status: 404, code: 'not_found' });
    expect((await call(api, 'DELETE', '/api/firm/deletion', { token: admin })).status).toBe(404);
    expect(await firmRows(firm.id)).toMatchObject({ firm_deletions: 0 });
  });

  it('refuses a second request and a cancellation once a deletion is running', async () => {
    // A firm whose deletion has begun (its row as the workflow's first step leaves it; no workflow here).
    const busy = await createTestFirm(db);
    const admin = await login(api, busy.users.firm_admin.email, busy.users.firm_admin.password);
    await reauth(api, admin, busy.users.firm_admin.password);
    const [running] = await db.owner('firm_deletions')
      .insert({ firm_id: busy.id, workflow_id: `firm-deletion:${busy.id}:test`, status: 'running', requested_via: 'operator', reason: 'test', execute_after: new Date(), started_at: new Date() })
      .returning('id');
    const again = await call(api, 'POST', '/api/firm/deletion', { token: admin, body: { reason: 'twice', confirmName: busy.name } });
    expect({ status: again.status, error: again.body.error }).toMatchObject({ status: 409, error: { code: 'deletion_already_requested', details: { deletionId: running.id, status: 'running' } } });
    const cancel = await call(api, 'DELETE', '/api/firm/deletion', { token: admin });
    expect({ status: cancel.status, error: cancel.body.error }).toMatchObject({ status: 422, error: { code: 'deletion_in_progress', details: { deletionId: running.id } } });
    expect((await call(api, 'GET', '/api/firm/deletion', { token: admin })).body).toMatchObject({ deletionId: running.id, status: 'running' });
  });

  it('waits out the cooling-off period shown when asked, and any firm admin cancels it', async () => {
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    await reauth(api, admin, firm.users.firm_admin.password);
    const asked = await call(api, 'POST', '/api/firm/deletion', { token: admin, body: { reason: 'Closing the practice', confirmName: firm.name } });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'scheduled', requestedVia: 'firm_admin', requestedBy: firm.users.firm_admin.id, exports: { clients: 2, exported: 0 } });
    expect(new Date(asked.body.executeAfter).getTime() - new Date(asked.body.requestedAt).getTime()).toBe(HOUR);
    const { deletionId, workflowId } = asked.body;
    expect(workflowId).toBe(`firm-deletion:${firm.id}:${deletionId}`);

    const again = await call(api, 'POST', '/api/firm/deletion', { token: admin, body: { reason: 'twice', confirmName: firm.name } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'deletion_already_requested', details: { deletionId, status: 'scheduled' } });
    const handle = temporal.client.workflow.getHandle(workflowId);
    const waiting = await until('the workflow to answer', () => handle.query(firmDeletionStatusQuery).catch(() => null));
    expect(waiting).toMatchObject({ step: 'cooling_off', executeAfter: new Date(asked.body.executeAfter).toISOString() });

    // Another firm's admin sees nothing of it.
    const otherAdmin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(api, 'GET', `/api/firm-deletions/${deletionId}`, { token: otherAdmin })).status).toBe(404);
    expect((await call(api, 'GET', '/api/firm/deletion', { token: otherAdmin })).status).toBe(404);

    // Every firm admin is told at once, with the moment it starts and how to cancel.
    const [notice] = await waitForCaught(firm.users.firm_admin.email, 1);
    const told = await caughtMessage(notice!.ID);
    expect(told.Subject).toBe(`${firm.name}: deletion of the firm scheduled for ${istDateTime(new Date(asked.body.executeAfter))} IST`);
    expect(told.Text).toContain('DELETE /api/firm/deletion');

    const cancelled = await call(api, 'DELETE', '/api/firm/deletion', { token: admin });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ deletionId, status: 'cancelled', cancelledBy: firm.users.firm_admin.id });
    expect(await handle.result()).toMatchObject({ step: 'cancelled' });
    expect((await call(api, 'GET', `/api/firm-deletions/${deletionId}`, { token: admin })).body.status).toBe('cancelled');
    // Nothing happened to the firm: its people still sign in.
    expect((await call(api, 'GET', '/api/auth/me', { token: admin })).status).toBe(200);
    expect((await firmRows(firm.id)).clients).toBe(2);
    const events = await db.owner('audit_events').where({ firm_id: firm.id, entity_id: deletionId }).orderBy('seq');
    expect(events.map((e: { action: string; actor_id: string }) => `${e.action} ${e.actor_id}`)).toEqual([
      `firm.deletion_requested ${firm.users.firm_admin.id}`,
      `firm.deletion_cancelled ${firm.users.firm_admin.id}`,
    ]);
  });

  it('deletes the whole firm after the cooling-off period: every client erased, every firm row gone, the chain sealed, a certificate', async () => {
    const staff = await login(quickApi, firm.users.staff.email, firm.users.staff.password);
    const admin = await login(quickApi, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const portal = await login(quickApi, firm.users.client.email, firm.users.client.password);
    await reauth(quickApi, admin, firm.users.firm_admin.password);
    const [c0, c1] = [firm.clients[0]!, firm.clients[1]!];

    // The firm's data: a real reconciliation, a closed period, a pending close request and a notice (running workflows), a follow-up with an upload, an export on disk, SMTP settings.
    await reconcile(quickApi, staff, c0);
    await seedReconciledPeriod(db, firm.id, c1.id, '2023-01');
    await db.owner('periods').insert({ firm_id: firm.id, client_id: c1.id, period: '2023-01' });
    await db.owner('periods').where({ firm_id: firm.id, client_id: c1.id, period: '2023-01' }).update({ state: 'close_requested' });
    await db.owner('periods').where({ firm_id: firm.id, client_id: c1.id, period: '2023-01' }).update({ state: 'closed' });
    await seedReconciledPeriod(db, firm.id, c0.id, '2023-02');
    const close = await call(quickApi, 'POST', `/api/clients/${c0.id}/periods/2023-02/close`, { token: staff, body: { note: 'please' } });
    expect(close.status).toBe(202);
    const closeWorkflow = temporal.client.workflow.getHandle(close.body.workflowId);
    await until('the close workflow to answer', async () => (await closeWorkflow.query(statusQuery).catch(() => null))?.state === 'pending');
    const notice = await call(quickApi, 'POST', `/api/clients/${c1.id}/notices`, { token: staff, body: { form: 'DRC-01B', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } });
    expect(notice.status).toBe(201);
    const noticeWorkflow = temporal.client.workflow.getHandle(notice.body.workflowId);
    await until('the notice workflow to run', async () => (await noticeWorkflow.describe()).status.name === 'RUNNING');
    await seedFollowUpFile(db.owner, firm.id, c1.id, firm.users.staff.id, { name: 'invoices.pdf', bytes: Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4096)]) });
    const smtp = await call(quickApi, 'PUT', '/api/settings/smtp', { token: admin, body: { host: 'smtp.firm.example', port: 587, secure: false, user: 'mailer', password: 'smtp-secret-1', from: 'office@firm.example' } });
    expect(smtp.status).toBe(204);
    const exported = await call(quickApi, 'POST', `/api/clients/${c0.id}/exports`, { token: admin });
    expect(exported.status).toBe(202);
    const ready = await until('the export to be ready', async () => {
      const res = await call(quickApi, 'GET', `/api/exports/${exported.body.exportId}`, { token: admin });
      return res.body.status === 'ready' ? res.body : null;
    });
    expect((await fetch(ready.downloadUrl)).status).toBe(200);
    const exportFile = path.join(deps.exportDir, `${exported.body.exportId}.zip`);
    expect(fs.existsSync(exportFile)).toBe(true);

    // The other firm has data too, and must keep every row of it.
    const otherStaff = await login(quickApi, other.users.staff.email, other.users.staff.password);
    await reconcile(quickApi, otherStaff, other.clients[0]!);
    const otherBefore = await firmRows(other.id);
    const chainBefore = await chainOf(other.id);
    expect(chainBefore.ok).toBe(true);
    const before = await firmRows(firm.id);
    expect(before).toMatchObject({ clients: 2, users: 5, firm_secrets: 1 });
    expect(before.reconciliation_results).toBeGreaterThan(0);
    expect(before.notices).toBe(1);

    const asked = await call(quickApi, 'POST', '/api/firm/deletion', { token: admin, body: { reason: 'Closing the practice', confirmName: firm.name } });
    expect(asked.status).toBe(202);
    // The export offered first: one of the two clients has a downloaded export.
    expect(asked.body.exports).toEqual({ clients: 2, exported: 1, clientsWithoutExport: [c1.id] });
    const { deletionId, workflowId } = asked.body;
    expect(new Date(asked.body.executeAfter).getTime() - new Date(asked.body.requestedAt).getTime()).toBe(3000);

    const handle = temporal.client.workflow.getHandle(workflowId);
    const result = (await until('the firm deletion to finish', async () => {
      const description = await handle.describe();
      if (description.status.name === 'FAILED') throw new Error(`failed: ${await stuck(workflowId)}`);
      return description.status.name === 'COMPLETED' ? handle.result() : null;
    }, 180_000, () => stuck(workflowId))) as FirmDeletionStatus;
    expect(result).toMatchObject({ step: 'completed', clients: { total: 2, erased: 2 } });

    // The clients' running workflows were stopped.
    expect((await closeWorkflow.describe()).status.name).toMatch(/CANCELLED|TERMINATED/);
    expect((await noticeWorkflow.describe()).status.name).toMatch(/CANCELLED|TERMINATED/);

    // Nothing of the firm in any table with a firm_id, but the kept records.
    const after = await firmRows(firm.id);
    const expected = Object.fromEntries(Object.keys(after).map((t) => [t, 0]));
    expect(after).toEqual({ ...expected, audit_events: after.audit_events, firm_deletions: 2, client_erasures: 2 });
    expect(after.audit_events).toBeGreaterThan(20);
    for (const table of Object.keys(after).filter((t) => after[t]! > 0)) expect(Object.keys(KEPT_FIRM_TABLES)).toContain(table);
    expect(await db.owner('firms').where({ id: firm.id }).first('name', 'slug', 'deleted_at')).toEqual({ name: 'Deleted firm', slug: `deleted-${firm.id}`, deleted_at: expect.any(Date) });
    expect(fs.existsSync(exportFile)).toBe(false);
    // Nightly jobs no longer see the firm; the chain-heads export still does (its sealed head).
    expect(await allFirmIds(db.app)).not.toContain(firm.id);
    expect(await allFirmIds(db.app, { includeDeleted: true })).toContain(firm.id);
    for (const token of [admin, staff, portal]) expect((await call(quickApi, 'GET', '/api/auth/me', { token })).status).toBe(401);

    // No personal data of the firm left in its audit trail; the chain verifies, sealed by the deletion.
    const secrets = [firm.name, c0.name, c1.name, c0.gstin, c1.gstin, ...Object.values(firm.users).map((u) => u.email), 'smtp.firm.example', 'office@firm.example'];
    const { rows: leaks } = await db.owner.raw(
      `select id, action from audit_events where firm_id = ? and (coalesce(before::text, '') || coalesce(after::text, '') || actor_email || coalesce(ip, '')) ~* ?`,
      [firm.id, secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')],
    );
    expect(leaks).toEqual([]);
    const chain = await chainOf(firm.id);
    expect(chain).toMatchObject({ ok: true, firstBrokenId: null });
    const last = await db.owner('audit_events').where({ firm_id: firm.id }).orderBy('seq', 'desc').first('action', 'seq', 'hash');
    expect(last.action).toBe(FIRM_SEAL_EVENT);

    // The certificate: what went, what stays, the sealed chain, backups; verifiable with the public key alone, and free of personal data.
    const row = await deletionRow(firm.id, deletionId);
    expect(row.status).toBe('completed');
    const certificate = (await verifyCertificate(row.certificate_jws, publicJwk)) as Certificate;
    expect(certificate).toEqual(row.certificate);
    expect(certificate).toMatchObject({
      type: 'taalmel.firm-deletion-certificate',
      deletionId,
      firmId: firm.id,
      reason: 'Closing the practice',
      requestedVia: 'firm_admin',
      requestedBy: firm.users.firm_admin.id,
      auditChain: { ok: true, sealedHead: { seq: Number(last.seq), hash: last.hash }, head: { seq: Number(last.seq), hash: last.hash } },
    });
    const erasures = await db.owner.transaction(async (trx) => {
      await applyScope(trx, { firmId: firm.id, actor: { userId: null, email: 'test', role: 'system' } });
      return trx('client_erasures').select('id', 'client_id', 'certificate_jws').orderBy('client_id');
    });
    expect(certificate.clients).toEqual(
      erasures.map((e: { id: string; client_id: string; certificate_jws: string }) => ({
        clientId: e.client_id,
        erasureId: e.id,
        dataDeletedAt: expect.any(String),
        certificateSha256: createHash('sha256').update(e.certificate_jws).digest('hex'),
      })),
    );
    for (const e of erasures) expect(fs.existsSync(path.join(deps.erasureLogDir, `${e.id}.json`))).toBe(true);
    // Each client erasure the deletion ran carries a run token, and its run (the deletion's child, with
    // the token in its memo) recorded its own start under it, as a firm admin's erasure does.
    const tokens = await db.owner('client_erasures').where({ firm_id: firm.id }).orderBy('client_id').select('run_token', 'started_run_token');
    expect(tokens).toEqual(erasures.map(() => ({ run_token: expect.stringMatching(/^[0-9a-f-]{36}$/), started_run_token: expect.any(String) })));
    for (const t of tokens) expect(t.started_run_token).toBe(t.run_token);
    expect(certificate.deleted.tables.users).toEqual({ before: 4, after: 0 }); // the portal user went with its client's erasure
    expect(certificate.deleted.tables.firm_secrets).toEqual({ before: 1, after: 0 });
    for (const [table, t] of Object.entries(certificate.deleted.tables as Record<string, { after: number }>)) expect({ table, after: t.after }).toEqual({ table, after: 0 });
    expect(Object.values(certificate.remaining as Record<string, number>).every((n) => n === 0)).toBe(true);
    expect(new Date(certificate.backups.holdDataUntil).getTime()).toBeGreaterThan(Date.now() + 150 * 86_400_000);
    expect(new RegExp(secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i').test(JSON.stringify(certificate))).toBe(false);
    const [header, payload, signature] = row.certificate_jws.split('.');
    const flipped = Buffer.from(payload, 'base64url');
    flipped[12] = flipped[12]! ^ 1;
    await expect(verifyCertificate(`${header}.${flipped.toString('base64url')}.${signature}`, publicJwk)).rejects.toThrow();
    expect(JSON.parse(fs.readFileSync(firmDeletionLogFile(deps.erasureLogDir, deletionId), 'utf8'))).toEqual({ deletionId, firmId: firm.id, dataDeletedAt: certificate.dataDeletedAt });

    // The certificate reached the admin who asked, once, and the address is not kept after.
    const mail = (await waitForCaught(firm.users.firm_admin.email, 3)).find((m) => m.Subject === "Certificate of deletion of your firm's data");
    expect((await caughtTo(firm.users.firm_admin.email)).map((m) => m.Subject.replace(/scheduled for .*/, 'scheduled for …'))).toEqual([
      `${firm.name}: deletion of the firm scheduled for …`,
      `${firm.name}: deletion of the firm scheduled for …`,
      "Certificate of deletion of your firm's data",
    ]);
    const message = await caughtMessage(mail!.ID);
    expect(message.Subject).toBe("Certificate of deletion of your firm's data");
    expect(message.Text).toContain(deletionId);
    expect(message.Text).toContain('ops:verify-certificate');
    expect(row).toMatchObject({ certificate_to: null, certificate_sent_at: expect.any(Date) });
    const parts = (message as unknown as { Attachments: Array<{ PartID: string; FileName: string }> }).Attachments;
    expect(parts.map((p) => p.FileName).sort()).toEqual([`firm-deletion-${deletionId}.json`, `firm-deletion-${deletionId}.jws`, 'platform-key.jwk']);
    const part = async (name: string) => (await fetch(`${harnessValue('mailApiUrl')}/api/v1/message/${mail!.ID}/part/${parts.find((p) => p.FileName === name)!.PartID}`)).text();
    const mailedKey = JSON.parse(await part('platform-key.jwk')) as JWK;
    expect(await verifyCertificate(await part(`firm-deletion-${deletionId}.jws`), mailedKey)).toEqual(certificate);

    // The other firm is untouched, row for row, and its chain still verifies.
    expect(await firmRows(other.id)).toEqual(otherBefore);
    expect((await chainOf(other.id)).ok).toBe(true);
    const otherAdmin = await login(quickApi, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(quickApi, 'GET', `/api/firm-deletions/${deletionId}`, { token: otherAdmin })).status).toBe(404);

    // A deleted firm cannot be deleted again.
    const ops: TemporalHandle = { client: temporal.client, taskQueue } as unknown as TemporalHandle;
    await expect(startOperatorFirmDeletion(db.app, ops, { firmId: firm.id, reason: 'again', operator: 'test' })).rejects.toBeInstanceOf(FirmDeletionRefused);
  });

  it('a platform operator deletes a firm at once with npm run ops:delete-firm (a real child process), with the same certificate', async () => {
    const third = await createTestFirm(db);
    const env = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS.spec,
      TEMPORAL_PAYLOAD_KEY_CURRENT: TEST_PAYLOAD_KEYS.current,
      DATA_DIR: path.join(root, 'ops-data'),
    };
    const usage = await deleteFirmCommand(env, [third.id]);
    expect({ code: usage.code, stderr: usage.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('usage: npm run ops:delete-firm') });
    const operatorAddress = `ops.${randomBytes(4).toString('hex')}@platform.test`;
    const run = await deleteFirmCommand(env, [third.id, '--reason', "Account closed on the firm's written instruction", '--send-to', operatorAddress, '--json']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('(started)') });
    const printed = JSON.parse(run.stdout) as { deletionId: string; certificate: { requestedVia: string; firmId: string }; certificateJws: string };
    expect(await verifyCertificate(printed.certificateJws, publicJwk)).toEqual(printed.certificate);
    expect(printed.certificate).toMatchObject({ requestedVia: 'operator', firmId: third.id, auditChain: { ok: true } });
    const row = await deletionRow(third.id, printed.deletionId);
    expect(row).toMatchObject({ status: 'completed', requested_via: 'operator', requested_by: null, certificate_to: null, certificate_sent_at: expect.any(Date) });
    const after = await firmRows(third.id);
    expect(Object.entries(after).filter(([t, n]) => n > 0 && !(t in KEPT_FIRM_TABLES))).toEqual([]);
    // Sent to the address the operator gave; no cooling-off, so no notice to the firm's admins.
    expect((await waitForCaught(operatorAddress, 1)).map((m) => m.Subject)).toEqual(["Certificate of deletion of your firm's data"]);
    expect(await caughtTo(third.users.firm_admin.email)).toEqual([]);
    // Again: the firm is gone, the command says so.
    const again = await deleteFirmCommand(env, [third.id, '--reason', 'again']);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: expect.stringContaining('was deleted already') });
  });
});
