/**
 * GST notices (docs/notices.md): intake (one notice and one workflow per GSTIN and portal reference), the
 * urgency list, a notice with its drafts, reviews, hearings and plan, and every step of the reply.
 * Intake writes the row here, in the request's tenant transaction, and starts the workflow; every
 * later step goes through the notice's workflow, whose validator applies the rules and whose activity
 * writes the step with its audit rows as the signed-in person.
 */
import { istDate } from '../../domain/calendar';
import { closeErrors, dateChangeErrors, filingDateErrors, hearingDateErrors, type DateChange } from '../../domain/notices';
import { dateFactsOf, holidayCalendarFor, noticeView, urgencyFactsOf, type NoticeRow } from '../../db/notices';
import { type StepKind } from '../../workflows/notice-definitions';
import { ApiError, invalidInput, notFound, unprocessable } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import { checkAssignee, loadRow, refuseInconsistent, scope } from './context';
import { holdsFiling } from './filing';
import { intakeRoute } from './intake';
import { presentAsRun } from './late-partner';
import { presentHearing, presentNotice, presentNoticeToClient } from './present';
import * as s from './schema';
import { sendStep } from './workflow-client';
import { clientNoticeDetail, noticeDetail, urgencyOrder } from './read';
import { requireNoticeDocuments } from './documents';
import { endFollowUpWorkflow, liveFollowUpsOf } from './linked-follow-ups';
import { replyRelinkRoute } from './reply-relink';

export type NoticeRouteDeps = { temporal: TemporalHandle; /** Tests only: a day of the plan lasts this many days. */ timeScale?: number | null; /** Tests only: continue as new after this many history events. */ historyLimit?: number };

type Ctx = AuthenticatedContext;

/** A change of dates (PATCH, an extension) must leave the notice's dates agreeing (domain/notices/consistency.ts). */
async function refuseDateChange(ctx: Ctx, row: NoticeRow, change: DateChange): Promise<void> {
  const { trx } = scope(ctx);
  const view = await noticeView(trx, row);
  refuseInconsistent(dateChangeErrors(view.form, dateFactsOf(row), change, await holidayCalendarFor(trx, row.firm_id, row.gstin)));
}

