/**
 * GST notices (docs/notices.md): intake (one notice and one workflow per GSTIN and portal reference), the
 * urgency list, a notice with its drafts, reviews, hearings and plan, and every step of the reply.
 * Intake writes the row here, in the request's tenant transaction, and starts the workflow; every
 * later step goes through the notice's workflow, whose validator applies the rules and whose activity
 * writes the step with its audit rows as the signed-in person.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { istDate } from '../../domain/calendar';
import { noticeForm as catalogueForm } from '../../domain/notices';
import { findNotice, loadNoticeForm, noticeView, workflowFacts, type NoticeRow } from '../../db/notices';
import { lockRowCommit } from '../../db/row-commit';
import { setAuditAction } from '../../db/tenant';
import { noticeWorkflowId, type StepArgs, type StepKind } from '../../workflows/notice-definitions';
import { ApiError, invalidInput, notFound, unprocessable } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import { holdsFiling } from './filing';
import { presentHearing, presentNotice } from './present';
import * as s from './schema';
import { startNoticeWorkflow, sendStep } from './workflow-client';
import { noticeDetail, urgencyOrder } from './read';
import { CLIENT_VISIBLE_KINDS, requireNoticeDocuments } from './documents';
import { endFollowUpWorkflow, liveFollowUpsOf } from './linked-follow-ups';
import { replyRelinkRoute } from './reply-relink';

export type NoticeRouteDeps = { temporal: TemporalHandle; /** Tests only: a day of the plan lasts this many days. */ timeScale?: number | null; /** Tests only: continue as new after this many history events. */ historyLimit?: number };

type Ctx = AuthenticatedContext;

function scope(ctx: Ctx): { trx: Knex.Transaction; firmId: string; actor: StepArgs['actor'] } {
  const { trx, user } = ctx.state;
  return { trx, firmId: user.firmId, actor: { userId: user.id, email: user.email, role: user.role } };
}

async function loadRow(ctx: Ctx, id: string): Promise<NoticeRow> {
  const row = await findNotice(scope(ctx).trx, id);
  if (!row) throw notFound('No such notice.');
  return row;
}

async function checkAssignee(trx: Knex.Transaction, firmId: string, userId: string): Promise<void> {
  const user = await trx('users').where({ id: userId, firm_id: firmId, active: true }).whereIn('role', ['staff', 'manager', 'firm_admin']).first('id');
  if (!user) throw invalidInput({ fields: { assigneeId: 'must be an active staff member, manager or firm admin of the firm' } });
}

