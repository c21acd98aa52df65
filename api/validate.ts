/**
 * Request validation with zod: one parse per part (params, query, body); a failure is 400
 * invalid_input whose details name every bad field, and whose message says in a sentence what is
 * wrong with each ("period must be a month as YYYY-MM."), never only which part of the request.
 */
import type { z } from 'zod';
import { invalidInput } from './errors';
import { invalidSentence, issueClause, issueRule, issueSentence, sentenceOf } from './validation-sentence';

export { invalidSentence } from './validation-sentence';

/** 400 invalid_input naming each field with its problem, the message being those problems in a sentence. */
export const invalidFields = (fields: Record<string, string>) => invalidInput({ fields }, invalidSentence(fields));

const keyOf = (issue: z.core.$ZodIssue, part: string) => (issue.path.length ? issue.path.join('.') : part);

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'query' | 'params'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  // Both the message and `details.fields` come from a second parse of the same input with our rules
  // (validation-sentence.ts), which raises the same issues in the same order: zod's own notation
  // ("Too big: expected number to be <=500") reaches no one. Only a refused request pays for it.
  const worded = schema.safeParse(value ?? {}, { error: issueRule });
  const rules = worded.success ? [] : worded.error.issues;
  // A Map, so a field named like an Object property ("constructor") is a field like any other.
  const fields = new Map<string, { message: string; clause: string }>();
  result.error.issues.forEach((issue, i) => {
    const key = keyOf(issue, part);
    if (fields.has(key)) return; // the first problem of each field, as before
    const rule = rules[i];
    const said = rule && keyOf(rule, part) === key ? rule : issue;
    fields.set(key, { message: issueSentence(said), clause: issueClause(key, said) });
  });
  const shown = [...fields];
  throw invalidInput({ fields: Object.fromEntries(shown.map(([key, f]) => [key, f.message])) }, sentenceOf(shown.map(([, f]) => f.clause)));
}
