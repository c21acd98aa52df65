/**
 * Account emails through an SMTP outage (docs/accounts.md, "Email"): a passing failure (the firm's
 * server down) is retried by Temporal and the email arrives once when the server is back; a 5xx
 * refusal is final at once and shows as failed. Real api, worker, PostgreSQL, Mailpit, and a local
 * SMTP server that refuses every recipient.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { eventually } from '../../harness/eventually';
import { harnessValue } from '../../harness/harness-env';
import { caughtTo } from '../../harness/mail';
import { adminToken, call, linkTokenTo, startAccountsStack, type AccountsStack } from './helpers';

async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** An SMTP server that takes the login and the sender, then refuses every recipient for good (550). */
function refusingSmtp(socket: Socket) {
  socket.write('220 refusing ESMTP\r\n');
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk.toString();
    let eol: number;
    while ((eol = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      if (/^EHLO/i.test(line)) socket.write('250-refusing\r\n250 AUTH PLAIN LOGIN\r\n');
      else if (/^AUTH/i.test(line)) socket.write('235 2.7.0 ok\r\n');
      else if (/^MAIL FROM/i.test(line)) socket.write('250 2.1.0 ok\r\n');
      else if (/^RCPT TO/i.test(line)) socket.write('550 5.1.1 no such mailbox here\r\n');
      else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
      else socket.write('250 ok\r\n');
    }
  });
}

describe('account emails through an SMTP outage', () => {
  let stack: AccountsStack;
  let admin: string;
  const servers: Server[] = [];
  const mailpit = new URL(harnessValue('mailSmtpUrl'));

  async function useSmtp(host: string, port: number) {
    const body = { host, port, secure: false, user: 'ca@firm.test', password: 'smtp password', from: 'CA Firm <ca@firm.test>' };
    expect((await call(stack.api, 'PUT', '/api/settings/smtp', { token: admin, body })).status).toBe(204);
  }
  const outboxRow = (invitationId: string) => stack.db.owner('outbox').where({ firm_id: stack.firm.id, slot_key: `account:invitation:${invitationId}:1` }).first();

  beforeAll(async () => {
    stack = await startAccountsStack();
    admin = await adminToken(stack);
    expect((await call(stack.api, 'POST', '/api/auth/reauth', { token: admin, body: { password: stack.firm.users.firm_admin.password } })).status).toBe(204);
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    await stack?.close();
  });

  it('retries an invitation while the firm\'s SMTP server is down, and sends it once when it is back', async () => {
    // A port nobody listens on: bound, then let go.
    const closed = await listen(() => undefined);
    await new Promise((resolve) => closed.server.close(resolve));
    await useSmtp('127.0.0.1', closed.port);

    const email = `outage.${randomBytes(4).toString('hex')}@people.test`;
    const created = await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'Outage Invitee', role: 'staff' } });
    expect(created.status).toBe(201);
    const waiting = await eventually('the first attempt to fail in passing', async () => {
      const row = await outboxRow(created.body.id);
      return row?.status === 'failed' ? row : null;
    }, 30_000, 200);
    expect({ status: waiting.status, error: waiting.error }).toEqual({ status: 'failed', error: expect.stringMatching(/^will retry: .*ECONNREFUSED/) });

    await useSmtp(mailpit.hostname, Number(mailpit.port));
    const handle = stack.api.temporal.client.workflow.getHandle(`account-email:${stack.firm.id}:invitation:${created.body.id}:1`);
    expect(await handle.result()).toEqual({ status: 'sent' });
    const row = await outboxRow(created.body.id);
    expect({ status: row.status, error: row.error }).toEqual({ status: 'sent', error: null });
    const caught = await caughtTo(email);
    expect(caught.length).toBe(1);
    const { token } = await linkTokenTo(email, 'invite');
    expect((await call(stack.api, 'POST', `/api/invitations/by-token/${token}/accept`, { body: { password: 'a brand new passphrase 77' } })).status).toBe(201);
  });

  it('fails an invitation for good at a 5xx refusal, without retrying, and says so in the invitations list', async () => {
    let connections = 0;
    const refusing = await listen((socket) => {
      connections += 1;
      refusingSmtp(socket);
    });
    servers.push(refusing.server);
    await useSmtp('127.0.0.1', refusing.port);

    const email = `refused.${randomBytes(4).toString('hex')}@people.test`;
    const created = await call(stack.api, 'POST', '/api/invitations', { token: admin, body: { email, name: 'Refused Invitee', role: 'staff' } });
    expect(created.status).toBe(201);
    // The email's workflow starts once the request's transaction commits, after the answer can
    // have gone: wait for it to exist before asking for its result.
    const handle = stack.api.temporal.client.workflow.getHandle(`account-email:${stack.firm.id}:invitation:${created.body.id}:1`);
    await eventually('the invitation email to start', () => handle.describe().then(() => true, () => false), 30_000, 200);
    expect(await handle.result()).toEqual({ status: 'failed' });
    const row = await outboxRow(created.body.id);
    expect({ status: row.status, error: row.error, connections }).toEqual({ status: 'failed', error: expect.stringMatching(/550/), connections: 1 });
    expect(row.error).not.toMatch(/^will retry/);

    const list = await call(stack.api, 'GET', '/api/invitations', { token: admin });
    const shown = list.body.items.find((i: { id: string }) => i.id === created.body.id);
    expect(shown?.delivery).toEqual({ status: 'failed', error: expect.stringMatching(/550/), at: expect.any(String) });
  });
});
