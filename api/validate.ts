/**
 * Request validation with zod: one parse per part (params, query, body); a failure is 400
 * invalid_input whose details name every bad field, and whose message says in a sentence what is
 * wrong with each ("period must be a month as YYYY-MM."), never only which part of the request.
 */
import type { z } from 'zod';
import { invalidInput } from './errors';

/** A field's rule written to follow its name ("must be …", "is required"), rather than a phrase of its own. */
const FOLLOWS_NAME = /^(must|is|are|cannot|can|may|should|needs?|has|have|only|required)\b/;

/**
 * The refusal's sentence from its fields: "period must be a month as YYYY-MM.", or "name: Too small:
 * …" where a message (zod's own) does not read after the field's name; several fields joined by "; ".
 */
export function invalidSentence(fields: Record<string, string>): string {
  const clauses = Object.entries(fields).map(([field, message]) => (FOLLOWS_NAME.test(message) ? `${field} ${message}` : `${field}: ${message}`));
  return `${clauses.join('; ').replace(/[.;:\s]+$/, '')}.`;
}

/** 400 invalid_input naming each field with its problem, the message being those problems in a sentence. */
export const invalidFields = (fields: Record<string, string>) => invalidInput({ fields }, invalidSentence(fields));

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join('.') : part;
    fields[key] ??= issue.message;
  }
  throw invalidFields(fields);
}
