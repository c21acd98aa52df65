/**
 * `npm start` as a user runs it: a child process with nothing configured but free ports and its own
 * data folder. It must come up with PostgreSQL, Temporal (and its UI), print the demo logins, stop
 * cleanly on SIGINT leaving no server behind, and keep its data across a restart.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, isPortFree } from '../../ops/ports';
import { eventually } from '../harness/eventually';
import { harnessValue } from '../harness/harness-env';
import { READY_LINE, startStack, waitFor } from './stack';

// Two starts of the whole stack (each waited for up to four minutes on a busy machine), the first
// email, and the stops: the test's deadline leaves room for every step's own budget, so a slow step
// fails with its own name.
jest.setTimeout(600_000);

function processesMentioning(fragment: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(fragment) && !line.includes('ps -eo'));
}

/**
 * The demo path: staff chase a demo client, the message is read in the local catcher, the client
 * answers through its link, and the follow-up completes.
 */
async function chaseDemoClient(api: string, credentials: { users: Array<{ email: string; password: string; role: string }>; clients: Array<{ id: string }>; mail: { apiUrl: string } }) {
  const staff = credentials.users.find((u) => u.role === 'staff')!;
  const login = await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: staff.email, password: staff.password }) });
  const { token } = (await login.json()) as { token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const clientId = credentials.clients[0]!.id;
  const created = await fetch(`${api}/api/clients/${clientId}/follow-ups`, { method: 'POST', headers, body: JSON.stringify({ title: 'Demo chase', dueDate: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10), items: [{ description: 'Purchase bills' }], policy: { quietHours: { from: '00:00', to: '00:00' } } }) });
  // (No quiet hours for this request: the test may run at night in India, when a real one would wait for 10:00.)
  expect(created.status).toBe(201);
  const followUp = (await created.json()) as { id: string; items: Array<{ id: string }> };
  // The stack's first email (its worker warms the engine up first) on a busy machine: a budget in time, not in polls.
  const deadline = Date.now() + 120_000;
  let link: string | null = null;
  while (!link && Date.now() < deadline) {
    const list = (await (await fetch(`${credentials.mail.apiUrl}/api/v1/messages`)).json()) as { messages: Array<{ ID: string; Subject: string }> };
    const message = list.messages.find((m) => m.Subject.includes('Demo chase'));
    if (message) {
      const full = (await (await fetch(`${credentials.mail.apiUrl}/api/v1/message/${message.ID}`)).json()) as { Text: string };
      link = /\/r\/([A-Za-z0-9_-]+)/.exec(full.Text)?.[1] ?? null;
    }
    if (!link) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!link) throw new Error(`no email with a link was caught in 120 s; the follow-up: ${await (await fetch(`${api}/api/follow-ups/${followUp.id}`, { headers })).text()}`);
  const page = await fetch(`${api}/r/${link}`);
  expect(page.status).toBe(200);
  const answer = await fetch(`${api}/api/requests/${link}/items/${followUp.items[0]!.id}/not-applicable`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'no purchases this month' }) });
  expect(answer.status).toBe(200);
  const detail = (await (await fetch(`${api}/api/follow-ups/${followUp.id}`, { headers })).json()) as { status: string };
  expect(detail.status).toBe('completed');
}

describe('npm start', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-start-'));
    fs.chmodSync(dataDir, 0o755);
    env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      MAIL_SMTP_PORT: String(await freePort()),
      MAIL_API_PORT: String(await freePort()),
      // Reuse the Mailpit the harness found (never build it twice).
      ...(process.env.MAILPIT_PATH ? { MAILPIT_PATH: process.env.MAILPIT_PATH } : {}),
      // Reuse the CLI the harness found, so this test never builds it a second time.
      ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
    };
    harnessValue('temporalAddress'); // the harness ran, so the Temporal CLI is available
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('runs the whole product, stops cleanly and keeps its data', async () => {
    const first = startStack(env);
    try {
      await waitFor(first, READY_LINE);
      const api = `http://127.0.0.1:${env.PORT}`;
      // Ready once the worker's first polls reach Temporal, a moment after the banner.
      await eventually('readyz is 200', async () => (await fetch(`${api}/readyz`)).status === 200, 60_000, 250);
      // The web app, built by npm start, at the root.
      const app = await fetch(`${api}/`);
      expect(app.status).toBe(200);
      expect(await app.text()).toContain('<div id="root"></div>');
      expect((await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`)).status).toBe(200);

      const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8'));
      expect(credentials.apiUrl).toBe(api);
      expect(credentials.temporalUiUrl).toBe(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
      expect(credentials.users.map((u: { role: string }) => u.role).sort()).toEqual(['client', 'firm_admin', 'manager', 'staff']);
      expect(credentials.clients).toHaveLength(2);
      for (const user of credentials.users) {
        expect(user.password.length).toBeGreaterThanOrEqual(12);
        expect(first.output()).toContain(user.password);
      }
      expect(credentials.mail).toEqual({ smtpPort: Number(env.MAIL_SMTP_PORT), apiUrl: `http://127.0.0.1:${env.MAIL_API_PORT}` });
      expect(first.output()).toContain(`${credentials.mail.apiUrl}/api/v1/messages`);
      // Metrics: the api's behind the dev token, the worker's from the SDK's exporter.
      expect(credentials.metricsUrl).toBe(`${api}/metrics`);
      expect((await fetch(credentials.metricsUrl)).status).toBe(401);
      const metrics = await fetch(credentials.metricsUrl, { headers: { authorization: `Bearer ${credentials.metricsToken}` } });
      expect({ status: metrics.status, ready: /^taalmel_ready\{check="all"\} 1$/m.test(await metrics.text()) }).toEqual({ status: 200, ready: true });
      expect(await (await fetch(credentials.workerMetricsUrl)).text()).toMatch(/^temporal_/m);
      await chaseDemoClient(api, credentials);
    } finally {
      first.child.kill('SIGINT');
    }
    expect(await first.exited).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(await isPortFree(Number(env.EMBEDDED_PG_PORT))).toBe(true);
    expect(await isPortFree(Number(env.TEMPORAL_DEV_PORT))).toBe(true);
    expect(await isPortFree(Number(env.MAIL_SMTP_PORT))).toBe(true);

    const before = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8'));
    const second = startStack(env);
    try {
      await waitFor(second, READY_LINE);
      expect(second.output()).toContain('from the first start');
      const after = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8'));
      expect(after.clients).toEqual(before.clients);
      expect(after.users).toEqual(before.users);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
    expect(processesMentioning(dataDir)).toEqual([]);
  });

  it('names the port that is taken instead of printing a stack trace', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
    try {
      const started = startStack({ ...env, PORT: String(port) });
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain(`Port ${port} (the Taalmel API) is already in use`);
      expect(started.output()).toContain('PORT');
      expect(started.output()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
