/** The signed-in person's notifications (sign-ins from new IPs, reminders, escalations). */
import { z } from 'zod';
import { Notification } from '../../db/models/notification';
import { notFound } from '../errors';
import { decodeCursor, page, pageQuery } from '../pagination';
import { route, type RouteSpec } from '../routes';
import { idParams } from '../schemas';

const listQuery = z.object(pageQuery);

const present = (n: Notification) => ({ id: n.id, kind: n.kind, payload: n.payload, createdAt: n.createdAt, readAt: n.readAt });

export function notificationRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/notifications',
      action: 'notifications.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 2);
        // The cursor carries the exact microsecond timestamp (a JS Date would round it to ms).
        const q = Notification.query()
          .select('*', Notification.raw('(extract(epoch from created_at) * 1000000)::bigint as cursor_us'))
          .where('user_id', ctx.state.user.id)
          .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
          .limit(query.limit + 1);
        if (after) q.whereRaw('((extract(epoch from created_at) * 1000000)::bigint, id) < (?::bigint, ?::uuid)', after);
        const result = page(await q, query.limit, (n) => [String((n as unknown as { cursorUs: number }).cursorUs), n.id]);
        ctx.body = {
          items: result.items.map(present),
          nextCursor: result.nextCursor,
        };
      },
    }),
    // Marking read is a person's own view of their list (docs/api.md): only their notifications, and
    // the first time it was read stays (a repeated or double-clicked mark changes nothing).
    route<z.infer<typeof idParams>>({
      method: 'post',
      path: '/api/notifications/:id/read',
      action: 'notifications.mark_read',
      params: idParams,
      async handler(ctx, { params }) {
        const [marked] = await Notification.query()
          .where({ id: params.id, user_id: ctx.state.user!.id })
          .patch({ readAt: Notification.raw('coalesce(read_at, now())') as never })
          .returning('*');
        // Another person's or another firm's notification is not found, so its existence never leaks.
        if (!marked) throw notFound('No such notification.');
        ctx.body = present(marked as unknown as Notification);
      },
    }),
    route({
      method: 'post',
      path: '/api/notifications/read',
      action: 'notifications.mark_read',
      async handler(ctx) {
        const marked = await Notification.query().where({ user_id: ctx.state.user!.id }).whereNull('read_at').patch({ readAt: Notification.raw('now()') as never });
        ctx.body = { marked };
      },
    }),
  ];
}
