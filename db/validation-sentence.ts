/**
 * The words of a refused request (docs/api.md, "Error messages"): each bad field named with its
 * rule in plain English ("limit must be a whole number from 1 to 500."), never zod's own notation
 * ("Too big: expected number to be <=500").
 *
 * `issueRule` is a zod error map: zod calls it with each issue's data and the schema that raised
 * it, so a rule is written from the schema's real bounds and format (read through
 * `z.toJSONSchema`, zod's public description of a schema), never by reparsing zod's English.
 * It is passed to one parse only (api/validate.ts), not installed with `z.config`. Each field of
 * `details.fields` carries the same rule as a sentence of its own ("Must be a whole number from 1
 * to 500."), which the web app and the console show beside the field: zod's notation never reaches
 * a person there either.
 */
import { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;

/** A field's rule written to follow its name ("must …", "is required"), rather than a phrase of its own. */
const FOLLOWS_NAME = /^(must|is|are|cannot|can|may|should|needs?|has|have|only|required|does|matches)\b/;

/** A clause about one field: "period must be …", or "dueDate: a date is …" where the rule does not read after the name. */
export function fieldClause(field: string, rule: string): string {
  return FOLLOWS_NAME.test(rule) ? `${field} ${rule}` : `${field}: ${rule}`;
}

/** A rule as a sentence of its own, to stand beside its field: "Must not be empty." */
export function fieldSentence(rule: string): string {
  const trimmed = rule.trim().replace(/[.;:\s]+$/, '');
  return trimmed ? `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.` : 'Is not valid.';
}

/** Clauses joined into one sentence with one full stop. */
export function sentenceOf(clauses: string[]): string {
  return `${clauses.join('; ').replace(/[.;:\s]+$/, '')}.`;
}

/**
 * The refusal's sentence from its fields: "period must be a month as YYYY-MM.", or "name: Too small:
 * …" where a message does not read after the field's name; several fields joined by "; ". Values that
 * are not text (a list of unknown ids beside the rule) are details, not part of the sentence.
 */
export function invalidSentence(fields: Record<string, unknown>): string {
  return sentenceOf(Object.entries(fields).flatMap(([field, rule]) => (typeof rule === 'string' ? [fieldClause(field, rule)] : [])));
}

/** Bounds past these are no rule a person set: zod's own limits for a safe integer. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

type Described = {
  type?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};

/** The schema as JSON Schema (its type, bounds and format), or nothing when zod cannot describe it. */
function describe(schema: z.core.$ZodType | undefined): Described {
  if (!schema) return {};
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Described;
  } catch {
    return {};
  }
}

/** "at least 1", "more than 0", "from 1 to 500"…: a number's bounds in words (a whole number's exclusive bounds made inclusive). */
function rangeWords(d: Described, whole: boolean): string {
  let low: string | null = null;
  let high: string | null = null;
  let lowValue: number | null = null;
  let highValue: number | null = null;
  if (d.minimum !== undefined && d.minimum > -UNBOUNDED) [low, lowValue] = [`at least ${d.minimum}`, d.minimum];
  if (d.exclusiveMinimum !== undefined && d.exclusiveMinimum > -UNBOUNDED) {
    [low, lowValue] = whole ? [`at least ${d.exclusiveMinimum + 1}`, d.exclusiveMinimum + 1] : [`more than ${d.exclusiveMinimum}`, null];
  }
  if (d.maximum !== undefined && d.maximum < UNBOUNDED) [high, highValue] = [`at most ${d.maximum}`, d.maximum];
  if (d.exclusiveMaximum !== undefined && d.exclusiveMaximum < UNBOUNDED) {
    [high, highValue] = whole ? [`at most ${d.exclusiveMaximum - 1}`, d.exclusiveMaximum - 1] : [`less than ${d.exclusiveMaximum}`, null];
  }
  if (lowValue !== null && highValue !== null) return ` from ${lowValue} to ${highValue}`;
  return [low, high].filter(Boolean).map((words) => ` ${words}`).join(' and');
}

