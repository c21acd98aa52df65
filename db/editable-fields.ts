/**
 * The fields of a user and of a client that may change after creation, with their rules: one source
 * for the API's PATCH routes and the AdminJS console (which offers fewer of them). A user's role is
 * the API's alone (its roles list lives with the permissions), behind a re-authentication.
 */
import { z } from 'zod';
import { normaliseEmail } from '../domain/email';
import { unstorableMessage, unstorableText } from './copy-text';

/**
 * A person's or a client's name: 1-200 characters after trimming, and only text PostgreSQL can
 * store. The API refuses such text in any JSON body before a route reads it; the console's forms
 * are not JSON, so for them this check names the field instead of a server error.
 */
export const NAME = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .superRefine((name, ctx) => {
    const found = unstorableText(name);
    if (found) ctx.addIssue({ code: 'custom', message: unstorableMessage(found.what) });
  });

/**
 * An email address as every API body and console form takes it: normalised (domain/email.ts), then
 * checked, so each route and the console store it alike and an address pasted with a space around
 * it is taken as the sign-in and the reset request take it, not refused.
 */
export const EMAIL = z.string().transform(normaliseEmail).pipe(z.email().max(320));

export const USER_FIELDS = {
  name: NAME,
  active: z.boolean(),
};

export const CLIENT_FIELDS = {
  name: NAME,
  email: EMAIL,
  filingFrequency: z.enum(['monthly', 'quarterly']),
  active: z.boolean(),
};
