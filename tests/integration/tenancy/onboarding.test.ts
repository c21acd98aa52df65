import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseSecretKeys, SecretBox } from '../../../db/security/secret-box';
import { reencryptAllSecrets } from '../../../db/reencrypt-secrets';
import { generateKeySpec } from '../../../db/security/secret-box';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('platform operations', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('onboards a firm with ops:create-firm, audited as a system action', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'ops/create-firm.ts', '--name', 'Mehta & Co', '--admin-email', 'Partner@Mehta.example', '--json'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, DATABASE_APP_ROLE: TEST_APP_ROLE, LOG_LEVEL: 'silent' },
    });
    const created = JSON.parse(stdout.trim());
    expect(Object.keys(created).sort()).toEqual(['adminEmail', 'firmId', 'password']);
    expect(created.adminEmail).toBe('partner@mehta.example');
    expect(created.password.length).toBeGreaterThanOrEqual(20);

    const token = await login(api, 'partner@mehta.example', created.password);
    const me = await call(api, 'GET', '/api/auth/me', { token });
    expect(me.body.user).toMatchObject({ role: 'firm_admin', firmId: created.firmId });

    const events = await db.owner('audit_events').where({ firm_id: created.firmId }).orderBy('seq');
    expect(events.map((e: { action: string }) => e.action).slice(0, 3)).toEqual(['firm.create', 'user.create', 'firm.onboarded']);
    expect(events[0].actor_email).toBe('system:create-firm');
    expect(events[0].actor_role).toBe('system');

    const again = run(process.execPath, ['--import', 'tsx', 'ops/create-firm.ts', '--name', 'Other', '--admin-email', 'partner@mehta.example'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, DATABASE_APP_ROLE: TEST_APP_ROLE },
    });
    await expect(again).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('already exists') });
  });

  it('re-encrypts every stored secret under the current key', async () => {
    const firm = await createTestFirm(db);
    const admin = firm.users.firm_admin;
    const token = await login(api, admin.email, admin.password);
    await call(api, 'POST', '/api/auth/reauth', { token, body: { password: admin.password } });
    await call(api, 'PUT', '/api/settings/gsp', { token, body: { provider: 'GSP', username: 'u', password: 'gsp password' } });
    await call(api, 'POST', '/api/auth/totp/setup', { token });

    const old = api.security.settings;
    const newKey = generateKeySpec('k-next');
    const rotated = new SecretBox(parseSecretKeys(`${old.secretKeys},${newKey}`, 'k-next'));
    const report = await reencryptAllSecrets(db.app, rotated);
    expect(report.reencrypted).toBeGreaterThanOrEqual(2);
    expect((await reencryptAllSecrets(db.app, rotated)).reencrypted).toBe(0);

    const onlyNew = new SecretBox(parseSecretKeys(newKey, 'k-next'));
    const secret = await db.owner('firm_secrets').where({ firm_id: firm.id, kind: 'gsp' }).first();
    expect(secret.key_id).toBe('k-next');
    expect(onlyNew.decrypt(secret.ciphertext)).toBe('gsp password');
    const user = await db.owner('users').where({ id: admin.id }).first();
    expect(onlyNew.keyIdOf(user.totp_pending_secret)).toBe('k-next');
    expect(() => new SecretBox(parseSecretKeys(old.secretKeys, old.secretKeyCurrent)).decrypt(secret.ciphertext)).toThrow(/no configured key/);
  });
});
