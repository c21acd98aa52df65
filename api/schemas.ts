/** Request schemas several resources share: one definition each. */
import { z } from 'zod';
import { isPeriodKey } from '../domain/periods';

/** A GST period, `YYYY-MM` (a quarterly filer's period is its quarter's last month). */
export const period = z.string().refine(isPeriodKey, 'a period is YYYY-MM');

/** `/:id` of a resource. */
export const idParams = z.object({ id: z.uuid() });
