/** The signed-in person's notifications (sign-ins from new IPs, reminders, escalations). */
import { z } from 'zod';
import { Notification } from '../../db/models/notification';
import { decodeCursor, page, pageQuery } from '../pagination';
import { route, type RouteSpec } from '../routes';

const listQuery = z.object(pageQuery);

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
          items: result.items.map((n) => ({ id: n.id, kind: n.kind, payload: n.payload, createdAt: n.createdAt, readAt: n.readAt })),
          nextCursor: result.nextCursor,
        };
      },
    }),
  ];
}
