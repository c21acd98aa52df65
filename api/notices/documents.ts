/**
 * A notice's papers (docs/notices.md "Documents"): the notice's own PDF, working papers, the reply,
 * an order, the evidence of a reply made outside Taalmel. POST declares one and answers a signed,
 * single-use, 15-minute URL; the PUT to it stores the bytes once, checked by content and capped in
 * size by the same rule as a client's uploads (api/uploads/checked-file.ts). Drafts and recorded
 * replies cite documents by id, and only received documents of the same notice may be cited.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { applyScope, inTenantTransaction, setAuditAction, type TenantScope } from '../../db/tenant';
import { istIso } from '../../domain/calendar';
import { forbidden, invalidInput, notFound, unprocessable, type ApiError } from '../errors';
import type { UploadTokens } from '../imports/upload-token';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import { receiveCheckedFile, refuseDeclaredFile, sendStoredFile, uploadUrlExpiry, verifyUploadUrl } from '../uploads/checked-file';
import { documentBody, documentParams, noticeParams } from './schema';

/** The raw-body upload route: the JSON body parser must leave it alone. */
export const NOTICE_UPLOAD_PATH = '/api/notice-uploads';

export type NoticeDocumentDeps = { knex: Knex; tokens: UploadTokens; maxFileBytes: number; publicUrl?: string };

export type NoticeDocumentRow = {
  id: string; firm_id: string; client_id: string; notice_id: string; kind: string; filename: string; declared_type: string; declared_size: string;
  status: 'awaiting_upload' | 'received' | 'rejected'; detected_type: string | null; size_bytes: string | null; sha256: string | null;
  upload_expires_at: Date; received_at: Date | null; uploaded_by: string; created_at: Date;
};

/** What a client's own users may see of a notice's papers: the department's (the notice, an order), and the reply as filed once it is. */
export function clientVisibleKinds(notice: { arn: string | null }): string[] {
  return notice.arn ? ['notice', 'order', 'reply'] : ['notice', 'order'];
}

const COLUMNS = ['id', 'notice_id', 'kind', 'filename', 'status', 'detected_type', 'size_bytes', 'sha256', 'received_at', 'uploaded_by', 'created_at'];

export function presentDocument(d: Pick<NoticeDocumentRow, 'id' | 'kind' | 'filename' | 'status' | 'detected_type' | 'size_bytes' | 'sha256' | 'received_at' | 'uploaded_by' | 'created_at'>) {
  return {
    id: d.id, kind: d.kind, filename: d.filename, status: d.status, contentType: d.detected_type, size: d.size_bytes === null ? null : Number(d.size_bytes), sha256: d.sha256,
    uploadedBy: d.uploaded_by, receivedAt: d.received_at ? istIso(d.received_at) : null, createdAt: istIso(d.created_at),
  };
}

/** Every document of a notice that arrived, oldest first (what the notice shows; declared-only ones are not papers yet). */
export async function noticeDocuments(trx: Knex.Transaction, noticeId: string) {
  const rows = await trx('notice_documents').where({ notice_id: noticeId, status: 'received' }).orderBy([{ column: 'received_at' }, { column: 'id' }]).select(COLUMNS);
  return rows.map(presentDocument);
}

/**
 * Refuses (400, naming `field`) ids that are not received documents of this notice: another
 * notice's, another firm's (row-level security hides them), unknown, or never uploaded.
 */
export async function requireNoticeDocuments(trx: Knex.Transaction, noticeId: string, ids: readonly string[] | undefined, field: string, kinds?: readonly string[]): Promise<void> {
  if (!ids || ids.length === 0) return;
  const unique = [...new Set(ids)];
  const q = trx('notice_documents').where({ notice_id: noticeId, status: 'received' }).whereIn('id', unique);
  if (kinds) q.whereIn('kind', kinds);
  const found = new Set((await q.select('id')).map((r: { id: string }) => r.id));
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length) {
    const what = kinds ? `received ${kinds.join(' or ')} documents` : 'received documents';
    throw invalidInput({ fields: { [field]: `must be ${what} of this notice`, unknownIds: missing } });
  }
}

