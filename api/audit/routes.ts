/** Reading, exporting and verifying the firm's audit trail. */
import type { Context } from 'koa';
import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { recordAuditEvent, verifyAuditChain } from '../../db/audit';
import { decodeCursor, page, pageQuery } from '../pagination';
import { presentAuditItem } from '../presenters';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import { auditCsvExport, auditJsonExport, filteredAuditEvents, lastAuditSeq, type AuditExportSource } from './export';

const filters = {
  entityType: z.string().max(100).optional(),
  entityId: z.uuid().optional(),
  actorId: z.uuid().optional(),
  action: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
const listQuery = z.object({ ...filters, ...pageQuery });
const exportQuery = z.object({ ...filters, format: z.enum(['csv', 'json']).default('csv') });

/**
 * A streamed body that fails once its headers are out cannot become an error answer: the connection
 * is cut, so the download fails visibly instead of ending as a file that looks complete. Before the
 * first byte Koa still answers the error as usual.
 */
function streamBody(ctx: Context, body: Readable): Readable {
  body.once('error', () => {
    if (ctx.headerSent) ctx.res.destroy();
  });
  return body;
}

/** The pages' tenant scope: the caller's, as the request's transaction had it. */
function exportScope(ctx: AuthenticatedContext) {
  const user = ctx.state.user;
  return { firmId: user.firmId, clientId: user.clientId, actor: { userId: user.id, email: user.email, role: user.role }, requestId: ctx.state.requestId };
}

export function auditRoutes(deps: { knex: Knex }): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/audit',
      action: 'audit.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 1);
        const q = filteredAuditEvents(query).orderBy('seq', 'desc').limit(query.limit + 1);
        if (after) q.where('seq', '<', Number(after[0]));
        const result = page(await q, query.limit, (e) => [Number(e.seq)]);
        ctx.body = { items: result.items.map(presentAuditItem), nextCursor: result.nextCursor };
      },
    }),
    route({
      method: 'get',
      path: '/api/audit/export',
      action: 'audit.export',
      sensitive: true,
      query: exportQuery,
      async handler(ctx, { query }) {
        const { format, ...filtersOf } = query;
        await recordAuditEvent(ctx.state.trx, { action: 'audit.exported', entityType: 'audit', after: { format, filters: { ...query, format: undefined } } });
        // The export ends at its own event: read here, under the firm's audit lock (api/audit/export.ts).
        const src: AuditExportSource = { knex: deps.knex, scope: exportScope(ctx), filters: filtersOf, throughSeq: await lastAuditSeq() };
        const stamp = new Date().toISOString().slice(0, 10);
        if (format === 'json') {
          ctx.type = 'application/json; charset=utf-8';
          ctx.set('content-disposition', `attachment; filename="audit-${stamp}.json"`);
          ctx.body = streamBody(ctx, auditJsonExport(src));
          return;
        }
        ctx.set('content-type', 'text/csv; charset=utf-8');
        ctx.set('content-disposition', `attachment; filename="audit-${stamp}.csv"`);
        ctx.body = streamBody(ctx, auditCsvExport(src));
      },
    }),
    route({
      method: 'get',
      path: '/api/audit/verify',
      action: 'audit.verify',
      async handler(ctx) {
        const result = await verifyAuditChain(ctx.state.trx, ctx.state.user.firmId);
        ctx.body = { ok: result.ok, checked: result.checked, firstBrokenId: result.firstBrokenId, redacted: result.redacted };
      },
    }),
  ];
}
