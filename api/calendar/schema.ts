/** Request schemas of the compliance calendar routes. */
import { z } from 'zod';
import { period } from '../schemas';
import { DEADLINE_STATUSES, isIsoDate, isStateCode, RETURN_TYPES, TURNOVER_BANDS } from '../../domain/calendar';
import { pageQuery } from '../pagination';

export const isoDate = z.string().refine(isIsoDate, 'a date is YYYY-MM-DD');
export const returnType = z.enum(RETURN_TYPES);
export const stateCode = z.string().refine(isStateCode, 'not a GST state code');

/** The longest window one list may cover (a little over a year). */
export const MAX_WINDOW_DAYS = 400;

const window = {
  from: isoDate.optional(),
  to: isoDate.optional(),
  returnType: returnType.optional(),
  status: z.enum(DEADLINE_STATUSES).optional(),
  ...pageQuery,
};
export const firmCalendarQuery = z.object({ ...window, clientId: z.uuid().optional() });
export const clientCalendarQuery = z.object(window);
export type WindowQuery = z.infer<typeof firmCalendarQuery>;


export const filingBody = z.object({
  returnType,
  period,
  filedOn: isoDate,
  // An ARN is 15 letters and digits (e.g. AA2707250123456); spaces and case are forgiven.
  arn: z
    .string()
    .transform((s) => s.replace(/\s+/g, '').toUpperCase())
    .pipe(z.string().regex(/^[A-Z0-9]{15}$/, 'an ARN is 15 letters and digits')),
});

export const holidaysBody = z
  .object({
    saturdaysWorking: z.boolean(),
    dates: z.array(z.object({ date: isoDate, name: z.string().trim().min(1).max(200), stateCode: stateCode.nullable().default(null) }).strict()).max(2000),
    targetBufferDays: z.number().int().min(0).max(30).optional(),
    warningDays: z.number().int().min(0).max(60).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.dates.forEach((d, i) => {
      const key = `${d.date}|${d.stateCode ?? ''}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['dates', i], message: 'the same date and state twice' });
      seen.add(key);
    });
  });

export const extensionBody = z
  .object({
    returnType,
    period,
    stateCodes: z.array(stateCode).min(1).max(40).nullable(),
    // Null (or left out): filers of either frequency.
    filingFrequency: z.enum(['monthly', 'quarterly']).nullable().default(null),
    dueDate: isoDate,
    reference: z.string().trim().min(1).max(500),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.stateCodes && new Set(body.stateCodes).size !== body.stateCodes.length) ctx.addIssue({ code: 'custom', path: ['stateCodes'], message: 'a state is named twice' });
  });

export const profileBody = z
  .object({
    ownerId: z.uuid().nullable().optional(),
    scheme: z.enum(['regular', 'composition']).optional(),
    turnoverBand: z.enum(TURNOVER_BANDS).nullable().optional(),
    targetBufferDays: z.number().int().min(0).max(30).nullable().optional(),
    frequencyChange: z
      .object({ frequency: z.enum(['monthly', 'quarterly']), fromPeriod: z.string().regex(/^\d{4}-(01|04|07|10)$/, "a frequency changes from a quarter's first month (YYYY-01, -04, -07 or -10)") })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export type ProfileBody = z.infer<typeof profileBody>;
