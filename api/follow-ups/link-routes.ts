/**
 * The client's checklist link (docs/follow-ups.md "The client's link"): no sign-in; the link's token
 * is the credential. Its hash finds the one follow-up it opens (`follow_up_link_lookup`), and
 * everything after runs in that firm's transaction scoped to that client, so the page can show
 * nothing beyond that request and an item id of another request, client or firm is simply not
 * found. Unknown, expired and revoked links answer the same 410 link_expired (nothing tells a token
 * that never existed from a dead one); every request is rate-limited per IP, and tokens that match
 * no link (guesses) much more tightly. A token that was issued, expired or revoked when its request
 * ended, is no guess: a client opening last month's email is never locked out by it.
 *
 * Files go up in two steps, as imports do: POST declares the file and gets a signed, single-use,
 * 15-minute URL; the PUT to it is checked by content (PDF, PNG, JPEG, XLSX, CSV), capped in size,
 * stored with its SHA-256, and marks the item received (the last item completes the follow-up).
 * The bytes stream with no lock held (a slow connection must not hold the request's row); the
 * short write after them takes the locks and re-checks what may have changed meanwhile. The same
 * file again on the same item (a double click) is answered with the file already stored: nothing
 * is stored twice and no second acknowledgement goes out. A file is held in memory from its first
 * byte until it is stored, so a link may have only so many URLs unused and uploads running at once
 * (api/limits/upload-slots.ts), and an upload past its deadline lets go of its bytes at once.
 */
