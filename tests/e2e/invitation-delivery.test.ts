/**
 * The invitations list on the firm admin's settings page says what happened to each invitation's
 * email, in a real Chromium against a fresh `npm start`: "Failed" with the mail server's 5xx reason
 * and a resend that goes out once the SMTP settings are right; "Retrying" while the server is down
 * (Temporal tries again on its own), then "Sent" when it is back, with the time of each state.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { call } from '../harness/api';
import { eventually } from '../harness/eventually';
import { useAppStack } from './app-stack';
import { seriousA11yViolations } from './browser';

jest.setTimeout(420_000);

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

type Listed = { id: string; email: string; delivery: { status: string; error: string | null; at: string } | null };

describe('invitation delivery on the settings page', () => {
  const app = useAppStack('invitation-delivery');
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('shows failed, retrying and sent with their times, and resends a failed invitation', async () => {
    const token = await app.token('firm_admin');
    const api = { url: app.demo.apiUrl };
    const mail = app.demo.mail!;
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: app.user('firm_admin').password } })).status).toBe(204);
    const useSmtp = async (port: number) => {
      const body = { host: '127.0.0.1', port, secure: false, user: 'accounts', password: 'smtp password', from: 'Sharma & Co <accounts@sharmaco.example>' };
      expect((await call(api, 'PUT', '/api/settings/smtp', { token, body })).status).toBe(204);
    };
    const invite = async (email: string, name: string) => {
      const res = await call(api, 'POST', '/api/invitations', { token, body: { email, name, role: 'staff' } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const listed = async (id: string) => ((await call(api, 'GET', '/api/invitations', { token })).body.items as Listed[]).find((i) => i.id === id);

    // Refused for good (550): the row says Failed, with the server's reason and the time.
    const refusing = await listen(refusingSmtp);
    servers.push(refusing.server);
    await useSmtp(refusing.port);
    const refusedEmail = `refused.${randomBytes(4).toString('hex')}@people.test`;
    const refusedId = await invite(refusedEmail, 'Refused Invitee');
    const failed = await eventually('the refused invitation failed', async () => {
      const shown = await listed(refusedId);
      return shown?.delivery?.status === 'failed' ? shown.delivery : null;
    }, 120_000, 500);
    expect(failed.error).toMatch(/550/);

    const { page, done } = await app.signedIn('firm_admin', 'invitation-delivery', '/settings');
    const refusedCell = page.getByTestId(`delivery-${refusedEmail}`);
    await refusedCell.getByText('Failed', { exact: true }).waitFor();
    const refusedText = await refusedCell.innerText();
    expect(refusedText).toContain("not delivered: check the firm's SMTP settings, then resend");
    expect(refusedText).toContain('550 5.1.1 no such mailbox here');
    // The time of the failure as the app writes times (dd-mm-yyyy hh:mm, India time).
    expect(refusedText).toMatch(/\d{2}-\d{2}-\d{4}/);
    expect(refusedText).not.toContain('smtp password');

    // The server down: the row says Retrying while Temporal tries again.
    const closed = await listen(() => undefined);
    await new Promise((resolve) => closed.server.close(resolve));
    await useSmtp(closed.port);
    const outageEmail = `outage.${randomBytes(4).toString('hex')}@people.test`;
    const outageId = await invite(outageEmail, 'Outage Invitee');
    // Made through the API, so the open page learns of it on its next load; from then on the page
    // follows the unsettled email on its own.
    await page.reload();
    const outageCell = page.getByTestId(`delivery-${outageEmail}`);
    await outageCell.getByText('Retrying', { exact: true }).waitFor({ timeout: 90_000 });
    expect(await outageCell.innerText()).toMatch(/tried again on its own/);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The server back: the retried email goes out on its own; the failed one goes out on Resend.
    await useSmtp(mail.smtpPort);
    await page.getByRole('button', { name: `Resend the invitation to ${refusedEmail}` }).click();
    await page.getByText(`A new link is on its way to ${refusedEmail}.`).waitFor();
    await refusedCell.getByText('Sent', { exact: true }).waitFor({ timeout: 90_000 });
    await outageCell.getByText('Sent', { exact: true }).waitFor({ timeout: 180_000 });
    expect(await refusedCell.innerText()).not.toContain('550');
    const sent = await listed(refusedId);
    expect(sent?.delivery).toEqual({ status: 'sent', error: null, at: expect.any(String) });
    expect(new Date(sent!.delivery!.at).getTime()).toBeGreaterThanOrEqual(new Date(failed.at).getTime());
    expect((await listed(outageId))?.delivery?.status).toBe('sent');
    const caught = async (to: string) => {
      const res = await fetch(`${mail.apiUrl}/api/v1/search?query=${encodeURIComponent(`to:"${to}"`)}`);
      return ((await res.json()) as { messages: unknown[] }).messages.length;
    };
    expect({ refused: await caught(refusedEmail), outage: await caught(outageEmail) }).toEqual({ refused: 1, outage: 1 });
    await done();
    expect(app.errors['invitation-delivery']).toEqual([]);
  });
});
