/** Request schemas several resources share: one definition each. */
import { z } from 'zod';
import { isPeriodKey } from '../domain/periods';

/** What a period must be, as a field's refusal says it ("period must be a month as YYYY-MM"): one wording everywhere. */
export const PERIOD_RULE = 'must be a month as YYYY-MM';

/** The particular fault of a `YYYY-MM`-shaped text that is no month ("there is no month 13"), said after the rule. */
function periodFault(value: string): string | undefined {
  const month = /^\d{4}-(\d{2})$/.exec(value)?.[1];
  return month === undefined ? undefined : `there is no month ${Number(month)}`;
}

/**
 * A GST period, `YYYY-MM` (a quarterly filer's period is its quarter's last month). The field's rule
 * is always PERIOD_RULE; `params.why` adds the fault the message says after it (api/validation-sentence.ts).
 */
export const period = z.string().check((ctx) => {
  if (isPeriodKey(ctx.value)) return;
  const why = periodFault(ctx.value);
  ctx.issues.push({ code: 'custom', input: ctx.value, message: PERIOD_RULE, ...(why ? { params: { why } } : {}) });
});

/** `/:id` of a resource. */
export const idParams = z.object({ id: z.uuid() });
