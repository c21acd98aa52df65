/**
 * The firm's own SMTP server: its settings (password sealed in the secret box) are used instead of
 * the platform's, and a refusal marks the message failed and tells the owner the same day.
 */
import { freePort } from '../../../ops/ports';
import { call } from '../../harness/api';
import { harnessValue } from '../../harness/harness-env';
import { caughtMessage, waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, eventually, inDays, startStack, type Stack } from './helpers';

describe("follow-up email through the firm's SMTP", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    const admin = stack.firm.users.firm_admin;
    await call(stack.api, 'POST', '/api/auth/reauth', { token: stack.tokens.firm_admin, body: { password: admin.password } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function setSmtp(port: number) {
    const res = await call(stack.api, 'PUT', '/api/settings/smtp', {
      token: stack.tokens.firm_admin,
      body: { host: '127.0.0.1', port, secure: false, user: 'ca-firm', password: 'smtp-secret-Xy9', from: 'Iyer Associates <ca@iyer.test>' },
    });
    expect(res.status).toBe(204);
  }

  it("sends from the firm's server and address, with its sealed password", async () => {
    await setSmtp(Number(new URL(harnessValue('mailSmtpUrl')).port));
    const client = stack.firm.clients[0]!;
    const created = await createFollowUp(stack, client.id, { title: 'Firm SMTP', dueDate: inDays(6), items: [{ description: 'GST certificate' }] });
    expect(created.status).toBe(201);
    const [caught] = await waitForCaught(await clientEmail(stack, client.id), 1);
    const message = await caughtMessage(caught!.ID);
    expect(message.From).toMatchObject({ Address: 'ca@iyer.test', Name: 'Iyer Associates' });
    const stored = await stack.db.owner('firm_secrets').where({ firm_id: stack.firm.id, kind: 'smtp' }).first();
    expect(stored.ciphertext).not.toContain('smtp-secret-Xy9');
    await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/cancel`, { token: stack.tokens.staff, body: {} });
  });

  it('marks a refused message failed and notifies the owner, without leaking the password', async () => {
    await setSmtp(await freePort()); // nothing listens there
    const client = stack.firm.clients[1]!;
    const created = await createFollowUp(stack, client.id, { title: 'Refused', dueDate: inDays(6), items: [{ description: 'Rent agreement' }] });
    expect(created.status).toBe(201);
    const row = await eventually('the failed message', async () => (await stack.db.owner('outbox').where({ follow_up_id: created.body.id, status: 'failed' }).first()) ?? null);
    expect(row.error).toBeTruthy();
    expect(row.error).not.toContain('smtp-secret-Xy9');
    const notice = await eventually('the owner told', async () => (await stack.db.owner('notifications').where({ firm_id: stack.firm.id, user_id: stack.firm.users.staff.id, kind: 'follow_up.delivery_failed' }).first()) ?? null);
    expect(notice.payload).toMatchObject({ followUpId: created.body.id, outboxId: row.id });
    const detail = await call(stack.api, 'GET', `/api/follow-ups/${created.body.id}`, { token: stack.tokens.staff });
    expect(detail.body.sent).toEqual([expect.objectContaining({ status: 'failed', to: await clientEmail(stack, client.id) })]);
    expect(JSON.stringify(detail.body)).not.toContain('smtp-secret-Xy9');
    const audit = await stack.db.owner('audit_events').where({ firm_id: stack.firm.id });
    expect(JSON.stringify(audit)).not.toContain('smtp-secret-Xy9');
    await call(stack.api, 'POST', `/api/follow-ups/${created.body.id}/cancel`, { token: stack.tokens.staff, body: {} });
  });
});