/** What a number field must be: "a whole number from 1 to 500", "a number of at least 0 with at most 2 decimals". */
function numberRule(d: Described): string {
  const whole = d.type === 'integer';
  const range = rangeWords(d, whole);
  // "a whole number of at least 1", "a number more than 0", "a whole number from 1 to 500".
  return `must be ${whole ? 'a whole number' : 'a number'}${range.startsWith(' at') ? ` of${range}` : range}${decimalsWords(d.multipleOf)}`;
}

/** " with at most 2 decimals" for money's 0.01 step; a whole step is a multiple, said apart. */
function decimalsWords(step: number | undefined): string {
  if (step === undefined || Number.isInteger(step)) return '';
  const places = decimalPlaces(step);
  return places === null ? '' : ` with at most ${places} decimal${places === 1 ? '' : 's'}`;
}

/** 2 for 0.01, 1 for 0.1; null for a step that is no power of ten (it is said as a multiple). */
function decimalPlaces(step: number): number | null {
  const places = Math.round(-Math.log10(step));
  return places > 0 && Math.abs(step - 10 ** -places) < 1e-12 ? places : null;
}

/** A string format in words, with an example where its shape is not obvious. */
const FORMAT_WORDS: Record<string, string> = {
  uuid: 'a UUID',
  guid: 'a UUID',
  datetime: 'a date-time like 2026-12-07T10:00:00+05:30',
  date: 'a date as YYYY-MM-DD',
  time: 'a time as HH:MM',
  duration: 'an ISO-8601 duration like P30D',
  email: 'an email address',
  url: 'a URL',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  base64: 'base64 text',
  base64url: 'base64url text',
  jwt: 'a JWT',
  e164: 'a phone number like +919876543210',
};

/** What a text field must be: its format if it has one, else its length rule. */
function stringRule(d: Described, format: string | undefined): string {
  const named = format ? FORMAT_WORDS[format] : undefined;
  if (named) return `must be ${named}`;
  const { minLength: min, maxLength: max } = d;
  if (min !== undefined && max !== undefined) return min === max ? `must be text of exactly ${min} characters` : `must be text of ${min} to ${max} characters`;
  if (max !== undefined) return `must be text of at most ${max} characters`;
  return 'must be text';
}

/** JSON Schema's name for a format, back to zod's (the dictionary above is keyed by zod's). */
const ZOD_FORMAT: Record<string, string> = { 'date-time': 'datetime', uri: 'url' };

const TYPE_WORDS: Record<string, string> = {
  boolean: 'must be true or false',
  array: 'must be a list (a JSON array)',
  object: 'must be a JSON object',
  record: 'must be a JSON object',
  date: 'must be a date',
  bigint: 'must be a whole number',
  null: 'must be null',
};

function invalidTypeRule(issue: RawIssue & { code: 'invalid_type' }): string {
  if (issue.input === undefined || issue.expected === 'nonoptional') return 'is required';
  if (issue.expected === 'never') return 'is not allowed here';
  const d = describe(issue.schema);
  if (issue.expected === 'number' || issue.expected === 'int') return numberRule(d);
  if (issue.expected === 'string') return stringRule(d, d.format ? (ZOD_FORMAT[d.format] ?? d.format) : undefined);
  return TYPE_WORDS[issue.expected] ?? `must be ${issue.expected === 'nan' ? 'not a number' : issue.expected}`;
}

const UNITS: Record<string, [one: string, many: string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  map: ['entry', 'entries'],
  file: ['byte', 'bytes'],
};

function count(n: number | bigint, origin: string): string {
  const [one, many] = UNITS[origin] ?? ['', ''];
  return `${n} ${Number(n) === 1 ? one : many}`;
}

function sizeRule(issue: RawIssue & { code: 'too_big' | 'too_small' }): string {
  const { origin } = issue;
  if (origin === 'number' || origin === 'int' || origin === 'bigint') return numberRule(describe(issue.schema));
  const small = issue.code === 'too_small';
  const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
  if (origin === 'date') {
    const at = new Date(Number(bound)).toISOString();
    return `must be ${small ? 'on or after' : 'on or before'} ${at}`;
  }
  if (small && origin === 'string' && Number(bound) === 1 && !issue.exact) return 'must not be empty';
  const limit = issue.exact ? 'exactly' : small ? (issue.inclusive === false ? 'more than' : 'at least') : issue.inclusive === false ? 'fewer than' : 'at most';
  const have = origin === 'string' ? 'be' : 'have';
  return `must ${have} ${limit} ${count(bound, origin)}${origin === 'string' ? ' long' : ''}`;
}

