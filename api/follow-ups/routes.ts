/**
 * Client follow-ups (docs/follow-ups.md "Routes"): create (one workflow per request), list, read, nudge, snooze,
 * resume, change, complete, cancel, and download what the client uploaded. Changes are written in
 * the request's tenant transaction (the signed-in person is the audited actor); the workflow is
 * told in the same transaction, so when Temporal refuses nothing is committed, and its answer is the
 * recomputed plan the response shows.
 */
import type { Knex } from 'knex';
import { type z } from 'zod';
import { endFollowUp, LIVE_STATUSES, outstandingItems } from '../../db/follow-ups';
import { Client } from '../../db/models/client';
import { FollowUp, FollowUpFile, FollowUpItem } from '../../db/models/follow-up';
import { setAuditAction } from '../../db/tenant';
import { dayOf, dueDatePassed, instantOf, type FollowUpPolicy } from '../../domain/follow-ups';
import {
  cancelUpdate,
  changeDueDateUpdate,
  completeUpdate,
  itemsChangedUpdate,
  nudgeUpdate,
  resumeUpdate,
  snoozeUpdate,
} from '../../workflows/follow-up-definitions';
import { ApiError, invalidRules, notFound, unprocessable } from '../errors';
import { badCursor, decodeCursor, page } from '../pagination';
import { route, type RouteSpec } from '../routes';
import type { AppState } from '../state';
import { sendStoredFile } from '../uploads/checked-file';
import { actorOf, checkOwner, createFollowUp, dueDateInPast, followUpForKey, idempotencyKeyOf, type FollowUpCreationDeps } from './create';
import { periodLabelsOf, presentFollowUp, presentSummary, statusesForClient, viewerOf } from './present';
import { clientParams, createBody, date, fileParams, idParams, itemIdShape, listQuery, noteBody, patchBody, snoozeBody } from './schema';
import { updateFollowUp } from './workflow-client';

export type FollowUpRouteDeps = FollowUpCreationDeps;

type Ctx = { state: AppState };

export function trxOf(ctx: Ctx): Knex.Transaction {
  if (!ctx.state.trx) throw new Error('follow-up routes run inside the tenant transaction');
  return ctx.state.trx;
}

/**
 * Locked FOR NO KEY UPDATE, as every writer of a follow-up's row locks it: the steps still exclude
 * each other, but a sender writing a link to this request (a foreign key, which takes a key-share
 * lock) is not blocked by it. It may already hold the firm's audit lock that this request's audited
 * write then waits for: with FOR UPDATE the two would deadlock and the step fail with a 500.
 */
async function findFollowUp(id: string, lock = false): Promise<FollowUp> {
  const query = FollowUp.query().findById(id);
  const row = await (lock ? query.forNoKeyUpdate() : query);
  if (!row) throw notFound('No such follow-up.');
  return row;
}

function requireLive(row: FollowUp): void {
  if (!LIVE_STATUSES.includes(row.status)) throw unprocessable('follow_up_ended', `This follow-up is ${row.status}.`);
}

