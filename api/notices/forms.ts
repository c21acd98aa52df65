/**
 * GET /api/notice-forms: the notice form catalogue (docs/notices.md "The form catalogue"), so an
 * intake screen offers exactly the forms the API accepts, with their usual reply window and what is
 * at stake. Read from the seeded `notice_forms` table, the same rows intake computes due dates from.
 */
import { loadNoticeForms } from '../../db/notices';
import { route, type RouteSpec } from '../routes';

export function noticeFormRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/notice-forms',
      action: 'notices.read',
      async handler(ctx) {
        ctx.body = { items: await loadNoticeForms(ctx.state.trx) };
      },
    }),
  ];
}
