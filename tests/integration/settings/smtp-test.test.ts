/**
 * POST /api/settings/smtp/test (docs/api.md) against real SMTP: Mailpit for a delivery, a closed
 * port, a server that quotes the credentials back in its refusal, and one that never greets.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { caughtMessage, waitForCaught } from '../../harness/mail';

const canaryUser = `canary-user-${Date.now()}`;
const canaryPass = `canary-pass-${Date.now()}-do-not-leak`;
const leaks = (text: string) => [canaryUser, canaryPass, Buffer.from(canaryPass).toString('base64'), Buffer.from(`\0${canaryUser}\0${canaryPass}`).toString('base64')].filter((s) => text.includes(s));

async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A minimal SMTP server that refuses any login by quoting what it was sent, decoded and not. */
function quotingSmtp(socket: Socket) {
  const lines: string[] = [];
  socket.write('220 quoting ESMTP\r\n');
  socket.on('data', (chunk) => {
    for (const line of chunk.toString().split('\r\n').filter(Boolean)) {
      lines.push(line);
      const decoded = lines.map((l) => l.split(' ').pop() ?? '').map((b) => Buffer.from(b, 'base64').toString().split('\0').join(' ')).join(' ');
      if (/^EHLO/i.test(line)) socket.write('250-quoting\r\n250 AUTH PLAIN LOGIN\r\n');
      else if (/^AUTH LOGIN/i.test(line)) socket.write('334 VXNlcm5hbWU6\r\n');
      else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
      else if (/^AUTH PLAIN/i.test(line) || lines.filter((l) => !/^(EHLO|AUTH)/i.test(l)).length === 2) socket.write(`535 5.7.8 rejected ${line} for ${decoded}\r\n`);
      else socket.write('334 UGFzc3dvcmQ6\r\n');
    }
  });
}

/**
 * A server that accepts any message, but greets only `greetAfterMs` after the connection; `connected`
 * resolves as a client connects (the api is then inside its SMTP exchange).
 */
