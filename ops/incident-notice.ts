/**
 * Telling every firm admin about a material incident (docs/incident-response.md): an in-app
 * notification and an email each, sent through the outbox like every other email so that a re-run
 * of the same notice (after a crash, or by a second operator) sends nothing twice. The platform
 * audit chain records that the notice went out, what it said (its hash) and to how many.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { NotificationKind } from '../domain/notifications';
import { deliver, type OutgoingEmail, type SmtpRoute } from '../activities/mail-transport';
import { recordAuditEvent } from '../db/audit';
import { allFirmIds } from '../db/firms';
import { Notification } from '../db/models/notification';
import { OutboxMessage } from '../db/models/outbox-message';
import { User } from '../db/models/user';
import { inFirmJobTransaction, inSystemTransaction, setAuditAction } from '../db/tenant';

const JOB = 'incident-notice';
export const INCIDENT_NOTIFICATION_KIND = 'platform.incident' satisfies NotificationKind;

export type IncidentNotice = { incidentId: string; subject: string; body: string };
export type IncidentReport = { incidentId: string; firms: number; recipients: number; sent: number; failed: number; alreadyNotified: number; failures: Array<{ recipient: string; error: string }> };

/** The same subject and text always make the same id, so running the command again resumes it. */
export function incidentIdFor(subject: string, body: string): string {
  const hex = createHash('sha256').update(subject).update('\0').update(body).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderIncidentEmail(notice: IncidentNotice, firmName: string, recipientName: string): { subject: string; text: string; html: string } {
  const footer = `You receive this as a firm admin of ${firmName} on Taalmel. Reference: ${notice.incidentId}.`;
  const paragraphs = notice.body.trim().split(/\n\s*\n/);
  return {
    subject: `[Taalmel incident] ${notice.subject}`,
    text: `Dear ${recipientName},\n\n${notice.body.trim()}\n\n--\n${footer}\n`,
    html: `<p>Dear ${escapeHtml(recipientName)},</p>${paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('')}<hr><p><small>${escapeHtml(footer)}</small></p>`,
  };
}

type Pending = { rowId: string; email: OutgoingEmail };

/** One firm: a notification and an outbox row per active firm admin not yet told, in one transaction. */
async function prepareFirm(knex: Knex, firmId: string, notice: IncidentNotice, report: IncidentReport): Promise<Pending[]> {
  return inFirmJobTransaction(knex, firmId, JOB, async (trx) => {
    const firm = (await trx('firms').where({ id: firmId }).first('name')) as { name: string } | undefined;
    const pending: Pending[] = [];
    for (const admin of await User.query().where({ role: 'firm_admin', active: true }).orderBy('id')) {
      report.recipients += 1;
      const slotKey = `incident:${notice.incidentId}:${admin.id}`;
      const rendered = renderIncidentEmail(notice, firm?.name ?? '', admin.name);
      const existing = await OutboxMessage.query().findOne({ slot_key: slotKey });
      if (existing?.status === 'failed') {
        // The SMTP server refused it last time: this run tries again, under the same row.
        await setAuditAction(trx, 'email.sending');
        await OutboxMessage.query().findById(existing.id).patch({ status: 'sending', error: null } as Partial<OutboxMessage>);
        await setAuditAction(trx, null);
        pending.push({ rowId: existing.id, email: { to: existing.recipient, ...rendered, messageId: existing.messageId ?? `<${randomUUID()}@taalmel>` } });
        continue;
      }
      if (existing) {
        // Sent, or its run died after the SMTP call may have happened: never risk a second email.
        if (existing.status === 'sending') {
          await setAuditAction(trx, 'email.sent');
          await OutboxMessage.query().findById(existing.id).patch({ status: 'sent', sentAt: new Date(), error: 'delivery not confirmed: the sending run was interrupted; not sent again' } as Partial<OutboxMessage>);
          await setAuditAction(trx, null);
        }
        report.alreadyNotified += 1;
        continue;
      }
      await Notification.query().insert({ userId: admin.id, kind: INCIDENT_NOTIFICATION_KIND, payload: { key: slotKey, incidentId: notice.incidentId, subject: notice.subject, body: notice.body } } as Partial<Notification>);
      const messageId = `<${randomUUID()}@taalmel>`;
      await setAuditAction(trx, 'email.sending');
      const row = await OutboxMessage.query().insertAndFetch({ slotKey, audience: 'staff', template: 'incident', recipient: admin.email, subject: rendered.subject, status: 'sending', messageId } as Partial<OutboxMessage>);
      await setAuditAction(trx, null);
      pending.push({ rowId: row.id, email: { to: admin.email, ...rendered, messageId } });
    }
    return pending;
  });
}

/** Who a notice would reach (the dry run): firms and their active firm admins. */
export async function incidentAudience(knex: Knex): Promise<{ firms: number; admins: number }> {
  let admins = 0;
  const firmIds = await allFirmIds(knex);
  for (const firmId of firmIds) admins += await inFirmJobTransaction(knex, firmId, JOB, async () => User.query().where({ role: 'firm_admin', active: true }).resultSize());
  return { firms: firmIds.length, admins };
}

export async function notifyFirmsOfIncident(
  knex: Knex,
  mail: { smtpUrl: string; from: string },
  notice: IncidentNotice,
  say: (line: string) => void = () => undefined,
): Promise<IncidentReport> {
  const route: SmtpRoute = { source: 'platform', options: mail.smtpUrl, from: mail.from };
  const report: IncidentReport = { incidentId: notice.incidentId, firms: 0, recipients: 0, sent: 0, failed: 0, alreadyNotified: 0, failures: [] };
  const audited = { incidentId: notice.incidentId, subject: notice.subject, bodySha256: createHash('sha256').update(notice.body).digest('hex') };
  await inSystemTransaction(knex, JOB, (trx) => recordAuditEvent(trx, { action: 'platform.incident_notice_started', entityType: 'incident', entityId: notice.incidentId, after: audited }));

  for (const firmId of await allFirmIds(knex)) {
    report.firms += 1;
    for (const { rowId, email } of await prepareFirm(knex, firmId, notice, report)) {
      const outcome = await deliver(route, route.from, email);
      await inFirmJobTransaction(knex, firmId, JOB, async (trx) => {
        await setAuditAction(trx, outcome.ok ? 'email.sent' : 'email.failed');
        await OutboxMessage.query().findById(rowId).where('status', 'sending').patch(outcome.ok ? ({ status: 'sent', sentAt: new Date() } as Partial<OutboxMessage>) : ({ status: 'failed', error: outcome.error } as Partial<OutboxMessage>));
      });
      if (outcome.ok) report.sent += 1;
      else {
        report.failed += 1;
        report.failures.push({ recipient: email.to, error: outcome.error });
      }
      say(`  ${outcome.ok ? 'sent to' : 'FAILED for'} ${email.to}${outcome.ok ? '' : `: ${outcome.error}`}`);
    }
  }

  const { failures: _failures, ...counts } = report;
  await inSystemTransaction(knex, JOB, (trx) => recordAuditEvent(trx, { action: 'platform.incident_notified', entityType: 'incident', entityId: notice.incidentId, after: { ...audited, ...counts } }));
  return report;
}
