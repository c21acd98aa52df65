/**
 * The account emails (docs/accounts.md), through the follow-ups' outbox and SMTP route: the outbox
 * row is committed under its slot key before the SMTP call, so a retried activity never sends twice
 * (a row left `sending` by an interrupted attempt is recorded as sent, unconfirmed).
 *
 * A link's token is drawn here, stored as its hash on the invitation or reset row, and written only
 * into the email: the workflow's input and history carry ids alone. A send that is no longer the
 * latest (a resend happened, the invitation was revoked or accepted, the reset used or replaced)
 * is skipped, so an old workflow cannot revive a dead link.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import type { Knex } from 'knex';
import { newLinkToken } from '../db/accounts';
import { AccountInvitation, PasswordReset } from '../db/models/account';
import { Firm } from '../db/models/firm';
import { OutboxMessage } from '../db/models/outbox-message';
import { User } from '../db/models/user';
import { inFirmJobTransaction, setAuditAction } from '../db/tenant';
import { renderInvitation, renderLockout, renderPasswordChanged, renderPasswordReset } from '../domain/accounts';
import type { RenderedEmail } from '../domain/follow-ups';
import { ACCOUNT_EMAIL_ATTEMPTS, ACCOUNT_EMAIL_WILL_RETRY, accountEmailSlotKey, type AccountEmailInput, type AccountEmailResult } from '../workflows/account-email-definitions';
import { deliver, smtpRouteForFirm, type MailDeps, type OutgoingEmail, type SmtpRoute } from './mail-transport';

const JOB = 'account-email';
/**
 * A failed row whose error starts so was a passing SMTP failure with attempts left: the next attempt
 * takes the row up again (a fresh link for link emails: the earlier one never left).
 */
const WILL_RETRY = ACCOUNT_EMAIL_WILL_RETRY;

/** This attempt's number; outside Temporal nobody retries, so it counts as the last. */
function attempt(): number {
  try {
    return activityInfo().attempt;
  } catch {
    return ACCOUNT_EMAIL_ATTEMPTS;
  }
}

type Letter = { to: string; clientId: string | null; rendered: RenderedEmail };
type Prepared = { done: AccountEmailResult } | { rowId: string; route: SmtpRoute; email: OutgoingEmail };

