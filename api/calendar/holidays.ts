/**
 * GET/PUT /api/firm/holidays: the firm's working-day calendar. Sundays never work; national holidays
 * are seeded (read-only); the firm admin keeps whether Saturdays work, the firm's own days and each
 * state's holidays, plus the target-date buffer and the warning days. PUT replaces the firm's dates
 * by a difference (rows that stay are untouched), so the audit trail shows exactly what changed, and
 * replans the follow-ups and notices those days time (calendar-replan.ts).
 */
import { loadCalendarSettings, loadFirmHolidays, loadNationalHolidays } from '../../db/calendar';
import { lockKey } from '../../db/advisory-lock';
import { route, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import { calendarSnapshot, replanAfterCalendarChange } from './calendar-replan';
import { calendarScope } from './client-lookup';
import { presentHolidays } from './present';
import { holidaysBody } from './schema';

export function holidayRoutes(deps: { temporal: TemporalHandle }): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/firm/holidays',
      action: 'holidays.read',
      async handler(ctx) {
        const { trx, firmId } = calendarScope(ctx);
        ctx.body = presentHolidays(await loadCalendarSettings(trx, firmId), await loadFirmHolidays(trx, firmId), await loadNationalHolidays(trx));
      },
    }),
    route({
      method: 'put',
      path: '/api/firm/holidays',
      action: 'holidays.update',
      body: holidaysBody,
      async handler(ctx, { body }) {
        const { trx, firmId } = calendarScope(ctx);
        // Two admins saving at once take turns, so the difference below is taken against what is there.
        await lockKey(trx, `taalmel.holidays:${firmId}`);
        const current = await loadCalendarSettings(trx, firmId);
        const before = await calendarSnapshot(trx, firmId);
        const settings = {
          saturdays_working: body.saturdaysWorking,
          target_buffer_days: body.targetBufferDays ?? current.targetBufferDays,
          warning_days: body.warningDays ?? current.warningDays,
        };
        await trx('firm_calendar_settings').insert({ firm_id: firmId, ...settings }).onConflict('firm_id').merge({ ...settings, updated_at: trx.fn.now() });

        const keyOf = (d: { date: string; stateCode: string | null }) => `${d.date}|${d.stateCode ?? ''}`;
        const wanted = new Map(body.dates.map((d) => [keyOf(d), d]));
        const existing = await loadFirmHolidays(trx, firmId);
        const gone = existing.filter((h) => !wanted.has(keyOf(h))).map((h) => h.id);
        if (gone.length) await trx('firm_holidays').where({ firm_id: firmId }).whereIn('id', gone).delete();
        const kept = new Map(existing.map((h) => [keyOf(h), h]));
        for (const [key, day] of wanted) {
          const before = kept.get(key);
          if (!before) await trx('firm_holidays').insert({ firm_id: firmId, date: day.date, name: day.name, state_code: day.stateCode });
          else if (before.name !== day.name) await trx('firm_holidays').where({ firm_id: firmId, id: before.id }).update({ name: day.name, updated_at: trx.fn.now() });
        }
        // Follow-ups and notices timed by these days replan in this transaction (nothing fires for a replaced date).
        const user = ctx.state.user!;
        await replanAfterCalendarChange(trx, deps.temporal, { firmId, actor: { userId: user.id, email: user.email, role: user.role }, before });
        ctx.body = presentHolidays(await loadCalendarSettings(trx, firmId), await loadFirmHolidays(trx, firmId), await loadNationalHolidays(trx));
      },
    }),
  ];
}
