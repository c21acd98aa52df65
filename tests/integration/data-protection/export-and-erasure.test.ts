/**
 * Client export and erasure end to end: the real api, PostgreSQL, Temporal server and worker. The
 * export's ZIP is opened and compared with the database; the download URL is used once; the
 * erasure stops the client's workflows, leaves no row of the client in any table with a client_id,
 * revokes its portal users, deletes its files, keeps the audit chain verifying, and signs a
 * certificate that verifies with the public key alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import type { JWK } from 'jose';
import type { DataProtectionDeps } from '../../../activities/data-protection-deps';
import { CHILD_TABLES_SQL, CLIENT_ID_TABLES_SQL, CLIENT_TABLES } from '../../../db/client-data-catalogue';
import { SignedUrlTokens } from '../../../api/signed-url-token';
import { latestMigrationName } from '../../../db/migrator';
import { certificateKeyFromSeed, verifyCertificate } from '../../../db/security/certificate-key';
import type { RunningWorker } from '../../../ops/worker';
import { statusQuery } from '../../../workflows/period-close-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { seedReconciledPeriod } from '../periods/helpers';
import { dataProtectionDepsIn, readZip, reconcile, RECON_PERIOD, seedFollowUpFile, seedNoticeWithPapers, until } from './helpers';

jest.setTimeout(120_000);

describe('client export and erasure', () => {
  let db: TestDatabase;
  let api: TestApi;
  let shortApi: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  let deps: DataProtectionDeps;
  let publicJwk: JWK;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('data-protection');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-dp-'));

  const reauth = (token: string, user = firm.users.firm_admin) => call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } });
  const client0 = () => firm.clients[0]!;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    ({ deps, publicJwk } = await dataProtectionDepsIn(root, db.url));
    worker = await startTestWorker({ knex: db.app, taskQueue, dataProtection: deps });
    const dataProtection = { exportDir: deps.exportDir, certificatePublicKey: publicJwk, cancelGraceSeconds: 5 };
    api = await startTestApi(db, { maxSessionsPerUser: 6 }, { taskQueue, dataProtection });
    // The same product with exports kept four seconds: the expiry path, with a real timer.
    shortApi = await startTestApi(db, { maxSessionsPerUser: 6 }, { taskQueue, dataProtection: { ...dataProtection, exportTtlMs: 4000 } });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    for (const role of ['firm_admin', 'staff', 'client'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
    tokens.otherAdmin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
  });
  afterAll(async () => {
    await shortApi?.close();
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Why a workflow is stuck: its pending activity's last failure (printed when a wait times out). */
  async function stuck(workflowId: string): Promise<string> {
    const description = await temporal.client.workflow.getHandle(workflowId).describe();
    return JSON.stringify(description.raw.pendingActivities?.map((a) => ({ type: a.activityType?.name, attempt: a.attempt, failure: a.lastFailure?.message })));
  }

  async function exportReady(exportId: string, via: TestApi = api) {
    let workflowId = '';
    return until(`export ${exportId} ready`, async () => {
      const res = await call(via, 'GET', `/api/exports/${exportId}`, { token: tokens.firm_admin });
      workflowId = res.body?.workflowId ?? workflowId;
      if (res.body?.status === 'failed') throw new Error(`export failed: ${res.body.failureReason}`);
      return res.body?.status === 'ready' ? res.body : null;
    }, 60_000, () => stuck(workflowId));
  }

  it('lists every table with a client_id in the catalogue, with an export and an erasure decision', async () => {
    const { rows } = await db.owner.raw(CLIENT_ID_TABLES_SQL);
    const inDatabase = (rows as Array<{ table: string }>).map((r) => r.table).sort();
    // A new per-client table fails here until db/client-data-catalogue.ts says how it is exported and erased.
    expect(inDatabase).toEqual(Object.keys(CLIENT_TABLES).filter((t) => !CLIENT_TABLES[t]!.through).sort());
    // So does a table without a client_id hanging off one of them (or off the client): it is the
    // client's through that parent, and the catalogue must say so.
    const { rows: children } = await db.owner.raw(CHILD_TABLES_SQL, [`{${[...Object.keys(CLIENT_TABLES), 'clients'].join(',')}}`]);
    const throughParent = Object.entries(CLIENT_TABLES).flatMap(([table, t]) => (t.through ? [{ table, parent: t.through.parent }] : []));
    expect(children).toEqual(throughParent.sort((a, b) => a.table.localeCompare(b.table)));
  });

  /** The client's rows of a catalogued table, read here without the product's query. */
  const rowsOf = (table: string, clientId: string) => {
    const through = CLIENT_TABLES[table]?.through;
    return through ? db.owner(table).whereIn(through.column, db.owner(through.parent).select('id').where({ client_id: clientId })) : db.owner(table).where({ client_id: clientId });
  };

  it('exports a client as a ZIP that matches the database row by row, downloaded once through a signed URL', async () => {
    const runId = await reconcile(api, tokens.staff!, client0());
    // A client's upload through a checklist link: 2.5 MB, so it is read from its row in several slices.
    const uploaded = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(2.5 * 1024 * 1024)]);
    const followUpFile = await seedFollowUpFile(db.owner, firm.id, client0().id, firm.users.staff.id, { name: 'Nov invoices (final).pdf', bytes: uploaded }, runId);
    // A notice with its papers: the document's bytes, and rows reached only through the notice.
    const noticePdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(64 * 1024)]);
    const notice = await seedNoticeWithPapers(db.owner, firm.id, client0(), firm.users.staff.id, { name: 'ASMT-10 notice.pdf', bytes: noticePdf });

    const first = await call(api, 'POST', `/api/clients/${client0().id}/exports`, { token: tokens.firm_admin });
    expect(first.status).toBe(403);
    expect(first.body.error.code).toBe('reauth_required');
    await reauth(tokens.firm_admin!);
    const staffTry = await call(api, 'POST', `/api/clients/${client0().id}/exports`, { token: tokens.staff });
    expect(staffTry.status).toBe(403);
    const foreign = await call(api, 'POST', `/api/clients/${client0().id}/exports`, { token: tokens.otherAdmin });
    expect([403, 404]).toContain(foreign.status); // without re-auth 403; the firm's id never leaks either way

    const [a, b] = await Promise.all([
      call(api, 'POST', `/api/clients/${client0().id}/exports`, { token: tokens.firm_admin }),
      call(api, 'POST', `/api/clients/${client0().id}/exports`, { token: tokens.firm_admin }),
    ]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(Object.keys(a.body).sort()).toEqual(['exportId', 'workflowId']);
    expect(b.body).toEqual(a.body); // a double click is one export, one workflow
    const { exportId, workflowId } = a.body;
    expect(workflowId).toBe(`client-export:${firm.id}:${client0().id}:${exportId}`);

    const ready = await exportReady(exportId);
    expect(ready).toMatchObject({ exportId, clientId: client0().id, status: 'ready', sizeBytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(new Date(ready.expiresAt).getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);
    // Its instants in India's offset, as every response writes them (docs/api.md, "Times").
    const ist = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    expect({ createdAt: ready.createdAt, readyAt: ready.readyAt, expiresAt: ready.expiresAt }).toEqual({ createdAt: ist, readyAt: ist, expiresAt: ist });

    const otherFirmSees = await call(api, 'GET', `/api/exports/${exportId}`, { token: tokens.otherAdmin });
    expect(otherFirmSees.status).toBe(404);

    const url = new URL(ready.downloadUrl);
    const tampered = `${url.pathname}?token=${encodeURIComponent(`${url.searchParams.get('token')!.slice(0, -2)}AA`)}`;
    expect((await call(api, 'GET', tampered)).body.error.code).toBe('download_url_invalid');

    const download = await fetch(ready.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(ready.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(ready.sha256);

    const again = await call(api, 'GET', `${url.pathname}${url.search}`);
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('download_url_used');
    expect((await call(api, 'GET', `/api/exports/${exportId}`, { token: tokens.firm_admin })).body.downloadUrl).toBeNull();

    const entries = await readZip(bytes);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({ format: 'taalmel-client-export/1', exportId, firmId: firm.id, clientId: client0().id, latestMigration: latestMigrationName });
    // Every other entry is in the manifest, with its SHA-256 and size.
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual([...entries.keys()].filter((n) => n !== 'manifest.json').sort());
    for (const f of manifest.files) {
      const body = entries.get(f.path)!;
      expect({ path: f.path, sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length }).toEqual(f);
    }
    // Row by row: each catalogued table's JSON holds exactly the client's rows.
    for (const [table, spec] of Object.entries(CLIENT_TABLES)) {
      if (spec.export !== true) {
        expect(entries.has(`tables/${table}.json`)).toBe(false);
        continue;
      }
      const exported = JSON.parse(entries.get(`tables/${table}.json`)!.toString('utf8')) as Array<Record<string, unknown>>;
      const inDb = JSON.parse(JSON.stringify(await rowsOf(table, client0().id)));
      for (const row of inDb) for (const column of spec.omitColumns ?? []) delete row[column];
      const key = (r: Record<string, unknown>) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]));
      expect({ table, rows: exported.map(key).sort() }).toEqual({ table, rows: inDb.map(key).sort() });
      expect(manifest.counts[table]).toBe(inDb.length);
    }
    expect(manifest.counts.reconciliation_results).toBeGreaterThan(0);
    for (const table of ['notices', 'notice_documents', 'notice_drafts', 'notice_reviews', 'notice_hearings', 'notice_alerts']) expect({ table, count: manifest.counts[table] }).toEqual({ table, count: 1 });
    const noticePath = `files/notice_documents/${notice.documentId}-ASMT-10_notice.pdf`;
    expect(entries.get(noticePath)?.equals(noticePdf)).toBe(true);
    expect(manifest.files.find((f: { path: string }) => f.path === noticePath)).toEqual({ path: noticePath, sha256: notice.sha256, bytes: noticePdf.length });
    // The upload's bytes themselves, byte for byte, with the SHA-256 the row recorded at upload.
    const uploadPath = `files/follow_up_files/${followUpFile.fileId}-Nov_invoices__final_.pdf`;
    expect(entries.get(uploadPath)?.equals(uploaded)).toBe(true);
    expect(manifest.files.find((f: { path: string }) => f.path === uploadPath)).toEqual({ path: uploadPath, sha256: followUpFile.sha256, bytes: uploaded.length });
    const portal = JSON.parse(entries.get('tables/users.json')!.toString('utf8'));
    expect(portal).toHaveLength(1);
    expect(portal[0]).not.toHaveProperty('password_hash');
    expect(JSON.parse(entries.get('client.json')!.toString('utf8'))).toMatchObject({ id: client0().id, gstin: client0().gstin });

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(entries.get(`reconciliations/${RECON_PERIOD}-${runId}.xlsx`)! as never);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(expect.arrayContaining(['Summary', 'Suppliers']));

    const events = JSON.parse(entries.get('audit/events.json')!.toString('utf8')) as Array<{ action: string }>;
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['client.export_requested', 'import.uploaded']));
    expect(manifest.counts.audit_events).toBe(events.length);

    const audit = await db.owner('audit_events').where({ firm_id: firm.id, entity_id: exportId }).orderBy('seq');
    expect(audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['client.export_requested', 'client.export_downloaded']));
    expect(audit.find((e: { action: string }) => e.action === 'client.export_requested')).toMatchObject({ actor_id: firm.users.firm_admin.id });
    expect(audit.find((e: { action: string }) => e.action === 'client.export_downloaded')).toMatchObject({ actor_email: 'holder of a signed download URL', ip: expect.any(String) });
  });

  it('deletes an export when it expires and refuses its URL', async () => {
    const admin = await login(shortApi, firm.users.firm_admin.email, firm.users.firm_admin.password);
    await call(shortApi, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } });
    const started = await call(shortApi, 'POST', `/api/clients/${firm.clients[1]!.id}/exports`, { token: admin });
    expect(started.status).toBe(202);
    const { exportId, workflowId } = started.body;
    const file = path.join(deps.exportDir, `${exportId}.zip`);
    // Kept four seconds: under load the build may outlast that, so "ready" may pass unseen.
    let downloadUrl: string | null = null;
    const expired = await until(
      'the export to expire',
      async () => {
        const res = await call(shortApi, 'GET', `/api/exports/${exportId}`, { token: admin });
        if (res.body.status === 'failed') throw new Error(`export failed: ${res.body.failureReason}`);
        if (res.body.status === 'ready') {
          downloadUrl ??= res.body.downloadUrl;
          // A ready export has its file. The expiry may land between the answer and this look
          // (the row turns expired first, then the file goes): a missing file must mean that.
          if (!fs.existsSync(file)) {
            const again = await call(shortApi, 'GET', `/api/exports/${exportId}`, { token: admin });
            expect({ fileMissingWhile: again.body.status }).toEqual({ fileMissingWhile: 'expired' });
          }
        }
        return res.body.status === 'expired' ? res.body : null;
      },
      60_000,
      () => stuck(workflowId),
    );
    expect(expired.downloadUrl).toBeNull();
    // The row turns expired inside the workflow's last activity, which then deletes the file; the
    // workflow itself ends right after.
    expect(await temporal.client.workflow.getHandle(workflowId).result()).toMatchObject({ exportId, state: 'expired', next: null });
    expect(fs.existsSync(file)).toBe(false);
    // The URL the api handed out, or the one it would have (same key, same claims).
    const tokens = new SignedUrlTokens(SignedUrlTokens.derive(shortApi.security.settings.signingKeys, shortApi.security.settings.signingKeyCurrent, 'taalmel export download v1'));
    const url = new URL(downloadUrl ?? `${shortApi.url}/api/exports/download?token=${tokens.signClaims({ id: exportId, firmId: firm.id, expiresAt: new Date(Date.now() + 60_000) })}`);
    const refused = await call(shortApi, 'GET', `${url.pathname}${url.search}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('download_url_expired');
  });

  it('erases a client: workflows stopped, rows, files and portal users gone, audit redacted and still verifying, certificate signed', async () => {
    const client = client0();
    const otherClient = firm.clients[1]!;
    // A closed period (its rows are locked) and a pending close request with its running workflow.
    const closed = await seedReconciledPeriod(db, firm.id, client.id, '2023-01');
    await db.owner('periods').insert({ firm_id: firm.id, client_id: client.id, period: '2023-01' });
    await db.owner('periods').where({ firm_id: firm.id, client_id: client.id, period: '2023-01' }).update({ state: 'close_requested' });
    await db.owner('periods').where({ firm_id: firm.id, client_id: client.id, period: '2023-01' }).update({ state: 'closed' });
    expect(closed.runId).toBeTruthy();
    await seedReconciledPeriod(db, firm.id, client.id, '2023-02');
    const close = await call(api, 'POST', `/api/clients/${client.id}/periods/2023-02/close`, { token: tokens.staff, body: { note: 'please' } });
    expect(close.status).toBe(202);
    const closeWorkflow = temporal.client.workflow.getHandle(close.body.workflowId);
    await until('the close workflow to answer', async () => (await closeWorkflow.query(statusQuery).catch(() => null))?.state === 'pending');
    // An export file of the client on disk, from the export test.
    const exportFiles = fs.readdirSync(deps.exportDir).filter((f) => f.endsWith('.zip'));
    const clientExportFiles = (await db.owner('client_exports').where({ client_id: client.id }).whereNotNull('file_name')).map((r: { file_name: string }) => r.file_name);
    expect(clientExportFiles.length).toBeGreaterThan(0);
    expect(exportFiles).toEqual(expect.arrayContaining(clientExportFiles));
    // The portal user is signed in.
    expect((await call(api, 'GET', '/api/auth/me', { token: tokens.client })).status).toBe(200);
    const before = await call(api, 'GET', '/api/audit/verify', { token: tokens.firm_admin });
    expect(before.body).toMatchObject({ ok: true, redacted: 0 });
    const otherClientRows = await db.owner('imports').where({ client_id: otherClient.id }).count({ n: '*' });
    const erasedNoticeIds = (await db.owner('notices').where({ client_id: client.id }).select('id')).map((r: { id: string }) => r.id);
    expect(erasedNoticeIds.length).toBeGreaterThan(0);
    expect(Number((await db.owner('notice_drafts').whereIn('notice_id', erasedNoticeIds).count({ n: '*' }))[0]!.n)).toBeGreaterThan(0);

    // Re-authentication, the typed name and the firm all guard the request.
    const fresh = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const body = { reason: 'Engagement ended; client asked for erasure', confirmName: client.name };
    expect((await call(api, 'POST', `/api/clients/${client.id}/erasure`, { token: fresh, body })).body.error.code).toBe('reauth_required');
    await reauth(fresh);
    const mistyped = await call(api, 'POST', `/api/clients/${client.id}/erasure`, { token: fresh, body: { ...body, confirmName: `${client.name} ` } });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body.error.details.fields).toEqual({ confirmName: "Must equal the client's name exactly." });
    await reauth(tokens.otherAdmin!, other.users.firm_admin);
    const foreign = await call(api, 'POST', `/api/clients/${client.id}/erasure`, { token: tokens.otherAdmin, body });
    expect(foreign.status).toBe(404);

    const [a, b] = await Promise.all([
      call(api, 'POST', `/api/clients/${client.id}/erasure`, { token: fresh, body }),
      call(api, 'POST', `/api/clients/${client.id}/erasure`, { token: fresh, body }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body).toEqual(a.body);
    const { erasureId, workflowId } = a.body;
    expect(workflowId).toBe(`client-erasure:${firm.id}:${client.id}`);
    expect((await call(api, 'GET', `/api/erasures/${erasureId}`, { token: tokens.otherAdmin })).status).toBe(404);

    const done = await until(
      'the erasure to complete',
      async () => {
        const res = await call(api, 'GET', `/api/erasures/${erasureId}`, { token: fresh });
        if (res.body?.status === 'failed') throw new Error(`erasure failed: ${res.body.failureReason}`);
        return res.body?.status === 'completed' ? res.body : null;
      },
      90_000,
      () => stuck(workflowId),
    );
    const ist = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    expect({ requestedAt: done.requestedAt, completedAt: done.completedAt }).toEqual({ requestedAt: ist, completedAt: ist });
    // One workflow for the double request.
    const runs = [];
    for await (const wf of temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);

    // The client's running workflow was cancelled.
    expect((await closeWorkflow.describe()).status.name).toMatch(/CANCELLED|TERMINATED/);

    // Nothing of the client in any table with a client_id (the catalogue of the database itself), but the erasure record.
    const { rows: tables } = await db.owner.raw(CLIENT_ID_TABLES_SQL);
    const left: Record<string, number> = {};
    for (const { table } of tables as Array<{ table: string }>) left[table] = Number((await db.owner(table).where({ client_id: client.id }).count({ n: '*' }))[0]!.n);
    expect(left).toEqual({ ...Object.fromEntries(Object.keys(left).map((t) => [t, 0])), client_erasures: 1 });
    // Nor of the rows reached through the client's notices (the export test's notice).
    for (const table of ['notice_drafts', 'notice_reviews', 'notice_hearings', 'notice_alerts']) {
      expect({ table, left: Number((await db.owner(table).whereIn('notice_id', erasedNoticeIds).count({ n: '*' }))[0]!.n) }).toEqual({ table, left: 0 });
    }
    expect(await db.owner('clients').where({ id: client.id })).toEqual([]);
    expect(await db.owner('sessions').where({ user_id: firm.users.client.id })).toEqual([]);
    expect(await db.owner('imports').where({ client_id: otherClient.id }).count({ n: '*' })).toEqual(otherClientRows);
    expect((await call(api, 'GET', '/api/auth/me', { token: tokens.client })).status).toBe(401);
    expect((await call(api, 'GET', `/api/clients/${client.id}`, { token: fresh })).status).toBe(404);
    for (const f of clientExportFiles) expect(fs.existsSync(path.join(deps.exportDir, f))).toBe(false);

    // No personal data of the client left in the audit trail; the chain still verifies and says what is redacted.
    const { rows: leaks } = await db.owner.raw(
      `select id, action from audit_events where firm_id = ? and (coalesce(before::text, '') || coalesce(after::text, '') || actor_email || coalesce(ip, '')) ~* ?`,
      [firm.id, `${client.gstin}|${firm.users.client.email}|${client.name}`],
    );
    expect(leaks).toEqual([]);
    const after = await call(api, 'GET', '/api/audit/verify', { token: fresh });
    expect(after.body).toMatchObject({ ok: true, firstBrokenId: null });
    expect(after.body.redacted).toBeGreaterThan(10);

    // The certificate: what went, what stays, backups, the chain; verifiable with the public key alone.
    const certificate = done.certificate;
    expect(certificate).toMatchObject({ erasureId, firmId: firm.id, clientId: client.id, reason: body.reason, auditChain: { ok: true } });
    expect(certificate.deleted.tables.imports.before).toBeGreaterThanOrEqual(6);
    expect(certificate.deleted.tables.reconciliation_results.before).toBeGreaterThan(0);
    expect(certificate.deleted.tables.notice_drafts).toEqual({ before: 1, after: 0 });
    for (const [table, t] of Object.entries(certificate.deleted.tables as Record<string, { after: number }>)) expect({ table, after: t.after }).toEqual({ table, after: 0 });
    expect(certificate.deleted.portalUsersRevoked).toBe(1);
    expect(certificate.deleted.files.remaining).toBe(0);
    expect(certificate.kept.map((k: { what: string }) => k.what)).toEqual(expect.arrayContaining(['table client_erasures']));
    expect(new Date(certificate.backups.holdDataUntil).getTime()).toBeGreaterThan(Date.now() + 150 * 86_400_000);
    const key = await call(api, 'GET', '/api/certificate-key');
    expect(key.body).toEqual(publicJwk);
    expect(done.certificateKey).toEqual(publicJwk);
    expect(await verifyCertificate(done.certificateJws, key.body)).toEqual(certificate);
    const [header, payload, signature] = done.certificateJws.split('.');
    const flipped = Buffer.from(payload, 'base64url');
    flipped[10] = flipped[10]! ^ 1;
    await expect(verifyCertificate(`${header}.${flipped.toString('base64url')}.${signature}`, key.body)).rejects.toThrow();
    const wrongKey = (await certificateKeyFromSeed(randomBytes(32).toString('base64'))).publicJwk;
    await expect(verifyCertificate(done.certificateJws, wrongKey)).rejects.toThrow();

    // The erasure log outside the database: ids only.
    const log = JSON.parse(fs.readFileSync(path.join(deps.erasureLogDir, `${erasureId}.json`), 'utf8'));
    expect(Object.keys(log).sort()).toEqual(['clientId', 'dataDeletedAt', 'erasureId', 'firmId', 'parentIds']);
    // The client's notice ids, by which the restore drill counts a notice's rows left behind: ids, nothing else.
    expect(Object.keys(log.parentIds)).toEqual(['notices']);
    expect((log.parentIds.notices as string[]).length).toBeGreaterThan(0);
    for (const id of log.parentIds.notices as string[]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    // The client is gone: asking again is a 404, not a second erasure.
    expect((await call(api, 'POST', `/api/clients/${client.id}/erasure`, { token: fresh, body })).status).toBe(404);
    const requested = await db.owner('audit_events').where({ firm_id: firm.id, action: 'client.erasure_requested' });
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ actor_id: firm.users.firm_admin.id, entity_id: erasureId });
  });

  it('still catches an edit of another event, and a redaction no erasure vouches for', async () => {
    const tamper = async (sql: string, bindings: unknown[]) =>
      db.owner.transaction(async (trx) => {
        await trx.raw('alter table audit_events disable trigger audit_events_no_update');
        await trx.raw(sql, bindings as never[]);
        await trx.raw('alter table audit_events enable trigger audit_events_no_update');
      });
    // Another firm: wipe one event's payload as if redacted, without an erasure's vouching event.
    const victimB = await db.owner('audit_events').where({ firm_id: other.id }).whereNotNull('after').orderBy('seq').first();
    await tamper(`update audit_events set after = '"[redacted]"', redacted_at = now(), redaction_id = gen_random_uuid() where id = ?`, [victimB.id]);
    const b = await call(api, 'GET', '/api/audit/verify', { token: tokens.otherAdmin });
    expect(b.body).toMatchObject({ ok: false, firstBrokenId: victimB.id });

    // The erased firm: an unredacted event's payload edited.
    const victim = await db.owner('audit_events').where({ firm_id: firm.id }).whereNull('redacted_at').whereNotNull('after').orderBy('seq', 'desc').first();
    await tamper(`update audit_events set after = jsonb_set(after, '{name}', '"edited"') where id = ?`, [victim.id]);
    const a = await call(api, 'GET', '/api/audit/verify', { token: tokens.firm_admin });
    expect(a.body).toMatchObject({ ok: false, firstBrokenId: victim.id });
  });
});
