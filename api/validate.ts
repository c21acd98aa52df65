/**
 * Request validation with zod: one parse per part (params, query, body); a failure is 400
 * invalid_input whose details name every bad field.
 */
import type { z } from 'zod';
import { invalidInput } from './errors';

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join('.') : part;
    fields[key] ??= issue.message;
  }
  throw invalidInput({ fields }, `The request ${part} is not valid: ${Object.keys(fields).join(', ')}.`);
}
