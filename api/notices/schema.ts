/** Request schemas of the notice routes (docs/notices.md, "Routes"). */
import { z } from 'zod';
import { isIsoDate } from '../../domain/calendar';
import { pageQuery } from '../pagination';
import { period } from '../schemas';

export const isoDate = z.string().refine(isIsoDate, 'a date is YYYY-MM-DD');
const financialYear = z.string().regex(/^\d{4}-\d{2}$/, 'a financial year is YYYY-YY').refine((fy) => (Number(fy.slice(0, 4)) + 1) % 100 === Number(fy.slice(5, 7)), 'the second year follows the first');
const money = z.number().nonnegative().multipleOf(0.01).max(1e13);
const text = (max: number) => z.string().trim().min(1).max(max);
const instant = z.iso.datetime({ offset: true });

export const amounts = z.object({ tax: money.nullable().optional(), interest: money.nullable().optional(), penalty: money.nullable().optional() }).strict();

export { idParams as clientParams } from '../schemas';
export { idParams as noticeParams } from '../schemas';
export const hearingParams = z.object({ id: z.uuid(), hid: z.uuid() });
export const documentParams = z.object({ id: z.uuid(), documentId: z.uuid() });

export const DOCUMENT_KINDS = ['notice', 'working_paper', 'reply', 'order', 'evidence'] as const;
export const documentBody = z
  .object({ filename: text(255), contentType: text(255), size: z.number().int().positive(), kind: z.enum(DOCUMENT_KINDS) })
  .strict();

export const intakeBody = z
  .object({
    form: text(20),
    reference: text(100),
    caseId: text(100).optional(),
    din: text(100).optional(),
    servedOn: isoDate,
    issuedOn: isoDate.optional(),
    dueDate: isoDate.optional(),
    sections: z.array(text(20)).max(10).optional(),
    periods: z.array(period).max(60).optional(),
    financialYears: z.array(financialYear).max(10).optional(),
    amounts: amounts.optional(),
    description: z.string().trim().max(4000).optional(),
    issuingOffice: z.string().trim().max(200).optional(),
    assigneeId: z.uuid().optional(),
  })
  .strict();

export const listQuery = z.object({
  ...pageQuery,
  clientId: z.uuid().optional(),
  state: z.enum(['received', 'assigned', 'drafting', 'in_review', 'approved', 'filed', 'closed']).optional(),
  assigneeId: z.uuid().optional(),
  dueBefore: isoDate.optional(),
});

export const assignBody = z.object({ assigneeId: z.uuid() }).strict();
export const patchBody = z
  .object({ targetDate: isoDate.nullable().optional(), dueDate: isoDate.nullable().optional(), amounts: amounts.optional(), description: z.string().trim().max(4000).nullable().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export const extensionBody = z.object({ extendedDueDate: isoDate, reference: text(200) }).strict();
export const draftBody = z.object({ text: text(100_000), documentIds: z.array(z.uuid()).max(50).optional() }).strict();
export const approveBody = z.object({ note: z.string().trim().max(2000).optional() }).strict();
export const changesBody = z.object({ comment: text(4000) }).strict();
const arn = z.string().trim().regex(/^[A-Z0-9]{10,20}$/, 'an ARN is 10 to 20 capital letters and digits');
export const filingBody = z.object({ arn, filedOn: isoDate }).strict();
/** A reply made outside Taalmel: its ARN and date, and at least one received document proving it. */
export const outsideReplyBody = z.object({ arn, filedOn: isoDate, documentIds: z.array(z.uuid()).min(1, 'attach the evidence: the acknowledgement or the reply as filed').max(20), note: z.string().trim().max(2000).optional() }).strict();
/** Re-linking this notice's reply to another notice of its case, and why (the portal filed it against the wrong one…). */
export const relinkBody = z.object({ noticeId: z.uuid(), reason: text(2000) }).strict();
export const hearingBody = z.object({ at: instant, place: z.string().trim().max(300).optional() }).strict();
export const adjournBody = z.object({ newAt: instant, reason: text(1000), override: z.boolean().optional() }).strict();
export const closeBody = z
  .object({ outcome: z.enum(['dropped', 'order', 'replied', 'withdrawn', 'duplicate', 'appeal']), orderForm: text(20).optional(), orderDate: isoDate.optional(), reason: z.string().trim().max(2000).optional() })
  .strict();
