/**
 * The weekly digest of open notices (docs/notices.md "Weekly digest"): for every firm with open
 * notices, one email to each active manager listing them most urgent first, once per person and
 * week (the outbox slot `notice-digest:<date>:<user>`), however often the job runs.
 */
import type { Knex } from 'knex';
import { allFirmIds } from '../db/firms';
import { Firm } from '../db/models/firm';
import { User } from '../db/models/user';
import { noticeView, type NoticeRow } from '../db/notices';
import { inFirmJobTransaction } from '../db/tenant';
import { renderNoticeDigest, urgencyOrder, type NoticeDigestRow } from '../domain/notices';
import { smtpRouteForFirm, type MailDeps } from './mail-transport';
import { queueStaffMail, sendQueuedMail, type QueuedMail } from './staff-mail';

const JOB = 'notice-digest';

export function noticeDigestSlot(date: string, userId: string): string {
  return `notice-digest:${date}:${userId}`;
}

const money = (v: string | null) => (v === null ? null : Number(v));

export function createNoticeDigestActivities(deps: { knex: Knex; mail?: MailDeps }) {
  return {
    async noticeDigests(input: { date: string }): Promise<{ sent: number; failed: number }> {
      const mail = deps.mail;
      if (!mail) throw new Error('the worker has no mail settings');
      let sent = 0;
      let failed = 0;
      for (const firmId of await allFirmIds(deps.knex)) {
        const queued = await inFirmJobTransaction(deps.knex, firmId, JOB, async (trx) => {
          const rows = (await trx('notices').whereNot({ state: 'closed' }).select('*')) as NoticeRow[];
          if (rows.length === 0) return [];
          const users = new Map((await User.query().orderBy('id')).map((u) => [u.id, u]));
          const clients = new Map((await trx('clients').select('id', 'name')).map((c: { id: string; name: string }) => [c.id, c.name]));
          const items: Array<NoticeDigestRow & { id: string; amounts: { total: number | null } }> = [];
          for (const row of rows) {
            const view = await noticeView(trx, row);
            const parts = [money(row.tax), money(row.interest), money(row.penalty)];
            const total = parts.every((p) => p === null) ? null : parts.reduce<number>((n, p) => n + (p ?? 0), 0);
            items.push({
              id: row.id, form: row.form, formTitle: view.form.title, reference: row.reference, clientName: clients.get(row.client_id) ?? '', effectiveDueDate: view.dates.effectiveDueDate,
              state: row.state, flags: view.flags, total, amounts: { total }, assigneeName: row.assignee_id ? (users.get(row.assignee_id)?.name ?? null) : null,
            });
          }
          const ordered = urgencyOrder(items);
          const firm = await Firm.query().findById(firmId);
          const route = await smtpRouteForFirm(mail);
          const out: QueuedMail[] = [];
          for (const user of [...users.values()].filter((u) => u.role === 'manager' && u.active)) {
            // Overdue is judged on the digest's own date (the IST date of its weekly tick, from the
            // workflow), never on the clock of the attempt: a retry days later sends the same picture.
            const rendered = renderNoticeDigest({ firmName: firm?.name ?? '', recipientName: user.name, date: input.date, notices: ordered });
            const one = await queueStaffMail(trx, route, { slotKey: noticeDigestSlot(input.date, user.id), clientId: null, template: 'notice.digest', to: user.email, rendered });
            if (one) out.push(one);
          }
          return out;
        });
        const outcome = await sendQueuedMail(deps.knex, firmId, JOB, queued);
        sent += outcome.sent;
        failed += outcome.failed;
      }
      return { sent, failed };
    },
  };
}