function slowAcceptingSmtp(greetAfterMs: number) {
  let connected!: () => void;
  const isConnected = new Promise<void>((resolve) => (connected = resolve));
  const onSocket = (socket: Socket) => {
    connected();
    let buffer = '';
    let inData = false;
    const timer = setTimeout(() => socket.write('220 slow ESMTP\r\n'), greetAfterMs);
    socket.on('close', () => clearTimeout(timer));
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 2.0.0 queued as slow1\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (/^EHLO/i.test(line)) socket.write('250-slow\r\n250 AUTH PLAIN LOGIN\r\n');
        else if (/^AUTH PLAIN/i.test(line)) socket.write('235 2.7.0 ok\r\n');
        else if (/^DATA/i.test(line)) {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  };
  return { onSocket, connected: isConnected };
}

describe('SMTP test email', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;
  const bodies: string[] = [];
  const servers: Server[] = [];

  const mailpit = new URL(harnessValue('mailSmtpUrl'));
  async function save(t: string, settings: { host: string; port: number }) {
    const res = await call(api, 'PUT', '/api/settings/smtp', { token: t, body: { ...settings, secure: false, user: canaryUser, password: canaryPass, from: 'CA Firm <ca@firm.test>' } });
    expect(res.status).toBe(204);
  }
  async function test(t: string) {
    const res = await call(api, 'POST', '/api/settings/smtp/test', { token: t });
    bodies.push(res.text);
    return res;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
    firm = await createTestFirm(db);
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    await api.close();
    await db.drop();
  });

  it('answers 422 smtp_not_configured before anything is saved', async () => {
    const res = await test(token);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 422, code: 'smtp_not_configured' });
  });

  it('delivers one message to the caller through the saved settings', async () => {
    await save(token, { host: mailpit.hostname, port: Number(mailpit.port) });
    const res = await test(token);
    expect({ status: res.status, ok: res.body.ok }).toEqual({ status: 200, ok: true });
    const [caught] = await waitForCaught(firm.users.firm_admin.email, 1);
    const message = await caughtMessage(caught!.ID);
    expect({ subject: message.Subject, from: message.From.Address, messageId: `<${message.MessageID}>` }).toEqual({ subject: 'Taalmel: SMTP test', from: 'ca@firm.test', messageId: res.body.messageId });
  });

  it('answers 422 smtp_failed for a closed port, without the credentials', async () => {
    const { server, port } = await listen((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now
    await save(token, { host: '127.0.0.1', port });
    const res = await test(token);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 422, code: 'smtp_failed' });
    expect(res.body.error.details.smtpError).toMatch(/ECONNREFUSED/);
  });

  it('masks the user name and password when the server quotes them back', async () => {
    const { server, port } = await listen(quotingSmtp);
    servers.push(server);
    await save(token, { host: '127.0.0.1', port });
    const res = await test(token);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 422, code: 'smtp_failed' });
    expect(res.body.error.details.smtpError).toMatch(/535 5\.7\.8 rejected .*\*\*\*/);
    expect(leaks(res.text)).toEqual([]);
  });

  it('gives up after 10 seconds on a server that never answers, and records it', async () => {
    const { server, port } = await listen(() => undefined);
    servers.push(server);
    await save(token, { host: '127.0.0.1', port });
    const started = Date.now();
    const res = await test(token);
    const seconds = (Date.now() - started) / 1000;
    expect({ status: res.status, code: res.body.error?.code, inTime: seconds >= 9 && seconds < 15 }).toEqual({ status: 422, code: 'smtp_failed', inTime: true });
    const audit = await db.owner('audit_events').where({ firm_id: firm.id, action: 'settings.smtp_tested' }).orderBy('seq');
    expect(audit.map((a: { after: { outcome: string } }) => a.after.outcome)).toEqual(['sent', 'failed', 'failed', 'failed']);
  }, 40_000);

  it('holds no database transaction while the SMTP server is slow to answer', async () => {
    // A firm of its own, so the other tests' counts and audit rows stay theirs.
    const slowFirm = await createTestFirm(db);
    const t = await login(api, slowFirm.users.firm_admin.email, slowFirm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: t, body: { password: slowFirm.users.firm_admin.password } })).status).toBe(204);
    const slow = slowAcceptingSmtp(3_000);
    const { server, port } = await listen(slow.onSocket);
    servers.push(server);
    await save(t, { host: '127.0.0.1', port });
    const answer = test(t);
    await slow.connected;
    // While the server keeps the api waiting for its greeting: no session of this database sits in
    // an open transaction (the request's would show as 'idle in transaction'), sampled a few times.
    const open: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { rows } = await db.owner.raw(`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
      open.push(rows[0].n as number);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const res = await answer;
    expect({ status: res.status, ok: res.body.ok, open }).toEqual({ status: 200, ok: true, open: [0, 0, 0, 0, 0] });
    const audit = await db.owner('audit_events').where({ firm_id: slowFirm.id, action: 'settings.smtp_tested' });
    expect(audit.map((a: { after: { outcome: string; port: number } }) => a.after)).toEqual([{ outcome: 'sent', host: '127.0.0.1', port }]);
    expect(leaks(res.text)).toEqual([]);
  }, 30_000);

  it("keeps none of its firm's slots while the SMTP server is silent: the firm's other requests go on", async () => {
    // One slot per firm: had the test kept it through its SMTP wait, this firm's GET would queue
    // behind it and be refused (503 unavailable) once its wait ran out.
    const oneSlot = await startTestApi(db, {}, { limits: { perFirmConnections: 1, firmWaitMs: 1_000 } });
    try {
      const quietFirm = await createTestFirm(db);
      const t = await login(oneSlot, quietFirm.users.firm_admin.email, quietFirm.users.firm_admin.password);
      expect((await call(oneSlot, 'POST', '/api/auth/reauth', { token: t, body: { password: quietFirm.users.firm_admin.password } })).status).toBe(204);
      let connected!: () => void;
      const isConnected = new Promise<void>((resolve) => (connected = resolve));
      const { server, port } = await listen(() => connected()); // never greets
      servers.push(server);
      const put = await call(oneSlot, 'PUT', '/api/settings/smtp', { token: t, body: { host: '127.0.0.1', port, secure: false, user: canaryUser, password: canaryPass, from: 'ca@firm.test' } });
      expect(put.status).toBe(204);
      const testing = call(oneSlot, 'POST', '/api/settings/smtp/test', { token: t });
      await isConnected;
      const get = await call(oneSlot, 'GET', '/api/settings/smtp', { token: t });
      const tested = await testing;
      expect({ get: get.status, host: get.body.host, test: tested.status, code: tested.body.error?.code }).toEqual({ get: 200, host: '127.0.0.1', test: 422, code: 'smtp_failed' });
      const audit = await db.owner('audit_events').where({ firm_id: quietFirm.id, action: 'settings.smtp_tested' });
      expect(audit.map((a: { after: { outcome: string } }) => a.after.outcome)).toEqual(['failed']);
    } finally {
      await oneSlot.close();
    }
  }, 40_000);

  it("records the outcome as the caller's when the request's deadline passed during the send", async () => {
    // Long enough for the sign-in's password hash on a busy machine, shorter than the server's silence.
    const shortDeadline = await startTestApi(db, {}, { limits: { requestTimeoutMs: 4_000 } });
    try {
      const lateFirm = await createTestFirm(db);
      const admin = lateFirm.users.firm_admin;
      const t = await login(shortDeadline, admin.email, admin.password);
      expect((await call(shortDeadline, 'POST', '/api/auth/reauth', { token: t, body: { password: admin.password } })).status).toBe(204);
      const slow = slowAcceptingSmtp(6_000);
      const { server, port } = await listen(slow.onSocket);
      servers.push(server);
      const put = await call(shortDeadline, 'PUT', '/api/settings/smtp', { token: t, body: { host: '127.0.0.1', port, secure: false, user: canaryUser, password: canaryPass, from: 'ca@firm.test' } });
      expect(put.status).toBe(204);
      const res = await call(shortDeadline, 'POST', '/api/settings/smtp/test', { token: t });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 503, code: 'request_timeout' });
      const requestId = res.headers.get('x-request-id');
      // The message went out after the 503: its row commits once the server has accepted it.
      let rows: Array<{ actor_id: string; actor_role: string; request_id: string; after: { outcome: string } }> = [];
      for (let i = 0; i < 50 && rows.length === 0; i += 1) {
        rows = await db.owner('audit_events').where({ firm_id: lateFirm.id, action: 'settings.smtp_tested' });
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(rows.map((r) => ({ outcome: r.after.outcome, actorId: r.actor_id, actorRole: r.actor_role, requestId: r.request_id }))).toEqual([
        { outcome: 'sent', actorId: admin.id, actorRole: 'firm_admin', requestId },
      ]);
    } finally {
      await shortDeadline.close();
    }
  }, 40_000);

  it('refuses other roles', async () => {
    for (const role of ['staff', 'manager'] as const) {
      const t = await login(api, firm.users[role].email, firm.users[role].password);
      const res = await test(t);
      expect({ role, status: res.status }).toEqual({ role, status: 403 });
    }
  });

  it('allows five tests per firm an hour, then 429 rate_limited with Retry-After', async () => {
    const other = await createTestFirm(db);
    const t = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: t, body: { password: other.users.firm_admin.password } })).status).toBe(204);
    await save(t, { host: mailpit.hostname, port: Number(mailpit.port) });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await test(t)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await test(t);
    expect({ code: refused.body.error?.code, retryAfter: Number(refused.headers.get('retry-after')) > 3000 }).toEqual({ code: 'rate_limited', retryAfter: true });
    // The first firm's count is its own.
    expect((await test(token)).status).toBe(422);
  });

  it('takes its hourly limit from the configuration (SMTP_TEST_LIMIT_PER_HOUR)', async () => {
    const twice = await startTestApi(db, {}, { smtpTest: { perHour: 2 } });
    try {
      const other = await createTestFirm(db);
      const t = await login(twice, other.users.firm_admin.email, other.users.firm_admin.password);
      expect((await call(twice, 'POST', '/api/auth/reauth', { token: t, body: { password: other.users.firm_admin.password } })).status).toBe(204);
      const put = await call(twice, 'PUT', '/api/settings/smtp', { token: t, body: { host: mailpit.hostname, port: Number(mailpit.port), secure: false, user: canaryUser, password: canaryPass, from: 'ca@firm.test' } });
      expect(put.status).toBe(204);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await call(twice, 'POST', '/api/settings/smtp/test', { token: t })).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await twice.close();
    }
  });

  it('leaves the credentials out of every answer, log and audit row', async () => {
    expect(leaks(bodies.join('\n'))).toEqual([]);
    expect(leaks(api.logs.text())).toEqual([]);
    // The test's own rows hold neither; the user name is a stored setting (GET shows it), so the
    // settings' update rows may name it, but no row holds the password.
    const tested = await db.owner.raw(`select a::text as row from audit_events a where firm_id = ? and action = 'settings.smtp_tested'`, [firm.id]);
    expect(tested.rows).toHaveLength(5); // sent, refused, quoted, timed out, and the last check of the rate limit test
    expect(leaks(tested.rows.map((r: { row: string }) => r.row).join('\n'))).toEqual([]);
    const all = await db.owner.raw(`select a::text as row from audit_events a where firm_id = ?`, [firm.id]);
    expect(leaks(all.rows.map((r: { row: string }) => r.row).join('\n')).filter((s) => s !== canaryUser)).toEqual([]);
  });
});
