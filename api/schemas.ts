/** Request schemas several resources share: one definition each. */
import { z } from 'zod';
import { isPeriodKey } from '../domain/periods';

/** What a period must be, as a field's refusal says it ("period must be a month as YYYY-MM"): one wording everywhere. */
export const PERIOD_RULE = 'must be a month as YYYY-MM';

/** A GST period, `YYYY-MM` (a quarterly filer's period is its quarter's last month). */
export const period = z.string().refine(isPeriodKey, PERIOD_RULE);

/** `/:id` of a resource. */
export const idParams = z.object({ id: z.uuid() });
