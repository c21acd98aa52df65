/**
 * The fields of a user and of a client that may change after creation, with their rules: one source
 * for the API's PATCH routes and the AdminJS console (which offers fewer of them). A user's role is
 * the API's alone (its roles list lives with the permissions), behind a re-authentication.
 */
import { z } from 'zod';

export const USER_FIELDS = {
  name: z.string().trim().min(1).max(200),
  active: z.boolean(),
};

export const CLIENT_FIELDS = {
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  filingFrequency: z.enum(['monthly', 'quarterly']),
  active: z.boolean(),
};
