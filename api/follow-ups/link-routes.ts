/**
 * The client's checklist link (docs/follow-ups.md "The client's link"): no sign-in; the link's token
 * is the credential. Its hash finds the one follow-up it opens (`follow_up_link_lookup`), and
 * everything after runs in that firm's transaction scoped to that client, so the page can show
 * nothing beyond that request and an item id of another request, client or firm is simply not
 * found. Unknown, expired and revoked links answer the same 410 link_expired (nothing tells a token
 * that never existed from a dead one); every request is rate-limited per IP,
 * unknown tokens much more tightly.
 *
 * Files go up in two steps, as imports do: POST declares the file and gets a signed, single-use,
 * 15-minute URL; the PUT to it is checked by content (PDF, PNG, JPEG, XLSX, CSV), capped in size,
 * stored with its SHA-256, and marks the item received (the last item completes the follow-up).
 */
import type { Context } from 'koa';
import type { Knex } from 'knex';
import { type z } from 'zod';
import { endFollowUp, hashLinkToken, LIVE_STATUSES, notifyFirm } from '../../db/follow-ups';
import { Client } from '../../db/models/client';
import { Firm } from '../../db/models/firm';
import { FollowUp, FollowUpFile, FollowUpItem } from '../../db/models/follow-up';
import { User } from '../../db/models/user';
import { inTenantTransaction, setAuditAction, type TenantScope } from '../../db/tenant';
import type { ItemsAnswered } from '../../workflows/follow-up-definitions';
import { ApiError, forbidden, notFound, unprocessable } from '../errors';
import type { UploadTokens } from '../imports/upload-token';
import { receiveCheckedFile, refuseDeclaredFile, uploadUrlExpiry, verifyUploadUrl } from '../uploads/checked-file';
import { route, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import type { LinkThrottle } from './link-throttle';
import { linkItemParams, linkParams, notApplicableBody, uploadBody, uploadQuery } from './schema';
import { signalAnswered } from './workflow-client';

/** The raw-body upload route: the JSON body parser must leave it alone. */
export const LINK_UPLOAD_PATH = '/api/request-uploads';

export type LinkRouteDeps = {
  knex: Knex;
  temporal: TemporalHandle;
  throttle: LinkThrottle;
  tokens: UploadTokens;
  maxFileBytes: number;
  publicUrl?: string;
};

type Found = { linkId: string; firmId: string; clientId: string; followUpId: string };

const linkExpired = () => new ApiError(410, 'link_expired', 'This link is not valid, has expired or its request has ended. Ask the firm for a new one.');

function scopeOf(found: { firmId: string; clientId: string }, ctx: Context): TenantScope {
  return { firmId: found.firmId, clientId: found.clientId, actor: { userId: null, email: 'client-link', role: 'client' }, requestId: ctx.state.requestId as string, ip: ctx.ip };
}

async function outstandingCount(followUpId: string): Promise<number> {
  const row = (await FollowUpItem.query().where({ follow_up_id: followUpId, status: 'outstanding' }).count('* as n').first()) as unknown as { n: number | string };
  return Number(row.n);
}

export function linkRoutes(deps: LinkRouteDeps): RouteSpec[] {
  const { knex } = deps;

  /** Finds the link's follow-up, or refuses (and counts a failure against the IP). */
  async function openLink(ctx: Context, token: string): Promise<Found> {
    await deps.throttle.admit(ctx.ip);
    const result = await knex.raw('select * from follow_up_link_lookup(?)', [hashLinkToken(token)]);
    const row = result.rows[0] as { link_id: string; firm_id: string; client_id: string; follow_up_id: string; expires_at: Date; revoked_at: Date | null } | undefined;
    if (!row) {
      await deps.throttle.recordFailure(ctx.ip);
      throw linkExpired();
    }
    if (row.revoked_at || row.expires_at.getTime() <= Date.now()) {
      await deps.throttle.recordFailure(ctx.ip);
      throw linkExpired();
    }
    return { linkId: row.link_id, firmId: row.firm_id, clientId: row.client_id, followUpId: row.follow_up_id };
  }

  async function liveFollowUp(found: Found, lock = false): Promise<FollowUp> {
    const query = FollowUp.query().findById(found.followUpId);
    const followUp = await (lock ? query.forUpdate() : query);
    if (!followUp || !LIVE_STATUSES.includes(followUp.status)) throw linkExpired();
    return followUp;
  }

  async function itemOf(found: Found, itemId: string): Promise<FollowUpItem> {
    const item = await FollowUpItem.query().findOne({ id: itemId, follow_up_id: found.followUpId }).forUpdate();
    if (!item) throw notFound('No such item in this request.');
    return item;
  }

  /**
   * An item the client answered "not applicable" takes no files: a file there would sit beside an
   * answer that says there is none. Checked when the upload URL is asked for and again (the item
   * locked) before the bytes are read, since the answer may come in between. A received item takes
   * more files (several per item).
   */
  function refuseUploadToNotApplicable(item: FollowUpItem): void {
    if (item.status === 'not_applicable') throw unprocessable('item_answered', 'This item is marked not applicable, so it takes no files. Ask the firm if it applies after all.', { status: item.status });
  }

  /** Marks answered items, ends the request when nothing is left, and tells its workflow. */
  async function answered(trx: Knex.Transaction, followUp: FollowUp, ack: ItemsAnswered['ack']): Promise<number> {
    const outstanding = await outstandingCount(followUp.id);
    if (outstanding === 0) await endFollowUp(trx, followUp.id, 'completed', 'every item answered by the client', 'follow_up.completed');
    await signalAnswered(deps.temporal, followUp.workflowId, { outstanding, answeredAt: Date.now(), ack });
    return outstanding;
  }

  return [
    route<z.infer<typeof linkParams>>({
      method: 'get',
      path: '/api/requests/:token',
      action: 'public',
      params: linkParams,
      async handler(ctx, { params }) {
        const found = await openLink(ctx, params.token);
        ctx.body = await inTenantTransaction(knex, scopeOf(found, ctx), async () => {
          const followUp = await liveFollowUp(found);
          const [firm, client, owner, items] = await Promise.all([
            Firm.query().findById(found.firmId),
            Client.query().findById(found.clientId),
            User.query().findById(followUp.ownerId),
            FollowUpItem.query().where({ follow_up_id: followUp.id }).orderBy('position'),
          ]);
          return {
            firmName: firm?.name ?? '',
            clientName: client?.name ?? '',
            title: followUp.title,
            dueDate: followUp.dueDate,
            contact: { name: owner?.name ?? '', email: owner?.email ?? '' },
            items: items.map((i) => ({ id: i.id, description: i.description, period: i.period, status: i.status })),
          };
        });
      },
    }),

    route<z.infer<typeof linkItemParams>, unknown, z.infer<typeof uploadBody>>({
      method: 'post',
      path: '/api/requests/:token/items/:itemId/uploads',
      action: 'public',
      params: linkItemParams,
      body: uploadBody,
      async handler(ctx, { params, body }) {
        const found = await openLink(ctx, params.token);
        refuseDeclaredFile(body, deps.maxFileBytes);
        const expiresAt = uploadUrlExpiry();
        const file = await inTenantTransaction(knex, scopeOf(found, ctx), async (trx) => {
          const followUp = await liveFollowUp(found);
          const item = await itemOf(found, params.itemId);
          refuseUploadToNotApplicable(item);
          await setAuditAction(trx, 'follow_up.upload_requested');
          const row = await FollowUpFile.query().insertAndFetch({ clientId: followUp.clientId, followUpId: followUp.id, itemId: item.id, linkId: found.linkId, filename: body.filename, declaredType: body.contentType, declaredSize: body.size, uploadExpiresAt: expiresAt } as Partial<FollowUpFile>);
          await setAuditAction(trx, null);
          return row;
        });
        const token = await deps.tokens.sign({ importId: file.id, firmId: found.firmId, expiresAt });
        const base = (deps.publicUrl ?? ctx.origin).replace(/\/+$/, '');
        ctx.status = 201;
        ctx.body = { uploadUrl: `${base}${LINK_UPLOAD_PATH}?token=${encodeURIComponent(token)}`, expiresAt };
      },
    }),

    route<unknown, z.infer<typeof uploadQuery>>({
      method: 'put',
      path: LINK_UPLOAD_PATH,
      action: 'public',
      query: uploadQuery,
      async handler(ctx, { query }) {
        await deps.throttle.admit(ctx.ip);
        const claims = await verifyUploadUrl(deps.tokens, query.token, () => deps.throttle.recordFailure(ctx.ip));
        let refusal: ApiError | null = null;
        const result = await inTenantTransaction(knex, { firmId: claims.firmId, actor: { userId: null, email: 'client-link', role: 'client' }, requestId: ctx.state.requestId as string, ip: ctx.ip }, async (trx) => {
          const file = await FollowUpFile.query().findById(claims.importId).forUpdate();
          if (!file) throw forbidden('upload_url_invalid', 'This upload URL is not valid.');
          if (file.status !== 'awaiting_upload') throw forbidden('upload_url_used', 'This upload URL was already used.');
          const owner = { linkId: file.linkId, firmId: claims.firmId, clientId: file.clientId, followUpId: file.followUpId };
          const followUp = await liveFollowUp(owner, true);
          // Refused before a byte is read: nothing is written, and the URL is not used up.
          refuseUploadToNotApplicable(await itemOf(owner, file.itemId));
          const received = await receiveCheckedFile(ctx.req, deps.maxFileBytes, { contentType: file.declaredType, size: file.declaredSize });
          if (!received.ok) {
            refusal = received.error;
            if (received.closeConnection) ctx.set('connection', 'close');
            await setAuditAction(trx, 'follow_up.upload_rejected');
            await FollowUpFile.query().findById(file.id).patch({ status: 'rejected', sizeBytes: received.bytes, detectedType: received.detected } as Partial<FollowUpFile>);
            return null;
          }
          const { content, sha256, contentType: detected } = received.file;
          const now = new Date();
          await setAuditAction(trx, 'follow_up.file_received');
          await FollowUpFile.query().findById(file.id).patch({ status: 'received', content, sizeBytes: content.length, sha256, detectedType: detected, receivedAt: now } as Partial<FollowUpFile>);
          await FollowUpItem.query().findById(file.itemId).where('status', 'outstanding').patch({ status: 'received', answeredAt: now } as Partial<FollowUpItem>);
          await setAuditAction(trx, null);
          const outstanding = await answered(trx, followUp, { key: file.id, itemIds: [file.itemId] });
          return { fileId: file.id, itemId: file.itemId, sha256, size: content.length, contentType: detected, outstanding };
        });
        if (refusal) throw refusal;
        ctx.body = result;
      },
    }),

    route<z.infer<typeof linkItemParams>, unknown, z.infer<typeof notApplicableBody>>({
      method: 'post',
      path: '/api/requests/:token/items/:itemId/not-applicable',
      action: 'public',
      params: linkItemParams,
      body: notApplicableBody,
      async handler(ctx, { params, body }) {
        const found = await openLink(ctx, params.token);
        ctx.body = await inTenantTransaction(knex, scopeOf(found, ctx), async (trx) => {
          const followUp = await liveFollowUp(found, true);
          const item = await itemOf(found, params.itemId);
          // A received item keeps its files: marking it not applicable would hide what the client sent.
          if (item.status !== 'outstanding') throw unprocessable('item_answered', `This item is already ${item.status === 'received' ? 'received' : 'marked not applicable'}.`, { status: item.status });
          await setAuditAction(trx, 'follow_up.item_not_applicable');
          await FollowUpItem.query().findById(item.id).patch({ status: 'not_applicable', reason: body.reason, answeredAt: new Date() } as Partial<FollowUpItem>);
          await setAuditAction(trx, null);
          const outstanding = await answered(trx, followUp, null);
          return { id: item.id, status: 'not_applicable', reason: body.reason, outstanding };
        });
      },
    }),

    route<z.infer<typeof linkParams>>({
      method: 'post',
      path: '/api/requests/:token/unsubscribe',
      action: 'public',
      params: linkParams,
      async handler(ctx, { params }) {
        const found = await openLink(ctx, params.token);
        await inTenantTransaction(knex, scopeOf(found, ctx), async (trx) => {
          const followUp = await liveFollowUp(found);
          await setAuditAction(trx, 'client.email_unsubscribed');
          await Client.query().findById(found.clientId).whereNull('email_opted_out_at').patch({ emailOptedOutAt: new Date() } as Partial<Client>);
          await setAuditAction(trx, null);
          await notifyFirm(followUp, 'owner', 'follow_up.call_client', `call_client:${found.clientId}`, { reason: 'the client unsubscribed from email: call them' });
        });
        ctx.body = { unsubscribed: true };
      },
    }),
  ];
}
