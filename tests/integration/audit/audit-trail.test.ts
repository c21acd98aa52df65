import { verifyAuditChain } from '../../../db/audit';
import { istDate } from '../../../domain/calendar';
import { inTenantTransaction } from '../../../db/tenant';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';

describe('audit trail', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let admin: string;
  /** The api's date in India when a test pins it (a close request's window turns on it); the real date otherwise. */
  let pinnedToday: string | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 5 }, { today: () => pinnedToday ?? istDate(new Date()) });
    firm = await createTestFirm(db);
    admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  async function eventsFor(requestId: string) {
    return db.owner('audit_events').where({ request_id: requestId }).orderBy('seq');
  }

  /** Every mutating route of the app, with a request that succeeds and the event it must leave. */
  const cases: Array<{ route: string; run: () => Promise<{ status: number; headers: Headers }>; action: string; check?: (e: Record<string, any>) => void }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any

  beforeAll(() => {
    let createdClientId = '';
    cases.push(
      {
        route: 'POST /api/clients',
        run: async () => {
          const res = await call(api, 'POST', '/api/clients', { token: admin, body: { name: 'Gamma Exports', gstin: validGstin('29'), email: 'g@gamma.example', filingFrequency: 'quarterly' } });
          createdClientId = res.body.id;
          return res;
        },
        action: 'client.create',
        check: (e) => {
          expect(e.before).toBeNull();
          expect(e.after).toMatchObject({ name: 'Gamma Exports', filing_frequency: 'quarterly', firm_id: firm.id });
        },
      },
      {
        route: 'PATCH /api/clients/:id',
        run: () => call(api, 'PATCH', `/api/clients/${createdClientId}`, { token: admin, body: { name: 'Gamma Exports LLP' } }),
        action: 'client.update',
        check: (e) => {
          expect(e.before.name).toBe('Gamma Exports');
          expect(e.after.name).toBe('Gamma Exports LLP');
        },
      },
      {
        route: 'POST /api/users',
        run: () => call(api, 'POST', '/api/users', { token: admin, body: { email: 'new.person@firm.test', name: 'New Person', role: 'staff', password: 'a sufficiently long one 9' } }),
        action: 'user.create',
        check: (e) => {
          expect(e.after.email).toBe('new.person@firm.test');
          expect(e.after.password_hash).toBe('[secret]');
        },
      },
      {
        route: 'PATCH /api/users/:id',
        run: () => call(api, 'PATCH', `/api/users/${firm.users.manager.id}`, { token: admin, body: { role: 'reviewer' } }),
        action: 'user.role_changed',
        check: (e) => {
          expect(e.before.role).toBe('manager');
          expect(e.after.role).toBe('reviewer');
        },
      },
      {
        route: 'PUT /api/settings/smtp',
        run: () => call(api, 'PUT', '/api/settings/smtp', { token: admin, body: { host: 'smtp.firm.test', port: 465, secure: true, user: 'ca', password: 'smtp-secret-1', from: 'ca@firm.test' } }),
        action: 'settings.smtp_updated',
        check: (e) => {
          expect(e.after.ciphertext).toBe('[secret]');
          expect(e.after.settings.host).toBe('smtp.firm.test');
        },
      },
      {
        route: 'PUT /api/settings/gsp',
        run: () => call(api, 'PUT', '/api/settings/gsp', { token: admin, body: { provider: 'Example GSP', username: 'firm', password: 'gsp-secret-1' } }),
        action: 'settings.gsp_updated',
        check: (e) => expect(e.after.ciphertext).toBe('[secret]'),
      },
      {
        route: 'PUT /api/settings/retention',
        run: () => call(api, 'PUT', '/api/settings/retention', { token: admin, body: { sourceFiles: { retainMonths: 96 }, reconciliationResults: { retainMonths: null } } }),
        action: 'settings.retention_updated',
        check: (e) => {
          expect(e.entity_type).toBe('retention_settings');
          expect(e.before).toBeNull();
          expect(e.after).toMatchObject({ source_files_months: 96, reconciliation_results_months: null, updated_by: firm.users.firm_admin.id });
        },
      },
      {
        route: 'PATCH /api/firm/settings',
        run: () => call(api, 'PATCH', '/api/firm/settings', { token: admin, body: { allowSelfApproval: true } }),
        action: 'firm.settings_updated',
        check: (e) => {
          expect(e.before.settings.allowSelfApproval).toBeUndefined();
          expect(e.after.settings.allowSelfApproval).toBe(true);
        },
      },
      {
        route: 'POST /api/auth/login',
        run: () => call(api, 'POST', '/api/auth/login', { body: { email: firm.users.staff.email, password: firm.users.staff.password, deviceName: 'audit test' } }),
        action: 'auth.login',
        check: (e) => expect(e.after.device_name).toBe('audit test'),
      },
      {
        route: 'POST /api/auth/reauth',
        run: () => call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } }),
        action: 'auth.reauth',
      },
      {
        route: 'POST /api/auth/totp/setup',
        run: () => call(api, 'POST', '/api/auth/totp/setup', { token: admin }),
        action: 'auth.totp_setup',
        check: (e) => expect(e.after.totp_pending_secret).toBe('[secret]'),
      },
      {
        route: 'DELETE /api/auth/sessions/:id',
        run: async () => {
          const session = await db.owner('sessions').where({ user_id: firm.users.staff.id }).whereNull('revoked_at').first('id');
          return call(api, 'DELETE', `/api/auth/sessions/${session.id}`, { token: admin });
        },
        action: 'auth.session_revoked',
        check: (e) => expect(e.after.revoked_reason).toBe('revoked_by_admin'),
      },
      {
        route: 'POST /api/auth/logout',
        run: async () => call(api, 'POST', '/api/auth/logout', { token: await login(api, firm.users.manager.email, firm.users.manager.password) }),
        action: 'auth.logout',
      },
    );
  });

  it('writes exactly one event for the changed entity of each mutating route, with before and after', async () => {
    for (const c of cases) {
      const res = await c.run();
      expect([200, 201, 204]).toContain(res.status);
      const events = (await eventsFor(res.headers.get('x-request-id') as string)).filter((e) => e.action === c.action);
      expect({ route: c.route, count: events.length }).toEqual({ route: c.route, count: 1 });
      const event = events[0];
      expect(event.firm_id).toBe(firm.id);
      expect({ route: c.route, ip: event.ip }).toEqual({ route: c.route, ip: expect.stringMatching(/(127\.0\.0\.1|::1)$/) });
      c.check?.(event);
    }
  });

  it('covers every mutating route of the app (or its own test file does)', () => {
    // Routes whose audit events are asserted in their own test files (append yours here).
    const coveredElsewhere = new Set(['POST /api/auth/totp/enable', 'POST /api/auth/totp/disable', 'POST /api/auth/password',
      // Period close: tests/integration/periods/period-close.test.ts asserts each one's events.
      'POST /api/clients/:id/periods/:period/close', 'POST /api/close-requests/:id/approve', 'POST /api/close-requests/:id/reject',
      'POST /api/close-requests/:id/withdraw', 'POST /api/clients/:id/periods/:period/reopen']);
    // Imports and reconciliations: tests/integration/recon asserts import.create/uploaded/rejected/expired and reconciliation.started/results_written/exported.
    // Manual actions: tests/integration/recon/manual-actions.test.ts asserts reconciliation.link/unlink/pending/ignore.
    // Data export and erasure: tests/integration/data-protection asserts client.export_requested/export_downloaded and client.erasure_requested.
    for (const r of ['POST /api/clients/:id/exports', 'POST /api/clients/:id/erasure']) coveredElsewhere.add(r);
    // Firm deletion: tests/integration/data-protection/firm-deletion.test.ts asserts firm.deletion_requested and firm.deletion_cancelled.
    for (const r of ['POST /api/firm/deletion', 'DELETE /api/firm/deletion']) coveredElsewhere.add(r);
    // The SMTP test email: tests/integration/settings/smtp-test.test.ts asserts settings.smtp_tested with each outcome.
    coveredElsewhere.add('POST /api/settings/smtp/test');
    // A person's read marks on their own notifications are no audited entity: tests/integration/auth/notifications-read.test.ts.
    for (const r of ['POST /api/notifications/:id/read', 'POST /api/notifications/read']) coveredElsewhere.add(r);
    for (const r of ['POST /api/clients/:id/imports', 'PUT /api/uploads', 'POST /api/clients/:id/reconciliations', 'POST /api/reconciliations/:runId/actions']) coveredElsewhere.add(r);
    // Follow-ups and the checklist link: tests/integration/follow-ups/{chase,routes}.test.ts assert follow_up.created/changed/snoozed/resumed/completed/
    // cancelled_period_closed/file_received/item_not_applicable/upload_requested/nudge_refused and client.email_unsubscribed.
    for (const r of ['POST /api/clients/:id/follow-ups', 'POST /api/follow-ups/:id/nudge', 'POST /api/follow-ups/:id/snooze', 'POST /api/follow-ups/:id/resume', 'PATCH /api/follow-ups/:id',
      'POST /api/follow-ups/:id/complete', 'POST /api/follow-ups/:id/cancel', 'POST /api/requests/:token/items/:itemId/uploads', 'PUT /api/request-uploads',
      'POST /api/requests/:token/items/:itemId/not-applicable', 'POST /api/requests/:token/unsubscribe']) coveredElsewhere.add(r);
    // Mismatch follow-ups: tests/integration/follow-ups/mismatch.test.ts asserts follow_up.created (with its run) and its items' events.
    coveredElsewhere.add('POST /api/reconciliations/:runId/follow-ups');
    // Compliance calendar: tests/integration/calendar/calendar-routes.test.ts asserts filing, firm_holiday, calendar_settings,
    // calendar_extension, client and client_frequency_change events.
    for (const r of ['POST /api/clients/:id/filings', 'PUT /api/firm/holidays', 'POST /api/calendar/extensions', 'PATCH /api/clients/:id/calendar-profile']) coveredElsewhere.add(r);
    // GST notices: tests/integration/notices/notice-flow.test.ts asserts notice.intake/draft/submit/approve/file,
    // the refused steps and the self-approval refusal; notice-timers.test.ts the extension and close.
    for (const r of ['POST /api/clients/:id/notices', 'POST /api/notices/:id/assign', 'PATCH /api/notices/:id', 'POST /api/notices/:id/extension', 'PUT /api/notices/:id/draft',
      'POST /api/notices/:id/submit', 'POST /api/notices/:id/approve', 'POST /api/notices/:id/request-changes', 'POST /api/notices/:id/filing',
      'POST /api/notices/:id/hearings', 'POST /api/notices/:id/hearings/:hid/adjourn', 'POST /api/notices/:id/close']) coveredElsewhere.add(r);
    // Import undo: tests/integration/recon/undo-and-twin-runs.test.ts asserts import.discarded/superseded.
    coveredElsewhere.add('DELETE /api/imports/:id');
    // Notice documents and outside replies: tests/integration/notices/notice-documents.test.ts asserts
    // notice.document_requested/document_received and notice.file_outside.
    for (const r of ['POST /api/notices/:id/documents', 'PUT /api/notice-uploads', 'POST /api/notices/:id/outside-reply']) coveredElsewhere.add(r);
    // Re-linking a reply: tests/integration/notices/notice-reply-relink.test.ts asserts notice.reply_relinked (both notices, the
    // reason, the moved rows) and notice.relink_reply_refused.
    coveredElsewhere.add('POST /api/notices/:id/reply/relink');
    // Accounts: tests/integration/accounts assert invitation.created/link_sent/resent/revoked/accepted,
    // password_reset.requested (by the admin who sent it, or anonymous for "forgot password"), auth.password_reset and user.unlocked.
    for (const r of ['POST /api/invitations', 'POST /api/invitations/:id/resend', 'DELETE /api/invitations/:id', 'POST /api/invitations/by-token/:token/accept',
      'POST /api/auth/password-reset', 'POST /api/auth/password-reset/:token', 'POST /api/users/:id/unlock', 'POST /api/users/:id/password-reset']) coveredElsewhere.add(r);
    const mutating = api.app.routeSpecs.filter((s) => s.method !== 'get').map((s) => `${s.method.toUpperCase()} ${s.path}`);
    const covered = new Set(cases.map((c) => c.route));
    expect(mutating.filter((r) => !covered.has(r) && !coveredElsewhere.has(r))).toEqual([]);
  });

  it('records refused attempts', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const res = await call(api, 'GET', '/api/audit', { token: staff });
    expect(res.status).toBe(403);
    const [event] = await eventsFor(res.headers.get('x-request-id') as string);
    expect(event).toMatchObject({ action: 'access.denied', actor_id: firm.users.staff.id, actor_role: 'staff' });
    const failed = await call(api, 'POST', '/api/auth/login', { body: { email: firm.users.staff.email, password: 'definitely wrong' } });
    // A refused sign-in of a known address is in the account's firm chain, about the user (its
    // entity), but by nobody known: whoever typed the address is not signed in, as for an unknown one.
    const refusals = await db.owner('audit_events').where({ firm_id: firm.id, action: 'auth.login_failed' });
    expect(refusals.map((e) => ({ actorId: e.actor_id, actorEmail: e.actor_email, actorRole: e.actor_role, entityId: e.entity_id, requestId: e.request_id, reason: e.after?.reason }))).toEqual([
      { actorId: null, actorEmail: 'anonymous', actorRole: 'anonymous', entityId: firm.users.staff.id, requestId: failed.headers.get('x-request-id'), reason: 'wrong_password' },
    ]);
    const verified = await verifyAuditChain(db.owner, firm.id);
    expect({ ok: verified.ok, firstBrokenId: verified.firstBrokenId }).toEqual({ ok: true, firstBrokenId: null });
  });

  it('records a close request refused because its period is not over, and writes nothing else', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const clientId = firm.clients[0]!.id;
    const ask = () => call(api, 'POST', `/api/clients/${clientId}/periods/2026-11/close`, { token: staff, body: {} });
    const refusalsOf = async (res: { headers: Headers }) =>
      (await eventsFor(res.headers.get('x-request-id') as string)).map((e) => ({ action: e.action, actor: e.actor_id, entityType: e.entity_type, after: e.after }));
    try {
      // November's last day: the close is refused by the time rule, and audited like any refused close request.
      pinnedToday = '2026-11-30';
      const early = await ask();
      expect([early.status, early.body.error?.code]).toEqual([422, 'period_not_ended']);
      expect(await refusalsOf(early)).toEqual([
        { action: 'period.close_request_refused', actor: firm.users.staff.id, entityType: 'period', after: { clientId, period: '2026-11', refusal: 'period_not_ended', closableFrom: '2026-12-01' } },
      ]);
      // The next day the window is open: the same request passes the rule and meets the next one (no reconciliation yet).
      pinnedToday = '2026-12-01';
      const onTime = await ask();
      expect([onTime.status, onTime.body.error?.code]).toEqual([422, 'reconciliation_missing']);
      expect((await refusalsOf(onTime)).map((e) => [e.action, (e.after as { refusal: string }).refusal])).toEqual([['period.close_request_refused', 'reconciliation_missing']]);
    } finally {
      pinnedToday = null;
    }
    expect(await db.owner('periods').where({ client_id: clientId, period: '2026-11' })).toEqual([]);
    expect(await db.owner('close_requests').where({ client_id: clientId, period: '2026-11' })).toEqual([]);
    expect((await verifyAuditChain(db.owner, firm.id)).ok).toBe(true);
  });

  it('lists, filters and pages events for admins and reviewers', async () => {
    const page1 = await call(api, 'GET', '/api/audit?limit=3', { token: admin });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(3);
    expect(Object.keys(page1.body.items[0]).sort()).toEqual(['action', 'actor', 'after', 'at', 'before', 'entityId', 'entityType', 'id', 'ip', 'requestId', 'seq']);
    expect(Object.keys(page1.body.items[0].actor).sort()).toEqual(['email', 'id', 'role']);
    // `at` in India's offset in the list (the export files keep their UTC stamps: see audit/export.ts).
    const ist = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    expect(page1.body.items.map((e: { at: string }) => e.at)).toEqual([ist, ist, ist]);
    const page2 = await call(api, 'GET', `/api/audit?limit=3&cursor=${page1.body.nextCursor}`, { token: admin });
    expect(page2.body.items[0].seq).toBeLessThan(page1.body.items[2].seq);
    const filtered = await call(api, 'GET', '/api/audit?entityType=client', { token: admin });
    expect(filtered.body.items.length).toBeGreaterThan(0);
    expect(new Set(filtered.body.items.map((e: { entityType: string }) => e.entityType))).toEqual(new Set(['client']));
    const reviewer = await login(api, firm.users.reviewer.email, firm.users.reviewer.password);
    expect((await call(api, 'GET', '/api/audit', { token: reviewer })).status).toBe(200);
  });

  it('exports the trail as CSV and JSON after re-authentication', async () => {
    const csv = await call(api, 'GET', '/api/audit/export?format=csv', { token: admin });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toContain('seq,id,at,actorId');
    const json = await call(api, 'GET', '/api/audit/export?format=json', { token: admin });
    expect(Array.isArray(json.body)).toBe(true);
    expect(json.body.length).toBeGreaterThan(5);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit_events through the application connection', async () => {
    const scope = { firmId: firm.id, actor: { userId: firm.users.firm_admin.id, email: firm.users.firm_admin.email, role: 'firm_admin' } };
    for (const sql of ["update audit_events set action = 'x'", 'delete from audit_events', 'truncate audit_events']) {
      await expect(inTenantTransaction(db.app, scope, (trx) => trx.raw(sql))).rejects.toThrow(/permission denied|append-only/);
    }
    // Even the owner is refused by the triggers.
    await expect(db.owner.raw("update audit_events set action = 'x'")).rejects.toThrow(/append-only/);
    await expect(db.owner.raw('truncate audit_events')).rejects.toThrow(/append-only/);
  });

  it('keeps the chain intact under concurrent writers of one firm', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(api, 'PATCH', `/api/clients/${firm.clients[1]!.id}`, { token: admin, body: { name: `Beta ${i}` } })),
    );
    const verify = await call(api, 'GET', '/api/audit/verify', { token: admin });
    expect(verify.body).toEqual({ ok: true, checked: expect.any(Number), firstBrokenId: null, redacted: 0 });
    expect(verify.body.checked).toBeGreaterThan(20);
  });

  it('names the first tampered row', async () => {
    const rows = await db.owner('audit_events').where({ firm_id: firm.id }).orderBy('seq');
    const victim = rows[Math.floor(rows.length / 2)];
    await db.owner.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update');
      await trx('audit_events').where({ id: victim.id }).update({ action: 'nothing.to.see' });
      await trx.raw('alter table audit_events enable trigger audit_events_no_update');
    });
    const verify = await call(api, 'GET', '/api/audit/verify', { token: admin });
    expect(verify.body).toEqual({ ok: false, checked: Number(victim.seq), firstBrokenId: victim.id, redacted: 0 });
    // A deleted row breaks the chain too: the next row's link points at nothing.
    const other = await createTestFirm(db);
    await inTenantTransaction(db.app, { firmId: other.id, actor: { userId: null, email: 'system', role: 'system' } }, async (trx) =>
      expect((await verifyAuditChain(trx, other.id)).ok).toBe(true),
    );
    const otherRows = await db.owner('audit_events').where({ firm_id: other.id }).orderBy('seq');
    await db.owner.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update');
      await trx('audit_events').where({ id: otherRows[1].id }).del();
      await trx.raw('alter table audit_events enable trigger audit_events_no_update');
    });
    const broken = await verifyAuditChain(db.owner, other.id);
    expect(broken).toMatchObject({ ok: false, firstBrokenId: otherRows[2].id });
  });
});
