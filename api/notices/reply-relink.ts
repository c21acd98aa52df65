/**
 * Re-linking a reply to another notice of the same case (docs/notices.md "Re-linking a reply"):
 * `POST /api/notices/:id/reply/relink {noticeId, reason}` moves the reply of notice :id — its draft
 * versions, reviews, four-eyes trail, filing and papers, none of them changed — to notice `noticeId`.
 *
 * The api looks first, for a clear refusal (another firm's notice is 404, the rule of
 * domain/notices/relink.ts a 422, recorded in the audit trail). The move itself is a step of the
 * receiving notice's workflow, so it is serialised with that notice's reminders (a notice that has
 * just been answered never reminds for it); its activity checks the rule again under both rows'
 * locks, and the workflow then tells the other notice's workflow to re-read its notice.
 */
import type { Knex } from 'knex';
import { findNotice, noticeView, type NoticeRow } from '../../db/notices';
import { relinkSide } from '../../db/notice-replies';
import { relinkRefusal } from '../../domain/notices';
import { invalidInput, notFound, unprocessable } from '../errors';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import { presentAsRun } from './late-partner';
import { noticeParams, relinkBody } from './schema';
import { sendStep } from './workflow-client';

async function visibleNotice(trx: Knex.Transaction, id: string): Promise<NoticeRow> {
  const row = await findNotice(trx, id);
  if (!row) throw notFound('No such notice.');
  return row;
}

export function replyRelinkRoute(deps: { temporal: TemporalHandle }): RouteSpec {
  return route({
    method: 'post',
    path: '/api/notices/:id/reply/relink',
    action: 'notices.file',
    params: noticeParams,
    body: relinkBody,
    async handler(ctx: AuthenticatedContext, { params, body }) {
      const { trx, user } = ctx.state;
      const from = await visibleNotice(trx, params.id);
      if (body.noticeId === params.id) throw invalidInput({ fields: { noticeId: 'must be another notice of the same case' } });
      // Row-level security hides another firm's notice: 404, as for any id of another firm.
      const to = await visibleNotice(trx, body.noticeId);
      const refusal = relinkRefusal(relinkSide(await noticeView(trx, from)), relinkSide(await noticeView(trx, to)));
      if (refusal) {
        throw unprocessable(refusal.type, refusal.message, { state: from.state, noticeState: to.state }).withAudit({
          action: 'notice.relink_reply_refused', entityType: 'notice', entityId: from.id, after: { to: to.id, refusal: refusal.type },
        });
      }
      const actor = { userId: user.id, email: user.email, role: user.role };
      await sendStep(deps.temporal, to, 'relink_reply', { actor, payload: { fromNoticeId: from.id, reason: body.reason }, requestId: ctx.state.requestId, ip: ctx.ip ?? null });
      const [left, taken] = [await visibleNotice(trx, from.id), await visibleNotice(trx, to.id)];
      ctx.body = { from: await presentAsRun(deps.temporal, await noticeView(trx, left)), to: await presentAsRun(deps.temporal, await noticeView(trx, taken)) };
    },
  });
}
