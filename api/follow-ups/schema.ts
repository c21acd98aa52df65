/** Request schemas of the follow-up routes; cross-field rules live here, not in handlers. */
import { z } from 'zod';
import { EMAIL } from '../../db/editable-fields';
import { isValidDate, RETURN_TYPES } from '../../domain/follow-ups';
import { pageQuery } from '../pagination';
import { period } from '../schemas';

export const date = z.string().refine(isValidDate, 'a date is YYYY-MM-DD');
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM');
const item = z.object({ description: z.string().trim().min(1).max(500), period: period.optional() }).strict();
const days = z.number().int().min(0).max(366);

export const policyOverrides = z
  .object({
    sendAt: time,
    quietHours: z.object({ from: time, to: time }).strict(),
    intervalDays: z.number().int().min(1).max(60),
    intervalUntilDaysBeforeDue: days,
    deadlineOffsets: z.array(days).max(10),
    overdueOffsets: z.array(z.number().int().min(1).max(366)).max(10),
    maxAutoReminders: z.number().int().min(0).max(50),
    perClientDailyCap: z.literal(1),
    skipDays: z.boolean(),
  })
  .partial()
  .strict();

export const deadline = z.object({ returnType: z.enum(RETURN_TYPES), period }).strict();

export const createBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    items: z.array(item).min(1).max(100),
    dueDate: date.optional(),
    deadline: deadline.optional(),
    ownerId: z.uuid().optional(),
    noticeId: z.uuid().optional(),
    policy: policyOverrides.optional(),
  })
  .strict()
  .refine((b) => (b.dueDate === undefined) !== (b.deadline === undefined), { message: 'give exactly one of dueDate or deadline', path: ['dueDate'] });

export const listQuery = z.object({
  ...pageQuery,
  clientId: z.uuid().optional(),
  status: z.enum(['open', 'snoozed', 'completed', 'cancelled', 'exhausted']).optional(),
  ownerId: z.uuid().optional(),
  noticeId: z.uuid().optional(),
});

export const idParams = z.object({ id: z.uuid() });
export const clientParams = z.object({ id: z.uuid() });
export const fileParams = z.object({ id: z.uuid(), fileId: z.uuid() });
export const noteBody = z.object({ note: z.string().trim().max(2000).optional() }).strict();
/** A date (the snooze ends when that day starts) or an instant. */
export const snoozeBody = z.object({ until: z.union([date, z.iso.datetime({ offset: true })]) }).strict();
export const patchBody = z
  .object({ dueDate: date.optional(), ownerId: z.uuid().optional(), items: z.array(item).min(1).max(100).optional() })
  .strict()
  .refine((b) => b.dueDate !== undefined || b.ownerId !== undefined || b.items !== undefined, 'nothing to change');

/** What a link token looks like; anything else cannot open a request (answered as an unknown token, 410). */
const LINK_TOKEN = /^[A-Za-z0-9_-]{20,100}$/;
export const isLinkToken = (token: string): boolean => LINK_TOKEN.test(token);
/** Any token reaches the link's handlers, which answer a malformed one as an unknown one (and count it). */
export const linkParams = z.object({ token: z.string() });
export const linkItemParams = linkParams.extend({ itemId: z.string() });
export const itemIdShape = z.uuid();
export const uploadBody = z.object({ filename: z.string().trim().min(1).max(255), contentType: z.string().trim().min(1).max(255), size: z.number().int().positive() }).strict();
export const notApplicableBody = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(2000) }).strict();
export const uploadQuery = z.object({ token: z.string().min(1).max(2000) });

const gstin = z.string().trim().toUpperCase().regex(/^[0-9A-Z]{15}$/, 'a GSTIN is 15 letters and digits');

/** POST /api/reconciliations/:runId/follow-ups (api/follow-ups/mismatch-routes.ts): a client mismatch follow-up or a supplier chase. */
export const mismatchBody = z
  .object({
    supplierGstins: z
      .array(gstin)
      .min(1, 'name at least one supplier')
      .max(20)
      .superRefine((list, ctx) => {
        const repeated = [...new Set(list.filter((g, i) => list.indexOf(g) !== i))];
        if (repeated.length > 0) ctx.addIssue({ code: 'custom', message: `named more than once: ${repeated.join(', ')}` });
      }),
    title: z.string().trim().min(1).max(200).optional(),
    dueDate: date.optional(),
    deadline: deadline.optional(),
    ownerId: z.uuid().optional(),
    policy: policyOverrides.optional(),
    /** Whom the letters go to: the client (the default), or the one named supplier on the client's behalf. */
    recipient: z.enum(['client', 'supplier']).default('client'),
    /**
     * The supplier's address under the one email rule (domain/email.ts): trimmed and lower-cased before
     * it is checked and stored, so the daily cap's lookup of "this supplier's letter today" and the
     * sent list name one mailbox however it was typed.
     */
    supplierEmail: EMAIL.optional(),
  })
  .strict()
  .refine((b) => (b.dueDate === undefined) !== (b.deadline === undefined), { message: 'give exactly one of dueDate or deadline', path: ['dueDate'] })
  .refine((b) => b.recipient === 'client' || b.supplierEmail !== undefined, { message: "a supplier chase needs the supplier's email address", path: ['supplierEmail'] })
  .refine((b) => b.recipient === 'supplier' || b.supplierEmail === undefined, { message: 'only a supplier chase (recipient "supplier") takes an address', path: ['supplierEmail'] })
  .refine((b) => b.recipient === 'client' || b.supplierGstins.length === 1, { message: 'a supplier chase names exactly one supplier', path: ['supplierGstins'] });