import type { Context } from 'koa';
import type { Knex } from 'knex';
import { type z } from 'zod';
import { endFollowUp, hashLinkToken, LIVE_STATUSES, notifyFirm } from '../../db/follow-ups';
import { Client } from '../../db/models/client';
import { Firm } from '../../db/models/firm';
import { FollowUp, FollowUpFile, FollowUpItem, FollowUpLink } from '../../db/models/follow-up';
import { User } from '../../db/models/user';
import { inTenantTransaction, setAuditAction, type TenantScope } from '../../db/tenant';
import { followUpPeriodNames } from '../../db/follow-up-period-labels';
import { itemPeriodText } from '../../domain/follow-ups';
import { indianDate } from '../../domain/recon/report-format';
import type { ItemsAnswered } from '../../workflows/follow-up-definitions';
import { ApiError, forbidden, invalidInput, notFound, unprocessable } from '../errors';
import type { UploadTokens } from '../imports/upload-token';
import { tooManyUploads, type UploadSlots } from '../limits/upload-slots';
import { receiveCheckedFile, refuseDeclaredFile, uploadUrlExpiry, verifyUploadUrl } from '../uploads/checked-file';
import { route, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import type { LinkThrottle } from './link-throttle';
import { isLinkToken, itemIdShape, linkItemParams, linkParams, notApplicableBody, uploadBody, uploadQuery } from './schema';
import { signalAnswered } from './workflow-client';

/** The raw-body upload route: the JSON body parser must leave it alone. */
export const LINK_UPLOAD_PATH = '/api/request-uploads';

export type LinkRouteDeps = {
  knex: Knex;
  temporal: TemporalHandle;
  throttle: LinkThrottle;
  tokens: UploadTokens;
  maxFileBytes: number;
  /** Uploads being received at once, per link and address, and their bytes (shared by the process). */
  uploads: UploadSlots;
  /** Upload URLs one link may have issued and neither used nor expired. */
  urlsPerLink: number;
  publicUrl?: string;
};

type Found = { linkId: string; firmId: string; clientId: string; followUpId: string };

type Answered = { outstanding: number; workflowId: string; ack: ItemsAnswered['ack'] };

const linkExpired = () => new ApiError(410, 'link_expired', 'This link is not valid, has expired or its request has ended. Ask the firm for a new one.');

function scopeOf(found: { firmId: string; clientId: string }, ctx: Context): TenantScope {
  return { firmId: found.firmId, clientId: found.clientId, actor: { userId: null, email: 'client-link', role: 'client' }, requestId: ctx.state.requestId as string, ip: ctx.ip };
}

async function outstandingCount(followUpId: string): Promise<number> {
  const row = (await FollowUpItem.query().where({ follow_up_id: followUpId, status: 'outstanding' }).count('* as n').first()) as unknown as { n: number | string };
  return Number(row.n);
}

/**
 * A PUT refused before its body is read (a limit, a spent URL, an ended request) closes the
 * connection after its answer: else Node reads and discards the rest of the body to keep the
 * connection alive, and the client goes on sending a file nobody will keep.
 */
async function refusedBeforeBody<T>(ctx: Context, checks: () => Promise<T>): Promise<T> {
  try {
    return await checks();
  } catch (error) {
    ctx.set('connection', 'close');
    throw error;
  }
}

export function linkRoutes(deps: LinkRouteDeps): RouteSpec[] {
  const { knex } = deps;

  /**
   * Finds the link's follow-up, or refuses. Only a token that matches no link (malformed, or never
   * issued) counts as a failure against the IP: a link that expired or was revoked when its request
   * ended was issued, so its holder is not guessing, and clicking it again must not lock them out.
   */
  async function openLink(ctx: Context, token: string): Promise<Found> {
    await deps.throttle.admit(ctx.ip);
    // A token that cannot be one (cut off when copied) is an unknown token: 410, counted as a guess.
    if (!isLinkToken(token)) {
      await deps.throttle.recordFailure(ctx.ip);
      throw linkExpired();
    }
    const result = await knex.raw('select * from follow_up_link_lookup(?)', [hashLinkToken(token)]);
    const row = result.rows[0] as { link_id: string; firm_id: string; client_id: string; follow_up_id: string; expires_at: Date; revoked_at: Date | null } | undefined;
    if (!row) {
      await deps.throttle.recordFailure(ctx.ip);
      throw linkExpired();
    }
    if (row.revoked_at || row.expires_at.getTime() <= Date.now()) throw linkExpired();
    return { linkId: row.link_id, firmId: row.firm_id, clientId: row.client_id, followUpId: row.follow_up_id };
  }

  async function liveFollowUp(found: Found, lock = false, alsoEnded: readonly FollowUp['status'][] = []): Promise<FollowUp> {
    const query = FollowUp.query().findById(found.followUpId);
    const followUp = await (lock ? query.forNoKeyUpdate() : query);
    if (!followUp || !(LIVE_STATUSES.includes(followUp.status) || alsoEnded.includes(followUp.status))) throw linkExpired();
    return followUp;
  }

  async function itemOf(found: Found, itemId: string): Promise<FollowUpItem> {
    if (!itemIdShape.safeParse(itemId).success) throw invalidInput({ fields: { itemId: 'must be an item id (a UUID)' } });
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

  /**
   * A link may have only `urlsPerLink` upload URLs issued and neither used nor expired: each is a
   * row, and a PUT that may hold a file in memory. The link's row is locked so two requests at once
   * count each other; after the item's lock, as the upload that completes a request takes its
   * links after its item (endFollowUp). The row is read as locked: a request ended while this one
   * waited for the lock (a cancel, a complete) revoked it, and its link then issues nothing (410).
   * Retry-After: when the soonest of them expires.
   */
  async function refuseTooManyUrls(found: Found): Promise<void> {
    const link = await FollowUpLink.query().findById(found.linkId).forUpdate();
    if (!link || link.revokedAt || link.expiresAt.getTime() <= Date.now()) throw linkExpired();
    const now = new Date();
    const pending = (await FollowUpFile.query().where({ link_id: found.linkId, status: 'awaiting_upload' }).where('upload_expires_at', '>', now).count('* as n').min('upload_expires_at as soonest').first()) as unknown as { n: number | string; soonest: Date | null };
    if (Number(pending.n) < deps.urlsPerLink) return;
    const seconds = Math.max(1, Math.ceil(((pending.soonest?.getTime() ?? now.getTime()) - now.getTime()) / 1000));
    throw tooManyUploads('upload_urls_per_link', 'This link has asked for many uploads that have not arrived yet: send those files, or try again in a few minutes.', seconds);
  }

  /**
   * Ends the request when nothing is left; answers what its workflow must be told. The caller tells
   * it (`tell`) only after the transaction commits: a write rolled back (the request's deadline
   * fired first) must not leave the workflow believing the items arrived.
   */
  async function answered(trx: Knex.Transaction, followUp: FollowUp, ack: ItemsAnswered['ack']): Promise<Answered> {
    const outstanding = await outstandingCount(followUp.id);
    if (outstanding === 0) await endFollowUp(trx, followUp.id, 'completed', 'every item answered by the client', 'follow_up.completed');
    return { outstanding, workflowId: followUp.workflowId, ack };
  }

  /** After commit. A failure here is the request's error (5xx): the client's retry of the same file is a duplicate, which tells the workflow again (acks are keyed, so once). */
  async function tell(a: Answered): Promise<void> {
    await signalAnswered(deps.temporal, a.workflowId, { outstanding: a.outstanding, answeredAt: Date.now(), ack: a.ack });
  }

  /**
   * The bytes, then the short write: the URL's row locked and checked again (it may have been used,
   * the request ended or the item answered meanwhile), the file stored or refused. The read ends at
   * the request's deadline (`signal`), letting go of the bytes at once.
   */
  async function receiveAndStore(ctx: Context, firmId: string, scope: TenantScope, declared: FollowUpFile, signal: AbortSignal | undefined): Promise<Answered | null> {
    const ownerOf = (file: FollowUpFile): Found => ({ linkId: file.linkId, firmId, clientId: file.clientId, followUpId: file.followUpId });
    const received = await receiveCheckedFile(ctx.req, deps.maxFileBytes, { contentType: declared.declaredType, size: declared.declaredSize }, { signal });
    if (!received.ok && received.closeConnection) ctx.set('connection', 'close');
    let refusal: ApiError | null = null;
    const result = await inTenantTransaction(knex, scope, async (trx) => {
      // Two uploads to one URL at once: the first to lock the row wins, the other is refused.
      const file = await FollowUpFile.query().findById(declared.id).forUpdate();
      if (!file || file.status !== 'awaiting_upload') throw forbidden('upload_url_used', 'This upload URL was already used.');
      const owner = ownerOf(file);
      // The request's row serializes the files of its items: two uploads of one file at once see each other.
      // A completed request is let through only to answer a duplicate below.
      const followUp = await liveFollowUp(owner, true, ['completed']);
      const live = LIVE_STATUSES.includes(followUp.status);
      refuseUploadToNotApplicable(await itemOf(owner, file.itemId));
      if (!received.ok) {
        if (!live) throw linkExpired();
        refusal = received.error;
        await setAuditAction(trx, 'follow_up.upload_rejected');
        await FollowUpFile.query().findById(file.id).patch({ status: 'rejected', sizeBytes: received.bytes, detectedType: received.detected } as Partial<FollowUpFile>);
        return null;
      }
      const { content, sha256, contentType: detected } = received.file;
      const same = await FollowUpFile.query().findOne({ item_id: file.itemId, status: 'received', sha256 }).select('id');
      if (same) {
        // The same bytes again on this item (a double click, a retry), even after they completed the
        // request: the stored file answers; this URL is spent. The workflow is told again (keyed by
        // the stored file, so once), in case the first telling failed after its commit.
        await setAuditAction(trx, 'follow_up.upload_duplicate');
        await FollowUpFile.query().findById(file.id).patch({ status: 'rejected', sizeBytes: content.length, sha256, detectedType: detected } as Partial<FollowUpFile>);
        await setAuditAction(trx, null);
        const outstanding = await outstandingCount(followUp.id);
        return { body: { fileId: same.id, itemId: file.itemId, sha256, size: content.length, contentType: detected, outstanding, duplicate: true }, told: { outstanding, workflowId: followUp.workflowId, ack: { key: same.id, itemIds: [file.itemId] } } };
      }
      if (!live) throw linkExpired();
      const now = new Date();
      await setAuditAction(trx, 'follow_up.file_received');
      await FollowUpFile.query().findById(file.id).patch({ status: 'received', content, sizeBytes: content.length, sha256, detectedType: detected, receivedAt: now } as Partial<FollowUpFile>);
      await FollowUpItem.query().findById(file.itemId).where('status', 'outstanding').patch({ status: 'received', answeredAt: now } as Partial<FollowUpItem>);
      await setAuditAction(trx, null);
      const told = await answered(trx, followUp, { key: file.id, itemIds: [file.itemId] });
      return { body: { fileId: file.id, itemId: file.itemId, sha256, size: content.length, contentType: detected, outstanding: told.outstanding, duplicate: false }, told };
    }, { signal });
    if (refusal) throw refusal;
    if (!result) return null;
    ctx.body = result.body;
    // The bytes are stored: nothing of them is kept past this return, and the caller gives the slot back before telling the workflow.
    return result.told;
  }

  return [
    route<z.infer<typeof linkParams>>({
      method: 'get',
      path: '/api/requests/:token',
      action: 'public',
      params: linkParams,
      async handler(ctx, { params }) {
        const found = await openLink(ctx, params.token);
        ctx.body = await inTenantTransaction(knex, scopeOf(found, ctx), async (trx) => {
          const followUp = await liveFollowUp(found);
          const names = await followUpPeriodNames(trx, found.firmId, [followUp]);
          const deadlineLabel = names.deadlineLabels.get(followUp.id) ?? null;
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
            // As the page shows them: dd-mm-yyyy and the period in words (a month, or the quarter or year of the deadline's own period), as the emails write them.
            dueDateText: indianDate(followUp.dueDate),
            // The return the request feeds, as the firm's follow-up names it (GET /api/follow-ups/:id): the
            // key, and its period as the calendar names it (a QRMP filer's quarter); null when it is due by a date.
            deadline: followUp.deadline ? { returnType: followUp.deadline.returnType, period: followUp.deadline.period } : null,
            periodLabel: deadlineLabel,
            contact: { name: owner?.name ?? '', email: owner?.email ?? '' },
            items: items.map((i) => ({ id: i.id, description: i.description, period: i.period, ...(i.period ? { periodText: itemPeriodText(i.period, followUp.deadline, deadlineLabel, names.frequencyOf(followUp.clientId, i.period)) } : {}), status: i.status })),
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
        // The type the content must be, from the name and the browser's type (aliases resolved).
        const expected = refuseDeclaredFile(body, deps.maxFileBytes);
        const expiresAt = uploadUrlExpiry();
        const file = await inTenantTransaction(knex, scopeOf(found, ctx), async (trx) => {
          const followUp = await liveFollowUp(found);
          const item = await itemOf(found, params.itemId);
          refuseUploadToNotApplicable(item);
          await refuseTooManyUrls(found);
          await setAuditAction(trx, 'follow_up.upload_requested');
          const row = await FollowUpFile.query().insertAndFetch({ clientId: followUp.clientId, followUpId: followUp.id, itemId: item.id, linkId: found.linkId, filename: body.filename, declaredType: expected, declaredSize: body.size, uploadExpiresAt: expiresAt } as Partial<FollowUpFile>);
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
        const claims = await refusedBeforeBody(ctx, async () => {
          await deps.throttle.admit(ctx.ip);
          return verifyUploadUrl(deps.tokens, query.token, () => deps.throttle.recordFailure(ctx.ip));
        });
        const scope: TenantScope = { firmId: claims.firmId, actor: { userId: null, email: 'client-link', role: 'client' }, requestId: ctx.state.requestId as string, ip: ctx.ip };
        const signal = ctx.state.deadline as AbortSignal | undefined;
        const ownerOf = (file: FollowUpFile): Found => ({ linkId: file.linkId, firmId: claims.firmId, clientId: file.clientId, followUpId: file.followUpId });
        // Refused before a byte is read (used URL, ended request, item marked not applicable, a limit
        // below): nothing is written, and the URL is not used up. No lock is held while the bytes arrive.
        const { declared, release } = await refusedBeforeBody(ctx, async () => {
          const file = await inTenantTransaction(knex, scope, async () => {
            const row = await FollowUpFile.query().findById(claims.importId);
            if (!row) throw forbidden('upload_url_invalid', 'This upload URL is not valid.');
            if (row.status !== 'awaiting_upload') throw forbidden('upload_url_used', 'This upload URL was already used.');
            // A request completed since the URL was issued may still answer a repeat of a file it holds (a
            // double click on the last item): the bytes decide, after they arrive.
            await liveFollowUp(ownerOf(row), false, ['completed']);
            refuseUploadToNotApplicable(await itemOf(ownerOf(row), row.itemId));
            return row;
          });
          // The file is held from its first byte until stored: a slot of its link, its address and the
          // process's memory first, or 429/503 before a byte is read (the URL stays unused for a retry).
          // Charged what it may hold: never more than the cap, whatever was declared.
          return { declared: file, release: deps.uploads.take({ link: file.linkId, ip: ctx.ip, bytes: Math.min(Number(file.declaredSize), deps.maxFileBytes) }) };
        });
        let told: Answered | null;
        try {
          told = await receiveAndStore(ctx, claims.firmId, scope, declared, signal);
        } finally {
          release();
        }
        // After the slot is given back: a slow Temporal must not hold the link's uploads.
        if (told) await tell(told);
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
        const result = await inTenantTransaction(knex, scopeOf(found, ctx), async (trx) => {
          const followUp = await liveFollowUp(found, true);
          const item = await itemOf(found, params.itemId);
          // A received item keeps its files: marking it not applicable would hide what the client sent.
          if (item.status !== 'outstanding') throw unprocessable('item_answered', `This item is already ${item.status === 'received' ? 'received' : 'marked not applicable'}.`, { status: item.status });
          await setAuditAction(trx, 'follow_up.item_not_applicable');
          await FollowUpItem.query().findById(item.id).patch({ status: 'not_applicable', reason: body.reason, answeredAt: new Date() } as Partial<FollowUpItem>);
          await setAuditAction(trx, null);
          const told = await answered(trx, followUp, null);
          return { body: { id: item.id, status: 'not_applicable', reason: body.reason, outstanding: told.outstanding }, told };
        });
        await tell(result.told);
        ctx.body = result.body;
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
