/** Reading, exporting and verifying the firm's audit trail. */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { recordAuditEvent, verifyAuditChain } from '../../db/audit';
import { AuditEvent } from '../../db/models/audit-event';
import { safeCell } from '../../domain/csv-safe';
import { decodeCursor, page, pageQuery } from '../pagination';
import { presentAuditEvent } from '../presenters';
import { route, type RouteSpec } from '../routes';

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

type Filters = { entityType?: string; entityId?: string; actorId?: string; action?: string; from?: string; to?: string };

function filtered(f: Filters) {
  const q = AuditEvent.query();
  if (f.entityType) q.where('entity_type', f.entityType);
  if (f.entityId) q.where('entity_id', f.entityId);
  if (f.actorId) q.where('actor_id', f.actorId);
  if (f.action) q.where('action', f.action);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  return q;
}

export function auditRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/audit',
      action: 'audit.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 1);
        const q = filtered(query).orderBy('seq', 'desc').limit(query.limit + 1);
        if (after) q.where('seq', '<', Number(after[0]));
        const result = page(await q, query.limit, (e) => [Number(e.seq)]);
        ctx.body = { items: result.items.map(presentAuditEvent), nextCursor: result.nextCursor };
      },
    }),
    route({
      method: 'get',
      path: '/api/audit/export',
      action: 'audit.export',
      sensitive: true,
      query: exportQuery,
      async handler(ctx, { query }) {
        await recordAuditEvent(ctx.state.trx, { action: 'audit.exported', entityType: 'audit', after: { format: query.format, filters: { ...query, format: undefined } } });
        const rows = (await filtered(query).orderBy('seq', 'asc')).map(presentAuditEvent);
        const stamp = new Date().toISOString().slice(0, 10);
        if (query.format === 'json') {
          ctx.set('content-disposition', `attachment; filename="audit-${stamp}.json"`);
          ctx.body = rows;
          return;
        }
        ctx.set('content-type', 'text/csv; charset=utf-8');
        ctx.set('content-disposition', `attachment; filename="audit-${stamp}.csv"`);
        const columns = ['seq', 'id', 'at', 'actorId', 'actorEmail', 'actorRole', 'action', 'entityType', 'entityId', 'before', 'after', 'requestId', 'ip'];
        const records = rows.map((r) => [r.seq, r.id, r.at.toISOString(), r.actor.id, r.actor.email, r.actor.role, r.action, r.entityType, r.entityId, r.before, r.after, r.requestId, r.ip].map(safeCell));
        ctx.body = Readable.from(records).pipe(stringify({ header: true, columns }));
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