function formatRule(issue: RawIssue & { code: 'invalid_format' }): string {
  const spec = issue as { format: string; prefix?: string; suffix?: string; includes?: string };
  if (spec.format === 'starts_with') return `must start with "${spec.prefix}"`;
  if (spec.format === 'ends_with') return `must end with "${spec.suffix}"`;
  if (spec.format === 'includes') return `must contain "${spec.includes}"`;
  // A pattern means nothing to a reader; a schema whose shape matters says it in its own message.
  if (spec.format === 'regex') return 'is not in the form this field takes';
  return `must be ${FORMAT_WORDS[spec.format] ?? `a valid ${spec.format}`}`;
}

/** "a or b", "one of a, b, c": the allowed values as they are written in the request. */
function choiceWords(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  if (shown.length === 1) return shown[0]!;
  if (shown.length === 2) return `${shown[0]} or ${shown[1]}`;
  return `one of ${shown.join(', ')}`;
}

/** A union's rule from its branches' rules ("must be a date as YYYY-MM-DD or a date-time like …") where each is one plain "must be". */
function unionRule(issue: RawIssue & { code: 'invalid_union' }): string {
  const spec = issue as { inclusive?: boolean; options?: unknown[]; errors?: Array<Array<{ message: string; path: PropertyKey[] }>> };
  if (issue.input === undefined) return 'is required';
  if (spec.inclusive === false) return 'matches more than one accepted form';
  if (spec.options?.length) return `must be ${choiceWords(spec.options)}`;
  const branches = (spec.errors ?? []).map((errors) => (errors.length === 1 && errors[0]!.path.length === 0 && errors[0]!.message.startsWith('must be ') ? errors[0]!.message.slice('must be '.length) : null));
  if (branches.length && branches.every((b) => b !== null)) return `must be ${[...new Set(branches)].join(' or ')}`;
  return 'does not match any accepted form';
}

/** The rule one issue broke, written to follow the field's name. A zod error map: zod calls it for each issue without a message of its own. */
export const issueRule: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return invalidTypeRule(issue);
    case 'too_big':
    case 'too_small':
      return sizeRule(issue);
    case 'invalid_format':
      return formatRule(issue);
    case 'not_multiple_of': {
      const words = decimalsWords(issue.divisor);
      return words ? `must have${words.replace(' with', '')}` : `must be a multiple of ${issue.divisor}`;
    }
    case 'invalid_value':
      return issue.input === undefined ? `is required: ${choiceWords(issue.values)}` : `must be ${choiceWords(issue.values)}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length === 1 ? '' : 's'}: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return unionRule(issue);
    case 'invalid_key':
      return 'is not an allowed key'; // the path ends with the key itself
    case 'invalid_element':
      return 'has a value that is not allowed';
    default:
      return 'is not valid';
  }
};

/**
 * The clause for one final issue of a parse made with `issueRule`: a rule following the field's
 * name, an unknown field of the whole part said as such ("Unknown fields: start, end"), and a custom
 * rule's `params.why` (the particular fault, "there is no month 13") after it.
 */
export function issueClause(field: string, issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) return unknownFields(issue.keys);
  return `${fieldClause(field, issue.message.replace(/[.;:\s]+$/, ''))}${whyOf(issue)}`;
}

/**
 * The same issue as the sentence beside its field in `details.fields` ("Must be a month as YYYY-MM:
 * there is no month 13."): the rule without the field's name, which the form shows by the field.
 */
export function issueSentence(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) return fieldSentence(unknownFields(issue.keys));
  return fieldSentence(`${issue.message.replace(/[.;:\s]+$/, '')}${whyOf(issue)}`);
}

const unknownFields = (keys: string[]) => `Unknown field${keys.length === 1 ? '' : 's'}: ${keys.join(', ')}`;
const whyOf = (issue: z.core.$ZodIssue) => (issue.code === 'custom' && typeof issue.params?.why === 'string' ? `: ${issue.params.why}` : '');
