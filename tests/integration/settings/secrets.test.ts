import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

describe('firm secrets', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  const canary = `canary-smtp-${Date.now()}-do-not-leak`;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('stores the SMTP password sealed and never shows it anywhere', async () => {
    const admin = firm.users.firm_admin;
    const token = await login(api, admin.email, admin.password);
    const bodies: string[] = [];
    const record = async (p: Promise<{ text: string; status: number }>) => {
      const res = await p;
      bodies.push(res.text);
      return res;
    };
    expect((await record(call(api, 'GET', '/api/settings/smtp', { token }))).status).toBe(200);
    await record(call(api, 'POST', '/api/auth/reauth', { token, body: { password: admin.password } }));
    const body = { host: 'smtp.firm.test', port: 587, secure: false, user: 'ca@firm.test', password: canary, from: 'CA Firm <ca@firm.test>' };
    expect((await record(call(api, 'PUT', '/api/settings/smtp', { token, body }))).status).toBe(204);
    // A bad request carrying the secret: the error must not echo it.
    const bad = await record(call(api, 'PUT', '/api/settings/smtp', { token, body: { ...body, port: 'not a port' } }));
    expect(bad.status).toBe(400);
    // The sender must be an address (or a name and an address): "abc" is refused, field named.
    for (const from of ['abc', 'CA Firm <not an address>', 'a@b.test, c@d.test', 'CA <ca@firm.test>\r\nBcc: x@y.test']) {
      const refused = await record(call(api, 'PUT', '/api/settings/smtp', { token, body: { ...body, from } }));
      expect({ from, status: refused.status, code: JSON.parse(refused.text).error?.code, field: Object.keys(JSON.parse(refused.text).error?.details?.fields ?? {}).includes('from') }).toEqual({ from, status: 400, code: 'invalid_input', field: true });
    }
    expect((await record(call(api, 'PUT', '/api/settings/smtp', { token, body: { ...body, from: 'ca@firm.test' } }))).status).toBe(204);
    expect((await record(call(api, 'PUT', '/api/settings/smtp', { token, body }))).status).toBe(204);
    const read = await record(call(api, 'GET', '/api/settings/smtp', { token }));
    expect(JSON.parse(read.text)).toEqual({ host: 'smtp.firm.test', port: 587, secure: false, user: 'ca@firm.test', from: 'CA Firm <ca@firm.test>', passwordSet: true });
    await record(call(api, 'GET', '/api/audit?limit=500', { token }));
    await record(call(api, 'GET', '/api/audit/export?format=json', { token }));

    for (const text of bodies) expect(text).not.toContain(canary);
    expect(api.logs.text()).not.toContain(canary);
    const audit = await db.owner.raw(`select a::text as row from audit_events a where firm_id = ?`, [firm.id]);
    expect(audit.rows.length).toBeGreaterThan(0);
    for (const r of audit.rows) expect(r.row).not.toContain(canary);

    const stored = await db.owner('firm_secrets').where({ firm_id: firm.id, kind: 'smtp' }).first();
    expect(stored.ciphertext).toMatch(/^v1\./);
    expect(api.security.secretBox.decrypt(stored.ciphertext)).toBe(canary);

    // The table's bytes on disk hold no plaintext copy.
    await db.owner.raw('checkpoint');
    const { rows } = await db.owner.raw(`select pg_read_binary_file(pg_relation_filepath('firm_secrets')) as bytes`);
    const bytes = rows[0].bytes as Buffer;
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from('smtp.firm.test'))).toBe(true); // the check can see plaintext…
    expect(bytes.includes(Buffer.from(canary))).toBe(false); // …and the password is not there
  });

  it('refuses other roles', async () => {
    const token = await login(api, firm.users.manager.email, firm.users.manager.password);
    expect((await call(api, 'GET', '/api/settings/smtp', { token })).status).toBe(403);
    expect((await call(api, 'GET', '/api/settings/gsp', { token })).status).toBe(403);
  });
});