export function createAccountEmailActivities(deps: { knex: Knex; mail?: MailDeps }) {
  const { knex } = deps;
  const mail = (): MailDeps => {
    if (!deps.mail) throw new Error('the worker has no mail settings');
    return deps.mail;
  };
  const base = () => mail().publicUrl.replace(/\/+$/, '');

  /** The firm admin who sent a reset link, named as an invitation names its inviter (in the firm's transaction). */
  async function adminWhoSent(firmId: string, adminId: string): Promise<{ adminName: string; firmName: string }> {
    const [firm, admin] = await Promise.all([Firm.query().findById(firmId), User.query().findById(adminId)]);
    return { adminName: admin?.name ?? 'Your firm admin', firmName: firm?.name ?? 'your firm' };
  }

  /** What to send for this input now, or null when the email is no longer due. Runs in the firm's transaction. */
  async function letterFor(t: Knex.Transaction, input: AccountEmailInput, retrying: boolean): Promise<Letter | null> {
    const now = new Date();
    if (input.kind === 'invitation') {
      const invitation = await AccountInvitation.query().findById(input.subjectId).forUpdate();
      if (!invitation || !invitation.isPending(now) || String(invitation.sends) !== input.key) return null;
      const [firm, inviter] = await Promise.all([Firm.query().findById(input.firmId), User.query().findById(invitation.invitedBy)]);
      // Every invitation gets the same email with its link, whether or not the address has an account
      // somewhere: the email goes out through the inviting firm's SMTP, so any difference in it would
      // tell that firm. The link's holder learns it at the link (409 `email_taken`).
      const { token, hash } = newLinkToken();
      await setAuditAction(t, 'invitation.link_sent');
      await AccountInvitation.query().findById(invitation.id).patch({ tokenHash: hash, lastSentAt: now } as Partial<AccountInvitation>);
      const names = { firmName: firm?.name ?? 'Your firm', inviteeName: invitation.name, inviterName: inviter?.name ?? 'Your firm admin' };
      const rendered = renderInvitation({ ...names, role: invitation.role, link: `${base()}/invite/${token}`, expiresAt: invitation.expiresAt });
      return { to: invitation.email, clientId: invitation.clientId, rendered };
    }
    if (input.kind === 'lockout') {
      const user = await User.query().findById(input.subjectId);
      if (!user || !user.active) return null;
      return { to: user.email, clientId: user.clientId, rendered: renderLockout({ name: user.name, at: new Date(Number(input.key)), resetUrl: `${base()}/forgot-password` }) };
    }
    const reset = await PasswordReset.query().findById(input.subjectId).forUpdate();
    const user = reset && (await User.query().findById(reset.userId));
    if (!reset || !user || !user.active) return null;
    if (input.kind === 'password_changed') {
      return reset.usedAt ? { to: user.email, clientId: user.clientId, rendered: renderPasswordChanged({ name: user.name, at: reset.usedAt, signInUrl: `${base()}/` }) } : null;
    }
    // A link already drawn means its email is out, unless it is this email's own, failed in passing.
    if (reset.usedAt || reset.endedAt || reset.expiresAt <= now || (reset.tokenHash && !retrying)) return null;
    const { token, hash } = newLinkToken();
    await setAuditAction(t, 'password_reset.link_sent');
    await PasswordReset.query().findById(reset.id).patch({ tokenHash: hash } as Partial<PasswordReset>);
    const sentBy = input.requestedBy ? await adminWhoSent(input.firmId, input.requestedBy) : undefined;
    return { to: user.email, clientId: user.clientId, rendered: renderPasswordReset({ name: user.name, link: `${base()}/reset/${token}`, expiresAt: reset.expiresAt, sentBy }) };
  }

  async function markDelivery(firmId: string, rowId: string, outcome: { ok: true } | { ok: false; error: string }, unconfirmed = false): Promise<void> {
    await inFirmJobTransaction(knex, firmId, JOB, async (t) => {
      await setAuditAction(t, outcome.ok ? 'email.sent' : 'email.failed');
      const patch = outcome.ok ? { status: 'sent', sentAt: new Date(), error: unconfirmed ? 'delivery not confirmed: the sending attempt was interrupted; not sent again' : null } : { status: 'failed', error: outcome.error };
      await OutboxMessage.query().findById(rowId).where('status', 'sending').patch(patch as Partial<OutboxMessage>);
    });
  }

  return {
    async sendAccountEmail(input: AccountEmailInput): Promise<AccountEmailResult> {
      const slotKey = accountEmailSlotKey(input);
      const prepared: Prepared = await inFirmJobTransaction(knex, input.firmId, JOB, async (t) => {
        const existing = await OutboxMessage.query().findOne({ slot_key: slotKey }).forUpdate();
        const retrying = existing?.status === 'failed' && (existing.error ?? '').startsWith(WILL_RETRY);
        if (existing && !retrying) {
          if (existing.status === 'sending') await markDelivery(input.firmId, existing.id, { ok: true }, true);
          return { done: { status: existing.status === 'failed' ? 'failed' : existing.status === 'skipped' ? 'skipped' : 'sent' } };
        }
        const letter = await letterFor(t, input, retrying);
        if (!letter) {
          if (existing) {
            await setAuditAction(t, 'email.skipped');
            await OutboxMessage.query().findById(existing.id).patch({ status: 'skipped', error: 'no longer due' } as Partial<OutboxMessage>);
          }
          return { done: { status: 'skipped' } };
        }
        const route = await smtpRouteForFirm(mail());
        const messageId = `<${randomUUID()}@taalmel>`;
        await setAuditAction(t, 'email.sending');
        const fields = { recipient: letter.to, subject: letter.rendered.subject, status: 'sending', error: null, messageId };
        const row = existing
          ? await OutboxMessage.query().patchAndFetchById(existing.id, fields as unknown as Partial<OutboxMessage>)
          : await OutboxMessage.query().insertAndFetch({ clientId: letter.clientId, slotKey, audience: 'account', template: `account.${input.kind}`, ...fields } as unknown as Partial<OutboxMessage>);
        await setAuditAction(t, null);
        return { rowId: row.id, route, email: { to: letter.to, ...letter.rendered, messageId } };
      });
      if ('done' in prepared) return prepared.done;
      const outcome = await deliver(prepared.route, prepared.route.from, prepared.email);
      if (!outcome.ok && outcome.transient && attempt() < ACCOUNT_EMAIL_ATTEMPTS) {
        // Nothing was sent: the row waits for the next attempt, which Temporal makes after its backoff.
        await markDelivery(input.firmId, prepared.rowId, { ok: false, error: `${WILL_RETRY}${outcome.error}` });
        throw ApplicationFailure.retryable(`the account email could not be sent yet: ${outcome.error}`, 'SmtpTransientFailure');
      }
      await markDelivery(input.firmId, prepared.rowId, outcome);
      return { status: outcome.ok ? 'sent' : 'failed' };
    },
  };
}