export function noticeDocumentRoutes(deps: NoticeDocumentDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/notices/:id/documents',
      action: 'notices.update',
      params: noticeParams,
      body: documentBody,
      async handler(ctx: AuthenticatedContext, { params, body }) {
        const { trx, user } = ctx.state;
        const notice = await trx('notices').where({ id: params.id }).first('id', 'client_id', 'firm_id', 'state');
        if (!notice) throw notFound('No such notice.');
        if (notice.state === 'closed') throw unprocessable('notice_closed', 'The notice is closed: it takes no more documents.', { state: notice.state });
        const expected = refuseDeclaredFile(body, deps.maxFileBytes);
        const expiresAt = uploadUrlExpiry();
        await setAuditAction(trx, 'notice.document_requested');
        const [row] = await trx('notice_documents')
          .insert({ firm_id: notice.firm_id, client_id: notice.client_id, notice_id: notice.id, kind: body.kind, filename: body.filename, declared_type: expected, declared_size: body.size, upload_expires_at: expiresAt, uploaded_by: user.id })
          .returning('id');
        await setAuditAction(trx, null);
        const documentId = (row as { id: string }).id;
        const token = await deps.tokens.sign({ importId: documentId, firmId: notice.firm_id, expiresAt });
        const base = (deps.publicUrl ?? ctx.origin).replace(/\/+$/, '');
        ctx.status = 201;
        ctx.body = { documentId, uploadUrl: `${base}${NOTICE_UPLOAD_PATH}?token=${encodeURIComponent(token)}`, expiresAt: istIso(expiresAt) };
      },
    }),

    route({
      method: 'put',
      path: NOTICE_UPLOAD_PATH,
      action: 'public',
      query: z.object({ token: z.string().min(1).max(2000) }),
      async handler(ctx, { query }) {
        const claims = await verifyUploadUrl(deps.tokens, query.token);
        const scope: TenantScope = { firmId: claims.firmId, actor: { userId: null, email: 'system:upload', role: 'system' }, requestId: ctx.state.requestId as string, ip: ctx.ip };
        let refusal: ApiError | null = null;
        const result = await inTenantTransaction(deps.knex, scope, async (trx) => {
          const doc = (await trx('notice_documents').where({ id: claims.importId }).forUpdate().first()) as NoticeDocumentRow | undefined;
          if (!doc) throw forbidden('upload_url_invalid', 'This upload URL is not valid.');
          // The person who asked for the URL is the actor of the upload in the audit trail.
          const person: { email: string; role: string } | undefined = await trx('users').where({ id: doc.uploaded_by }).first('email', 'role');
          await applyScope(trx, { ...scope, actor: { userId: doc.uploaded_by, email: person?.email ?? 'unknown', role: person?.role ?? 'unknown' } });
          // Two uploads to one URL at once: the first to lock the row wins, the other is refused.
          if (doc.status !== 'awaiting_upload') throw forbidden('upload_url_used', 'This upload URL was already used.');
          // Closed between the URL and the bytes: a closed notice takes nothing more.
          const notice: { state: string } | undefined = await trx('notices').where({ id: doc.notice_id }).first('state');
          if (notice?.state === 'closed') throw unprocessable('notice_closed', 'The notice is closed: it takes no more documents.', { state: notice.state });
          const received = await receiveCheckedFile(ctx.req, deps.maxFileBytes, { contentType: doc.declared_type, size: Number(doc.declared_size) });
          if (!received.ok) {
            refusal = received.error;
            if (received.closeConnection) ctx.set('connection', 'close');
            await setAuditAction(trx, 'notice.document_rejected');
            await trx('notice_documents').where({ id: doc.id }).update({ status: 'rejected', size_bytes: received.bytes, updated_at: new Date() });
            return null;
          }
          const { content, sha256, size, contentType } = received.file;
          await setAuditAction(trx, 'notice.document_received');
          const [stored] = await trx('notice_documents')
            .where({ id: doc.id })
            .update({ status: 'received', content, size_bytes: size, sha256, detected_type: contentType, received_at: new Date(), updated_at: new Date() })
            .returning(COLUMNS);
          await setAuditAction(trx, null);
          return { documentId: doc.id, noticeId: doc.notice_id, ...presentDocument(stored as NoticeDocumentRow) };
        });
        if (refusal) throw refusal;
        ctx.body = result;
      },
    }),

    route({
      method: 'get',
      path: '/api/notices/:id/documents/:documentId',
      action: 'notices.read',
      params: documentParams,
      async handler(ctx: AuthenticatedContext, { params }) {
        const q = ctx.state.trx('notice_documents').where({ id: params.documentId, notice_id: params.id, status: 'received' });
        if (ctx.state.user.role === 'client') {
          const notice: { arn: string | null } | undefined = await ctx.state.trx('notices').where({ id: params.id }).first('arn');
          q.whereIn('kind', notice ? clientVisibleKinds(notice) : []);
        }
        const doc = await q.first('filename', 'detected_type', 'sha256', 'content');
        if (!doc) throw notFound('No such document.');
        sendStoredFile(ctx, { filename: doc.filename, contentType: doc.detected_type, sha256: doc.sha256, content: doc.content });
      },
    }),
  ];
}
