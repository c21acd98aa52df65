/**
 * When a firm admin schedules the firm's deletion, every firm admin is told by email at once: the
 * cooling-off period is only worth something if the others know it is running (one admin's session
 * may be someone else's). Sent by the platform (its SMTP), not through the firm's own settings: the
 * message is the processor's warning, and must not depend on settings the same admin can change.
 * Once per admin: each message has its outbox slot, written before the SMTP call, so a retried
 * activity does not send it again. A refused message is recorded and does not hold the deletion up.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { istDateTime } from '../domain/recon/report-format';
import { inFirmJobTransaction, setAuditAction } from '../db/tenant';
import { deliver, type MailDeps, type OutgoingEmail, type SmtpRoute } from './mail-transport';

const JOB = 'firm-deletion';

type Letter = { rowId: string; email: OutgoingEmail };

function letter(input: { firmName: string; executeAfter: Date; publicUrl: string; to: string; messageId: string }): OutgoingEmail {
  const when = `${istDateTime(input.executeAfter)} IST`;
  const text = [
    `A firm admin of ${input.firmName} has asked Taalmel to delete the firm and all its data: every client, reconciliation, notice, follow-up, upload, user and setting.`,
    '',
    `The deletion starts on ${when} unless a firm admin cancels it before then.`,
    `To cancel: sign in at ${input.publicUrl} and cancel the firm's deletion (DELETE /api/firm/deletion).`,
    'Until then every client can still be exported (POST /api/clients/:id/exports).',
    '',
    'If you did not expect this, cancel it and change the passwords of your firm admins.',
  ].join('\n');
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return { to: input.to, subject: `${input.firmName}: deletion of the firm scheduled for ${when}`, text, html: `<pre>${escape(text)}</pre>`, messageId: input.messageId };
}

export function createFirmDeletionNoticeActivities(deps: { knex: Knex; logger: Logger; mail?: MailDeps }) {
  async function mark(firmId: string, rowId: string, outcome: { ok: true } | { ok: false; error: string }): Promise<void> {
    await inFirmJobTransaction(deps.knex, firmId, JOB, async (trx) => {
      await setAuditAction(trx, outcome.ok ? 'email.sent' : 'email.failed');
      await trx('outbox').where({ id: rowId, status: 'sending' }).update(outcome.ok ? { status: 'sent', sent_at: trx.fn.now(), updated_at: trx.fn.now() } : { status: 'failed', error: outcome.error, updated_at: trx.fn.now() });
      await setAuditAction(trx, null);
    });
  }

  return {
    async firmDeletionNotifyAdmins(input: { firmId: string; deletionId: string }): Promise<{ sent: number; failed: number }> {
      const mail = deps.mail;
      if (!mail?.platformSmtpUrl) {
        deps.logger.warn({ deletionId: input.deletionId }, 'firm deletion: no platform SMTP (SMTP_URL); the firm admins are not told by email');
        return { sent: 0, failed: 0 };
      }
      const route: SmtpRoute = { source: 'platform', options: mail.platformSmtpUrl, from: mail.platformFrom };
      const prepared = await inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx): Promise<{ letters: Letter[] } | null> => {
        const row = (await trx('firm_deletions').where({ id: input.deletionId }).first('status', 'execute_after')) as { status: string; execute_after: Date } | undefined;
        // The api starts the workflow inside the request's transaction: its row may not be visible for a moment (retried).
        if (!row) throw new Error(`firm deletion ${input.deletionId} is not visible yet`);
        if (row.status !== 'scheduled') return null;
        const firm = (await trx('firms').where({ id: input.firmId }).first('name')) as { name: string };
        const admins = (await trx('users').where({ firm_id: input.firmId, role: 'firm_admin', active: true }).orderBy('id').select('id', 'email')) as Array<{ id: string; email: string }>;
        const letters: Letter[] = [];
        await setAuditAction(trx, 'email.sending');
        for (const admin of admins) {
          const slotKey = `firm-deletion:${input.deletionId}:${admin.id}`;
          if (await trx('outbox').where({ slot_key: slotKey }).first('id')) continue; // sent (or tried) by an earlier attempt
          const email = letter({ firmName: firm.name, executeAfter: new Date(row.execute_after), publicUrl: mail.publicUrl, to: admin.email, messageId: `<${randomUUID()}@taalmel>` });
          const [outbox] = (await trx('outbox')
            .insert({ firm_id: input.firmId, slot_key: slotKey, audience: 'staff', template: 'firm.deletion_scheduled', recipient: admin.email, subject: email.subject, status: 'sending', message_id: email.messageId })
            .returning('id')) as Array<{ id: string }>;
          letters.push({ rowId: outbox!.id, email });
        }
        await setAuditAction(trx, null);
        return { letters };
      });
      if (!prepared) return { sent: 0, failed: 0 };
      let sent = 0;
      let failed = 0;
      for (const { rowId, email } of prepared.letters) {
        const outcome = await deliver(route, route.from, email);
        await mark(input.firmId, rowId, outcome);
        if (outcome.ok) sent += 1;
        else failed += 1;
      }
      return { sent, failed };
    },
  };
}
