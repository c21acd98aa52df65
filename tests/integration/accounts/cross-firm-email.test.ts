/**
 * One firm cannot learn whether an address has an account in another (docs/accounts.md, "An address
 * with an account elsewhere"). Firm B inviting firm A's manager gets the answer, the rows and the
 * email (sent through firm B's own SMTP, so firm B could read it) any invitation gets, link included;
 * only the link's holder learns, at the link, that the address has an account (409 `email_taken`).
 * Real api, worker, PostgreSQL and Mailpit.
 */
import { randomBytes } from 'node:crypto';
import { eventually } from '../../harness/eventually';
import { caughtMessage, caughtTo } from '../../harness/mail';
import { login } from '../../harness/api';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { auditActions, call, startAccountsStack, type AccountsStack } from './helpers';

jest.setTimeout(90_000);

describe('an address with an account in another firm', () => {
  let stack: AccountsStack;
  let other: TestFirm;
  let otherAdmin: string;
  beforeAll(async () => {
    stack = await startAccountsStack();
    other = await createTestFirm(stack.db, `Other Firm ${randomBytes(2).toString('hex')}`);
    otherAdmin = await login(stack.api, other.users.firm_admin.email, other.users.firm_admin.password);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const mailTo = (address: string) =>
    eventually(`an email to ${address}`, async () => {
      const [first] = await caughtTo(address);
      return first ? caughtMessage(first.ID) : null;
    }, 30_000, 250);

  it('answers, records and emails an invitation to it exactly as one to a new address; its link answers 409 email_taken', async () => {
    const taken = stack.firm.users.manager.email;
    const fresh = `new.person.${randomBytes(4).toString('hex')}@people.test`;
    const toTaken = await call(stack.api, 'POST', '/api/invitations', { token: otherAdmin, body: { email: taken, name: 'Meera', role: 'staff' } });
    const toFresh = await call(stack.api, 'POST', '/api/invitations', { token: otherAdmin, body: { email: fresh, name: 'Meera', role: 'staff' } });
    const shape = (res: typeof toTaken) => ({ status: res.status, keys: Object.keys(res.body).sort(), role: res.body.role });
    expect(shape(toTaken)).toEqual(shape(toFresh));
    expect(toTaken.status).toBe(201);

    const [takenMail, freshMail] = await Promise.all([mailTo(taken), mailTo(fresh)]);
    // The same email but its link (the inviting firm's SMTP carries it): nothing in it depends on the account.
    const linkIn = (text: string) => text.match(/\/invite\/([A-Za-z0-9_-]{43})/)?.[1];
    // Links and digits blanked: each invitation has its own token and expiry (milliseconds apart).
    const blank = (text: string) => text.replace(/\/invite\/[A-Za-z0-9_-]{43}/g, '/invite/<token>').replace(/\d/g, '#');
    expect(takenMail.Subject).toBe(freshMail.Subject);
    expect({ text: blank(takenMail.Text), html: blank(takenMail.HTML) }).toEqual({ text: blank(freshMail.Text), html: blank(freshMail.HTML) });
    const takenLink = linkIn(takenMail.Text);
    const freshLink = linkIn(freshMail.Text);
    expect(takenLink && freshLink).toBeTruthy();

    // The link's holder learns it: the address has an account, no firm named; the new address's link opens.
    const opened = await call(stack.api, 'GET', `/api/invitations/by-token/${takenLink}`);
    expect({ status: opened.status, code: opened.body.error?.code }).toEqual({ status: 409, code: 'email_taken' });
    expect(opened.text).not.toContain(stack.firm.name);
    const accepted = await call(stack.api, 'POST', `/api/invitations/by-token/${takenLink}/accept`, { body: { password: 'a long enough passphrase 31' } });
    expect({ status: accepted.status, code: accepted.body.error?.code }).toEqual({ status: 409, code: 'email_taken' });
    expect((await call(stack.api, 'GET', `/api/invitations/by-token/${freshLink}`)).status).toBe(200);

    // What firm B can read of both: the same audit actions, the same outbox rows but the recipient.
    await eventually('both sends recorded', async () => ((await auditActions({ ...stack, firm: other }, toTaken.body.id)).includes('invitation.link_sent') ? true : null), 30_000, 250);
    expect(await auditActions({ ...stack, firm: other }, toTaken.body.id)).toEqual(await auditActions({ ...stack, firm: other }, toFresh.body.id));
    const outbox = await stack.db.owner('outbox').where({ firm_id: other.id }).whereIn('recipient', [taken, fresh]).select('recipient', 'template', 'subject', 'audience');
    const byRecipient = Object.fromEntries(outbox.map((row: { recipient: string }) => [row.recipient, { ...row, recipient: undefined }]));
    expect(byRecipient[taken]).toEqual(byRecipient[fresh]);
    // The invitation's token hash is set either way (and masked in the audit trail).
    const invitations = await stack.db.owner('account_invitations').whereIn('id', [toTaken.body.id, toFresh.body.id]).select('token_hash');
    expect(invitations.map((i: { token_hash: string | null }) => typeof i.token_hash)).toEqual(['string', 'string']);
  });

  it("refuses a direct creation with it as it refuses one with an address of the firm's own", async () => {
    expect((await call(stack.api, 'POST', '/api/auth/reauth', { token: otherAdmin, body: { password: other.users.firm_admin.password } })).status).toBe(204);
    const create = (email: string) => call(stack.api, 'POST', '/api/users', { token: otherAdmin, body: { email, name: 'Someone', role: 'staff', password: 'a long enough passphrase 31' } });
    const elsewhere = await create(stack.firm.users.reviewer.email);
    const own = await create(other.users.reviewer.email);
    expect({ status: elsewhere.status, body: elsewhere.body }).toEqual({ status: own.status, body: own.body });
    expect(elsewhere.body.error.code).toBe('email_taken');
    expect(elsewhere.text).not.toContain(stack.firm.name);
  });
});