export function noticeRoutes(deps: NoticeRouteDeps): RouteSpec[] {
  /** Sends a step through the workflow, then answers with the notice as it is now. */
  async function step(ctx: Ctx, id: string, kind: StepKind, payload: Record<string, unknown>) {
    const row = await loadRow(ctx, id);
    if (row.state === 'closed') throw unprocessable('notice_closed', 'The notice is closed.', { state: row.state });
    const { actor } = scope(ctx);
    const result = await sendStep(deps.temporal, row, kind, { actor, payload, requestId: ctx.state.requestId, ip: ctx.ip ?? null });
    const fresh = await loadRow(ctx, id);
    return { notice: await presentAsRun(deps.temporal, await noticeView(scope(ctx).trx, fresh)), result, row: fresh };
  }

  return [
    intakeRoute(deps),

    route({
      method: 'get',
      path: '/api/notices',
      action: 'notices.read',
      query: s.listQuery,
      async handler(ctx, { query }) {
        const { trx } = scope(ctx);
        const q = trx('notices').select('*');
        if (query.clientId) q.where({ client_id: query.clientId });
        if (query.state) q.where({ state: query.state });
        else q.whereNot({ state: 'closed' });
        if (query.assigneeId) q.where({ assignee_id: query.assigneeId });
        // Ordered and paged on the few facts the order needs; only the page's notices are built in full.
        let ordered = urgencyOrder(await urgencyFactsOf(trx, (await q) as NoticeRow[]));
        if (query.dueBefore) ordered = ordered.filter((n) => n.effectiveDueDate !== null && n.effectiveDueDate < query.dueBefore!);
        const offset = Number(decodeCursor(query.cursor, 1)?.[0] ?? 0);
        const client = ctx.state.user.role === 'client';
        const pageItems = [];
        for (const { row } of ordered.slice(offset, offset + query.limit)) {
          // A client's users see no plan: their notices never ask the runs.
          pageItems.push(client ? presentNoticeToClient(presentNotice(await noticeView(trx, row))) : await presentAsRun(deps.temporal, await noticeView(trx, row)));
        }
        ctx.body = { items: pageItems, nextCursor: offset + query.limit < ordered.length ? encodeCursor([offset + query.limit]) : null };
      },
    }),

    route({
      method: 'get',
      path: '/api/notices/:id',
      action: 'notices.read',
      params: s.noticeParams,
      async handler(ctx, { params }) {
        const row = await loadRow(ctx, params.id);
        // A client's own users see their notice as the department sent it, the dates that bind them and the filed reply, not the firm's working.
        ctx.body = ctx.state.user.role === 'client' ? await clientNoticeDetail(scope(ctx).trx, row, scope(ctx).actor) : await noticeDetail(scope(ctx).trx, row, deps.temporal, scope(ctx).actor);
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/assign',
      action: 'notices.assign',
      params: s.noticeParams,
      body: s.assignBody,
      async handler(ctx, { params, body }) {
        await loadRow(ctx, params.id); // another firm's notice is 404 before the assignee is looked at
        await checkAssignee(scope(ctx).trx, scope(ctx).firmId, body.assigneeId);
        ctx.body = (await step(ctx, params.id, 'assign', body)).notice;
      },
    }),

    route({
      method: 'patch',
      path: '/api/notices/:id',
      action: 'notices.update',
      params: s.noticeParams,
      body: s.patchBody,
      async handler(ctx, { params, body }) {
        const change: DateChange = {};
        if ('dueDate' in body) change.dueDate = body.dueDate ?? null;
        if ('targetDate' in body) change.targetDate = body.targetDate ?? null;
        if ('dueDate' in body || 'targetDate' in body) await refuseDateChange(ctx, await loadRow(ctx, params.id), change);
        ctx.body = (await step(ctx, params.id, 'change_dates', body)).notice;
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/extension',
      action: 'notices.update',
      params: s.noticeParams,
      body: s.extensionBody,
      async handler(ctx, { params, body }) {
        const row = await loadRow(ctx, params.id);
        const statutory = (await noticeView(scope(ctx).trx, row)).dates.statutoryDueDate;
        if (statutory && body.extendedDueDate <= statutory) {
          throw unprocessable('extension_before_due_date', `An extension must move the due date past ${statutory}.`, { statutoryDueDate: statutory, fields: { extendedDueDate: `must be after the statutory due date ${statutory}` } });
        }
        await refuseDateChange(ctx, row, { extendedDueDate: body.extendedDueDate });
        ctx.body = (await step(ctx, params.id, 'change_dates', { extendedDueDate: body.extendedDueDate, extensionReference: body.reference })).notice;
      },
    }),

    route({
      method: 'put',
      path: '/api/notices/:id/draft',
      action: 'notices.draft',
      params: s.noticeParams,
      body: s.draftBody,
      async handler(ctx, { params, body }) {
        await loadRow(ctx, params.id); // another firm's notice is 404 before its documents are looked at
        await requireNoticeDocuments(scope(ctx).trx, params.id, body.documentIds, 'documentIds');
        ctx.body = (await step(ctx, params.id, 'draft', body)).notice;
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/submit',
      action: 'notices.draft',
      params: s.noticeParams,
      async handler(ctx, { params }) {
        ctx.body = (await step(ctx, params.id, 'submit', {})).notice;
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/approve',
      action: 'notices.approve',
      params: s.noticeParams,
      body: s.approveBody,
      async handler(ctx, { params, body }) {
        ctx.body = (await step(ctx, params.id, 'approve', body)).notice;
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/request-changes',
      action: 'notices.approve',
      params: s.noticeParams,
      body: s.changesBody,
      async handler(ctx, { params, body }) {
        ctx.body = (await step(ctx, params.id, 'request_changes', body)).notice;
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/filing',
      action: 'notices.file',
      params: s.noticeParams,
      body: s.filingBody,
      async handler(ctx, { params, body }) {
        if (body.filedOn > istDate(new Date())) throw invalidInput({ fields: { filedOn: 'must not be in the future' } });
        const answer = async (row: NoticeRow) => presentNotice(await noticeView(scope(ctx).trx, row));
        const row = await loadRow(ctx, params.id);
        refuseInconsistent(filingDateErrors(body.filedOn, row.served_on));
        if (holdsFiling(row, body)) {
          ctx.body = await answer(row);
          return;
        }
        try {
          ctx.body = (await step(ctx, params.id, 'file', body)).notice;
        } catch (error) {
          // A double click: the other request's filing reached the workflow first (its refusal names
          // the state it saw). The same filing is answered as that one; another is the conflict.
          if (!(error instanceof ApiError && error.code === 'already_filed')) throw error;
          const fresh = await loadRow(ctx, params.id);
          if (!holdsFiling(fresh, body)) throw error;
          ctx.body = await answer(fresh);
        }
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/outside-reply',
      action: 'notices.file',
      params: s.noticeParams,
      body: s.outsideReplyBody,
      async handler(ctx, { params, body }) {
        if (body.filedOn > istDate(new Date())) throw invalidInput({ fields: { filedOn: 'must not be in the future' } });
        refuseInconsistent(filingDateErrors(body.filedOn, (await loadRow(ctx, params.id)).served_on));
        await requireNoticeDocuments(scope(ctx).trx, params.id, body.documentIds, 'documentIds', ['evidence', 'reply']);
        ctx.body = (await step(ctx, params.id, 'file_outside', body)).notice;
      },
    }),

    replyRelinkRoute(deps),

    route({
      method: 'post',
      path: '/api/notices/:id/hearings',
      action: 'notices.update',
      params: s.noticeParams,
      body: s.hearingBody,
      async handler(ctx, { params, body }) {
        refuseInconsistent(hearingDateErrors('at', istDate(new Date(body.at)), (await loadRow(ctx, params.id)).served_on));
        const { result } = await step(ctx, params.id, 'hearing', body);
        const hearing = await scope(ctx).trx('notice_hearings').where({ id: result.entityId ?? '' }).first();
        ctx.status = 201;
        ctx.body = presentHearing(hearing);
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/hearings/:hid/adjourn',
      action: 'notices.update',
      params: s.hearingParams,
      body: s.adjournBody,
      async handler(ctx, { params, body }) {
        const exists = await scope(ctx).trx('notice_hearings').where({ id: params.hid, notice_id: params.id }).first('id');
        if (!exists) throw notFound('No such hearing.');
        refuseInconsistent(hearingDateErrors('newAt', istDate(new Date(body.newAt)), (await loadRow(ctx, params.id)).served_on));
        await step(ctx, params.id, 'adjourn', { ...body, hearingId: params.hid });
        ctx.body = presentHearing(await scope(ctx).trx('notice_hearings').where({ id: params.hid }).first());
      },
    }),

    route({
      method: 'post',
      path: '/api/notices/:id/close',
      action: 'notices.close',
      params: s.noticeParams,
      body: s.closeBody,
      async handler(ctx, { params, body }) {
        if (body.outcome === 'order' && !(body.orderForm && body.orderDate)) throw invalidInput({ fields: { orderForm: 'required with an order', orderDate: 'required with an order' } });
        const row = await loadRow(ctx, params.id);
        refuseInconsistent(closeErrors(body, { servedOn: row.served_on, issuedOn: row.issued_on }, istDate(new Date())));
        const linked = await liveFollowUpsOf(scope(ctx).trx, params.id);
        const closed = await step(ctx, params.id, 'close', body);
        // The close cancelled them in the database; their workflows end now rather than at their next step.
        for (const workflowId of linked) await endFollowUpWorkflow(deps.temporal, workflowId, { actor: scope(ctx).actor, note: 'the notice was closed' });
        ctx.body = closed.notice;
      },
    }),
  ];
}
