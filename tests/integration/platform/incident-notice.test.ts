/**
 * `npm run ops:notify-firms`: every active firm admin of every firm gets the notice in the app and
 * by email (caught by the harness's Mailpit), nobody else does, the platform audit chain records it,
 * and running the same command again sends nobody a second copy. The command runs as a real child
 * process against a real database, as an operator runs it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Knex } from 'knex';
import os from 'node:os';
import path from 'node:path';
import { verifyAuditChain } from '../../../db/audit';
import { incidentIdFor } from '../../../ops/incident-notice';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';

/** How many rows a query matches. */
async function countOf(query: Knex.QueryBuilder): Promise<number> {
  return Number(((await query.count({ n: '*' })) as Array<{ n: string }>)[0]?.n ?? 0);
}

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../..');

type Run = { code: number | null; stdout: string; stderr: string };

function notifyFirms(env: NodeJS.ProcessEnv, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/notify-firms.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ops:notify-firms', () => {
  let db: TestDatabase;
  let firms: TestFirm[];
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = await createTestDatabase();
    firms = [await createTestFirm(db, 'Incident Firm One'), await createTestFirm(db, 'Incident Firm Two')];
    // A second admin in firm one, and a deactivated one who must not be told.
    await db.owner.raw(`insert into users (firm_id, email, name, role, password_hash, active) values (?, ?, 'Second admin', 'firm_admin', 'x', true), (?, ?, 'Former admin', 'firm_admin', 'x', false)`, [
      firms[0]!.id, `second.${firms[0]!.users.firm_admin.email}`, firms[0]!.id, `former.${firms[0]!.users.firm_admin.email}`,
    ]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-incident-'));
    env = { DATABASE_URL: db.url, SMTP_URL: harnessValue('mailSmtpUrl'), DATA_DIR: dir, TEMPORAL_ADDRESS: '' };
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tells every active firm admin in the app and by email, once, audited in the platform chain', async () => {
    const subject = 'Unauthorised access to a backup folder';
    const body = `On 4 December at 22:10 IST we found that a backup folder was readable from outside.\n\nWhat it held: client names and GSTINs of your firm.\nWhat we did: closed access at 22:40 and reported to CERT-In.`;
    const file = path.join(dir, 'notice.md');
    fs.writeFileSync(file, `${body}\n`);
    const incidentId = incidentIdFor(subject, body);

    const first = await notifyFirms(env, ['--subject', subject, '--file', file]);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('(from the environment)') });

    const told = [firms[0]!.users.firm_admin.email, `second.${firms[0]!.users.firm_admin.email}`, firms[1]!.users.firm_admin.email];
    for (const address of told) {
      const [message] = await waitForCaught(address, 1);
      const full = await caughtMessage(message!.ID);
      expect(full.Subject).toBe(`[Taalmel incident] ${subject}`);
      expect(full.Text).toContain('What we did: closed access at 22:40');
      expect(full.Text).toContain(incidentId);
    }
    // Not told: other roles and the deactivated admin.
    for (const address of [`former.${firms[0]!.users.firm_admin.email}`, firms[0]!.users.staff.email, firms[1]!.users.manager.email, firms[1]!.users.client.email]) {
      expect(await caughtTo(address)).toEqual([]);
    }

    // In the app: one notification per admin told, of the incident kind, with the notice.
    const notifications = await db.owner('notifications').where({ kind: 'platform.incident' }).select('firm_id', 'user_id', 'payload');
    expect(notifications).toHaveLength(3);
    expect(new Set(notifications.map((n: { payload: { incidentId: string } }) => n.payload.incidentId))).toEqual(new Set([incidentId]));
    const outbox = await db.owner('outbox').where({ template: 'incident' }).select('recipient', 'status');
    expect(outbox.map((r: { recipient: string; status: string }) => `${r.recipient} ${r.status}`).sort()).toEqual(told.map((t) => `${t} sent`).sort());

    // The platform chain: started and notified, with the counts, and the chain still verifies.
    const platform = await db.owner('audit_events').whereNull('firm_id').whereIn('action', ['platform.incident_notice_started', 'platform.incident_notified']).orderBy('seq').select('action', 'entity_id', 'after');
    expect(platform.map((e: { action: string }) => e.action)).toEqual(['platform.incident_notice_started', 'platform.incident_notified']);
    expect(platform[1]).toMatchObject({ entity_id: incidentId, after: { subject, firms: 2, recipients: 3, sent: 3, failed: 0, alreadyNotified: 0 } });
    expect(await verifyAuditChain(db.owner, null)).toMatchObject({ ok: true });
    for (const firm of firms) expect(await verifyAuditChain(db.owner, firm.id)).toMatchObject({ ok: true });

    // Again, the same notice: nobody gets a second copy, and the command says so.
    const second = await notifyFirms(env, ['--subject', subject, '--file', file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('"sent":0');
    expect(second.stdout).toContain('"alreadyNotified":3');
    for (const address of told) expect(await caughtTo(address)).toHaveLength(1);
    expect(await countOf(db.owner('notifications').where({ kind: 'platform.incident' }))).toBe(3);
  });

  it('refuses without a subject or a text, and without a mail server, changing nothing', async () => {
    const empty = path.join(dir, 'empty.md');
    fs.writeFileSync(empty, '\n');
    expect((await notifyFirms(env, ['--file', empty])).code).toBe(64);
    expect((await notifyFirms(env, ['--subject', 'x', '--file', empty])).code).toBe(65);
    const noMail = await notifyFirms({ ...env, SMTP_URL: '' }, ['--subject', 'x', '--file', path.join(dir, 'notice.md')]);
    expect(noMail.code).toBe(78);
    expect(noMail.stderr).toContain('SMTP_URL');
    expect(await countOf(db.owner('outbox').where({ template: 'incident' }))).toBe(3);
  });
});