export function followUpRoutes(deps: FollowUpRouteDeps): RouteSpec[] {
  return [
    route<z.infer<typeof clientParams>, unknown, z.infer<typeof createBody>>({
      method: 'post',
      path: '/api/clients/:id/follow-ups',
      action: 'followups.manage',
      params: clientParams,
      body: createBody,
      async handler(ctx, { params, body }) {
        const trx = trxOf(ctx);
        const firmId = ctx.state.user!.firmId;
        const idempotencyKey = idempotencyKeyOf(ctx);
        const first = await followUpForKey(trx, firmId, idempotencyKey);
        if (first) {
          if (first.clientId !== params.id || first.reconciliationRunId) throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used for another request.');
          ctx.status = 201;
          ctx.body = await presentFollowUp(first);
          return;
        }
        const client = await Client.query().findById(params.id);
        if (!client) throw notFound('No such client.');
        const { row, plan } = await createFollowUp(deps, { trx, firmId, actor: actorOf(ctx) }, { ...body, policy: body.policy as Partial<FollowUpPolicy> | undefined, client, idempotencyKey });
        ctx.status = 201;
        ctx.body = await presentFollowUp(row, plan);
      },
    }),

    route<unknown, z.infer<typeof listQuery>>({
      method: 'get',
      path: '/api/follow-ups',
      action: 'followups.read',
      query: listQuery,
      async handler(ctx, { query }) {
        // Soonest next message first; those with none (ended, exhausted) last, newest first among them.
        // A client's own user gets theirs soonest due first: the next message's time is the firm's to
        // see (docs/follow-ups.md "What a client's own user sees"), and the cursor carries the sort key.
        const viewer = viewerOf(ctx.state.user?.role);
        const sort =
          viewer === 'firm'
            ? { key: `coalesce((extract(epoch from next_message_at) * 1000)::bigint, 9007199254740991)`, cast: 'bigint', shown: '', valid: (v: string) => /^\d{1,16}$/.test(v) }
            : { key: `due_date`, cast: 'date', shown: '::text', valid: (v: string) => date.safeParse(v).success };
        const after = decodeCursor(query.cursor, 2);
        // A cursor of the other view's order (or made up) is refused as one this list did not issue, not cast into a 500.
        if (after && !(sort.valid(String(after[0])) && itemIdShape.safeParse(after[1]).success)) throw badCursor();
        const q = FollowUp.query()
          .select('*', FollowUp.raw(`${sort.key}${sort.shown} as sort_key`))
          .orderByRaw(`${sort.key} asc, id asc`)
          .limit(query.limit + 1);
        if (query.clientId) q.where('client_id', query.clientId);
        if (query.status) q.whereIn('status', viewer === 'firm' ? [query.status] : statusesForClient(query.status));
        if (query.ownerId) q.where('owner_id', query.ownerId);
        if (query.noticeId) q.where('notice_id', query.noticeId);
        if (after) q.whereRaw(`(${sort.key}, id) > (?::${sort.cast}, ?::uuid)`, after);
        const result = page(await q, query.limit, (row) => [String((row as unknown as { sortKey: number | string }).sortKey), row.id]);
        const labels = await periodLabelsOf(result.items);
        ctx.body = { items: result.items.map((row) => presentSummary(row, labels.get(row.id) ?? null, viewer)), nextCursor: result.nextCursor };
      },
    }),

    route<z.infer<typeof idParams>>({
      method: 'get',
      path: '/api/follow-ups/:id',
      action: 'followups.read',
      params: idParams,
      async handler(ctx, { params }) {
        ctx.body = await presentFollowUp(await findFollowUp(params.id), undefined, viewerOf(ctx.state.user?.role));
      },
    }),

    route<z.infer<typeof idParams>>({
      method: 'post',
      path: '/api/follow-ups/:id/nudge',
      action: 'followups.manage',
      params: idParams,
      async handler(ctx, { params }) {
        const row = await findFollowUp(params.id);
        requireLive(row);
        const result = await updateFollowUp(deps.temporal, row.workflowId, nudgeUpdate, { actor: actorOf(ctx) }).catch((error: unknown) => {
          // A refused update leaves no workflow history: the refusal is recorded here.
          if (error instanceof ApiError && error.status === 422) throw error.withAudit({ action: 'follow_up.nudge_refused', entityType: 'follow_up', entityId: row.id, after: { refusal: error.code } });
          throw error;
        });
        ctx.status = 202;
        ctx.body = { status: result.status };
      },
    }),

    route<z.infer<typeof idParams>, unknown, z.infer<typeof snoozeBody>>({
      method: 'post',
      path: '/api/follow-ups/:id/snooze',
      action: 'followups.manage',
      params: idParams,
      body: snoozeBody,
      async handler(ctx, { params, body }) {
        const trx = trxOf(ctx);
        const row = await findFollowUp(params.id, true);
        requireLive(row);
        const until = body.until.length === 10 ? instantOf(row.clock, dayOf(body.until), 0) : Date.parse(body.until);
        if (until <= Date.now()) throw invalidRules({ until: 'must be in the future' });
        await setAuditAction(trx, 'follow_up.snoozed');
        await FollowUp.query().findById(row.id).patch({ status: 'snoozed', snoozedUntil: new Date(until) } as Partial<FollowUp>);
        await setAuditAction(trx, null);
        const view = await updateFollowUp(deps.temporal, row.workflowId, snoozeUpdate, { actor: actorOf(ctx), until });
        ctx.body = await presentFollowUp(await findFollowUp(row.id), view.plan);
      },
    }),

    route<z.infer<typeof idParams>>({
      method: 'post',
      path: '/api/follow-ups/:id/resume',
      action: 'followups.manage',
      params: idParams,
      async handler(ctx, { params }) {
        const trx = trxOf(ctx);
        const row = await findFollowUp(params.id, true);
        requireLive(row);
        await setAuditAction(trx, 'follow_up.resumed');
        await FollowUp.query().findById(row.id).patch({ status: 'open', snoozedUntil: null } as Partial<FollowUp>);
        await setAuditAction(trx, null);
        const view = await updateFollowUp(deps.temporal, row.workflowId, resumeUpdate, { actor: actorOf(ctx) });
        ctx.body = await presentFollowUp(await findFollowUp(row.id), view.plan);
      },
    }),

    route<z.infer<typeof idParams>, unknown, z.infer<typeof patchBody>>({
      method: 'patch',
      path: '/api/follow-ups/:id',
      action: 'followups.manage',
      params: idParams,
      body: patchBody,
      async handler(ctx, { params, body }) {
        const trx = trxOf(ctx);
        const row = await findFollowUp(params.id, true);
        requireLive(row);
        // A supplier chase lists the run's documents, which only a GSTR-2B can settle: free-text items would never end.
        if (body.items && row.recipient === 'supplier') throw unprocessable('supplier_chase_items_fixed', "A supplier chase lists the reconciliation's documents; items cannot be added to it.");
        if (body.ownerId) await checkOwner(body.ownerId);
        if (body.dueDate && dueDatePassed(row.clock, Date.now(), body.dueDate)) throw dueDateInPast(body.dueDate);
        await setAuditAction(trx, 'follow_up.changed');
        // A new owner is told in their next digest ("Newly assigned to you"), counted from this instant.
        const reassigned = body.ownerId && body.ownerId !== row.ownerId ? { ownerId: body.ownerId, assignedAt: new Date() } : {};
        const changes = { ...(body.dueDate ? { dueDate: body.dueDate } : {}), ...reassigned };
        if (Object.keys(changes).length > 0) await FollowUp.query().findById(row.id).patch(changes as Partial<FollowUp>);
        if (body.items) {
          const last = (await FollowUpItem.query().where({ follow_up_id: row.id }).max('position as max').first()) as unknown as { max: number | null };
          const start = (last?.max ?? -1) + 1;
          await FollowUpItem.query().insert(body.items.map((item, i) => ({ clientId: row.clientId, followUpId: row.id, position: start + i, description: item.description, period: item.period ?? null }) as Partial<FollowUpItem>));
        }
        await setAuditAction(trx, null);
        const actor = actorOf(ctx);
        let view: { plan: Parameters<typeof presentFollowUp>[1] } | null = null;
        if (body.dueDate) view = await updateFollowUp(deps.temporal, row.workflowId, changeDueDateUpdate, { actor, dueDate: body.dueDate });
        if (body.items) view = await updateFollowUp(deps.temporal, row.workflowId, itemsChangedUpdate, { actor, outstanding: (await outstandingItems(row.id)).length });
        ctx.body = await presentFollowUp(await findFollowUp(row.id), view?.plan);
      },
    }),

    ...(['complete', 'cancel'] as const).map((step) =>
      route<z.infer<typeof idParams>, unknown, z.infer<typeof noteBody>>({
        method: 'post',
        path: `/api/follow-ups/:id/${step}`,
        action: 'followups.manage',
        params: idParams,
        body: noteBody,
        async handler(ctx, { params, body }) {
          const trx = trxOf(ctx);
          const row = await findFollowUp(params.id, true);
          requireLive(row);
          await endFollowUp(trx, row.id, step === 'complete' ? 'completed' : 'cancelled', body.note || null, step === 'complete' ? 'follow_up.completed' : 'follow_up.cancelled');
          const view = await updateFollowUp(deps.temporal, row.workflowId, step === 'complete' ? completeUpdate : cancelUpdate, { actor: actorOf(ctx), note: body.note || null });
          ctx.body = await presentFollowUp(await findFollowUp(row.id), view.plan);
        },
      }),
    ),

    route<z.infer<typeof fileParams>>({
      method: 'get',
      path: '/api/follow-ups/:id/files/:fileId',
      action: 'followups.read',
      params: fileParams,
      async handler(ctx, { params }) {
        const file = await FollowUpFile.query().findOne({ id: params.fileId, follow_up_id: params.id, status: 'received' });
        if (!file || !file.content) throw notFound('No such file.');
        sendStoredFile(ctx, { filename: file.filename, contentType: file.detectedType, sha256: file.sha256, content: file.content });
      },
    }),
  ];
}