export function noticeRoutes(deps: NoticeRouteDeps): RouteSpec[] {
  /** Sends a step through the workflow, then answers with the notice as it is now. */
  async function step(ctx: Ctx, id: string, kind: StepKind, payload: Record<string, unknown>) {
    const row = await loadRow(ctx, id);
    if (row.state === 'closed') throw unprocessable('notice_closed', 'The notice is closed.', { state: row.state });
    const { actor } = scope(ctx);
    const result = await sendStep(deps.temporal, row, kind, { actor, payload, requestId: ctx.state.requestId, ip: ctx.ip ?? null });
    const fresh = await loadRow(ctx, id);
    return { notice: presentNotice(await noticeView(scope(ctx).trx, fresh)), result, row: fresh };
  }

  return [
    route({
      method: 'post',
      path: '/api/clients/:id/notices',
      action: 'notices.create',
      params: s.clientParams,
      body: s.intakeBody,
      async handler(ctx, { params, body }) {
        const { trx, firmId } = scope(ctx);
        const client = await trx('clients').where({ id: params.id }).first('id', 'gstin');
        if (!client) throw notFound('No such client.');
        const form = await loadNoticeForm(trx, body.form);
        if (!form) throw invalidInput({ fields: { form: `not a form in the catalogue (for example ${catalogueForm('DRC-01')?.form})` } });
        if (body.assigneeId) await checkAssignee(trx, firmId, body.assigneeId);
        // The id names no GSTIN or portal reference: Temporal keeps workflow ids in plaintext.
        const noticeId = randomUUID();
        const workflowId = noticeWorkflowId(firmId, noticeId);
        await setAuditAction(trx, 'notice.intake');
        // A second intake of the same notice waits here for the first to commit, then finds it.
        const [inserted] = await trx('notices')
          .insert({
            id: noticeId, firm_id: firmId, client_id: client.id, gstin: client.gstin, form: form.form, reference: body.reference, case_id: body.caseId ?? null, din: body.din ?? null,
            sections: body.sections ?? [], periods: body.periods ?? [], financial_years: body.financialYears ?? [], issued_on: body.issuedOn ?? null, served_on: body.servedOn,
            due_date_on_notice: body.dueDate ?? null, tax: body.amounts?.tax ?? null, interest: body.amounts?.interest ?? null, penalty: body.amounts?.penalty ?? null,
            description: body.description ?? null, issuing_office: body.issuingOffice ?? null, assignee_id: body.assigneeId ?? null, state: body.assigneeId ? 'assigned' : 'received',
            workflow_id: workflowId, time_scale: deps.timeScale ?? null, created_by: scope(ctx).actor.userId,
          })
          .onConflict(['firm_id', 'gstin', 'reference'])
          .ignore()
          .returning('id');
        await setAuditAction(trx, null);
        if (!inserted) {
          const existing = await trx('notices').where({ firm_id: firmId, gstin: client.gstin, reference: body.reference }).first();
          ctx.status = 200;
          ctx.body = presentNotice(await noticeView(trx, existing as NoticeRow));
          return;
        }
        const view = await noticeView(trx, (await findNotice(trx, (inserted as { id: string }).id)) as NoticeRow);
        // Started inside the transaction: if Temporal refuses, nothing is committed. The workflow's
        // first look may run before the commit: it waits for this lock, held to the end (db/row-commit.ts).
        await lockRowCommit(trx, view.row.id);
        await startNoticeWorkflow(deps.temporal, workflowId, { firmId, facts: workflowFacts(view), timeScale: deps.timeScale ?? null, ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}) });
        ctx.status = 201;
        ctx.body = presentNotice(view);
      },
    }),

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
        const views = [];
        for (const row of (await q) as NoticeRow[]) views.push(presentNotice(await noticeView(trx, row)));
        let items = urgencyOrder(views);
        if (query.dueBefore) items = items.filter((n) => n.effectiveDueDate !== null && n.effectiveDueDate < query.dueBefore!);
        const offset = Number(decodeCursor(query.cursor, 1)?.[0] ?? 0);
        const pageItems = items.slice(offset, offset + query.limit);
        ctx.body = { items: pageItems, nextCursor: offset + query.limit < items.length ? encodeCursor([offset + query.limit]) : null };
      },
    }),

    route({
      method: 'get',
      path: '/api/notices/:id',
      action: 'notices.read',
      params: s.noticeParams,
      async handler(ctx, { params }) {
        const row = await loadRow(ctx, params.id);
        // A client's own users see their notice, its dates and the department's papers, not the firm's working papers, drafts, reviews and trail.
        const detail = await noticeDetail(scope(ctx).trx, row);
        ctx.body = ctx.state.user.role === 'client' ? { ...detail, documents: detail.documents.filter((d) => CLIENT_VISIBLE_KINDS.includes(d.kind)), drafts: [], reviews: [], history: [] } : detail;
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
        const view = await noticeView(scope(ctx).trx, await loadRow(ctx, params.id));
        const statutory = view.dates.statutoryDueDate;
        if (statutory && body.extendedDueDate <= statutory) {
          throw unprocessable('extension_before_due_date', `An extension must move the due date past ${statutory}.`, { statutoryDueDate: statutory });
        }
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
        await loadRow(ctx, params.id);
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
        const linked = await liveFollowUpsOf(scope(ctx).trx, params.id);
        const closed = await step(ctx, params.id, 'close', body);
        // The close cancelled them in the database; their workflows end now rather than at their next step.
        for (const workflowId of linked) await endFollowUpWorkflow(deps.temporal, workflowId, { actor: scope(ctx).actor, note: 'the notice was closed' });
        ctx.body = closed.notice;
      },
    }),
  ];
}
