/**
 * Each kind of zod issue reads as a plain sentence naming the field (api/validation-sentence.ts),
 * and each field of `details.fields` reads as a sentence of its own beside the field: zod's notation
 * ("Too big: expected number to be <=500", "Invalid UUID") never reaches a person.
 */
import { z } from 'zod';
import { ApiError, invalidInput } from '../../../api/errors';
import { badCursor, pageQuery } from '../../../api/pagination';
import { period } from '../../../api/schemas';
import { parseOrThrow } from '../../../api/validate';
import { issueRule } from '../../../api/validation-sentence';

function refusal(schema: z.ZodType, value: unknown, part: 'params' | 'query' | 'body' = 'body') {
  try {
    parseOrThrow(schema, value, part);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, code: error.code, message: error.message, fields: (error.details as { fields: Record<string, string> }).fields };
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

/** The message alone, for the cases where zod's field words are not the point. */
const said = (schema: z.ZodType, value: unknown, part: 'params' | 'query' | 'body' = 'body') => refusal(schema, value, part).message;

describe('invalid_type', () => {
  it('says a missing field is required, whatever its type', () => {
    const body = z.object({ name: z.string(), size: z.number(), on: z.boolean(), tags: z.array(z.string()) });
    expect(refusal(body, {})).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'name is required; size is required; on is required; tags is required.',
      fields: {
        name: 'Is required.',
        size: 'Is required.',
        on: 'Is required.',
        tags: 'Is required.',
      },
    });
  });

  it('says what a value of the wrong type must be, with a number’s bounds and a text’s format', () => {
    const query = z.object(pageQuery);
    expect(refusal(query, { limit: 'abc' }, 'query')).toEqual({ status: 400, code: 'invalid_input', message: 'limit must be a whole number from 1 to 500.', fields: { limit: 'Must be a whole number from 1 to 500.' } });
    expect(said(z.object({ on: z.boolean() }), { on: 'yes' })).toBe('on must be true or false.');
    expect(said(z.object({ tags: z.array(z.string()) }), { tags: 'a' })).toBe('tags must be a list (a JSON array).');
    expect(said(z.object({ id: z.uuid() }), { id: 7 })).toBe('id must be a UUID.');
    expect(said(z.object({ note: z.string().max(20) }), { note: 7 })).toBe('note must be text of at most 20 characters.');
    expect(said(z.object({ amount: z.number().min(0) }), { amount: '5' })).toBe('amount must be a number of at least 0.');
    expect(said(z.object({ size: z.number().int().positive() }), { size: 1.5 })).toBe('size must be a whole number of at least 1.');
  });

  it('says a body that is not an object must be a JSON object', () => {
    expect(refusal(z.object({ name: z.string() }), 'text')).toEqual({ status: 400, code: 'invalid_input', message: 'body must be a JSON object.', fields: { body: 'Must be a JSON object.' } });
  });
});

describe('too_big and too_small', () => {
  it('says a number’s whole range, whichever end it missed', () => {
    const query = z.object(pageQuery);
    expect(refusal(query, { limit: '9000' }, 'query')).toEqual({ status: 400, code: 'invalid_input', message: 'limit must be a whole number from 1 to 500.', fields: { limit: 'Must be a whole number from 1 to 500.' } });
    expect(refusal(query, { limit: '0' }, 'query')).toEqual({ status: 400, code: 'invalid_input', message: 'limit must be a whole number from 1 to 500.', fields: { limit: 'Must be a whole number from 1 to 500.' } });
    expect(said(z.object({ rate: z.number().gt(0).lt(1) }), { rate: 1 })).toBe('rate must be a number more than 0 and less than 1.');
  });

  it('says a text’s length, empty text, and a list’s size', () => {
    const body = z.object({ name: z.string().trim().min(1).max(10), code: z.string().length(6), tags: z.array(z.string()).min(1).max(2) });
    expect(said(body, { name: '   ', code: '12', tags: [] })).toBe('name must not be empty; code must be exactly 6 characters long; tags must have at least 1 item.');
    expect(said(body, { name: 'x'.repeat(11), code: '123456', tags: ['a', 'b', 'c'] })).toBe('name must be at most 10 characters long; tags must have at most 2 items.');
  });

  it('says a date’s bound as an instant', () => {
    expect(said(z.object({ at: z.date().min(new Date('2026-01-01T00:00:00Z')) }), { at: new Date('2025-01-01T00:00:00Z') })).toBe('at must be on or after 2026-01-01T00:00:00.000Z.');
  });
});

describe('invalid_format', () => {
  it('names the format, with an example where its shape is not obvious', () => {
    expect(refusal(z.object({ id: z.uuid() }), { id: 'nope' }, 'params')).toEqual({ status: 400, code: 'invalid_input', message: 'id must be a UUID.', fields: { id: 'Must be a UUID.' } });
    expect(refusal(z.object({ from: z.iso.datetime({ offset: true }) }), { from: '2026-12-07' }, 'query')).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'from must be a date-time like 2026-12-07T10:00:00+05:30.',
      fields: { from: 'Must be a date-time like 2026-12-07T10:00:00+05:30.' },
    });
    expect(said(z.object({ on: z.iso.date() }), { on: '07-12-2026' })).toBe('on must be a date as YYYY-MM-DD.');
    expect(said(z.object({ email: z.email() }), { email: 'someone' })).toBe('email must be an email address.');
    expect(said(z.object({ ref: z.string().startsWith('ZA') }), { ref: 'XX1' })).toBe('ref must start with "ZA".');
  });

  it('never shows a regular expression to the reader', () => {
    const { message, fields } = refusal(z.object({ pin: z.string().regex(/^\d{6}$/) }), { pin: 'abc' });
    expect({ message, fields }).toEqual({ message: 'pin is not in the form this field takes.', fields: { pin: 'Is not in the form this field takes.' } });
  });
});

describe('not_multiple_of', () => {
  it('says a money step as decimals and any other step as a multiple', () => {
    expect(refusal(z.object({ tax: z.number().multipleOf(0.01) }), { tax: 1.005 })).toEqual({ status: 400, code: 'invalid_input', message: 'tax must have at most 2 decimals.', fields: { tax: 'Must have at most 2 decimals.' } });
    expect(said(z.object({ days: z.number().multipleOf(5) }), { days: 7 })).toBe('days must be a multiple of 5.');
  });
});

describe('invalid_value', () => {
  it('lists the allowed values as they are written in a request', () => {
    const body = z.object({ filingFrequency: z.enum(['monthly', 'quarterly']), format: z.enum(['csv', 'xlsx', 'json']), confirm: z.literal(true) });
    expect(refusal(body, { filingFrequency: 'weekly', format: 'pdf', confirm: false })).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'filingFrequency must be monthly or quarterly; format must be one of csv, xlsx, json; confirm must be true.',
      fields: { filingFrequency: 'Must be monthly or quarterly.', format: 'Must be one of csv, xlsx, json.', confirm: 'Must be true.' },
    });
    expect(said(body.pick({ filingFrequency: true }), {})).toBe('filingFrequency is required: monthly or quarterly.');
  });
});

describe('unrecognized_keys', () => {
  it('says unknown fields of the whole request as such, and of a nested object after its name', () => {
    expect(refusal(z.object({ from: z.string().optional() }).strict(), { start: '1', end: '2' }, 'query')).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'Unknown fields: start, end.',
      fields: { query: 'Unknown fields: start, end.' },
    });
    expect(said(z.object({ options: z.object({ amountTolerance: z.number() }).strict() }).strict(), { options: { amountTolerance: 1, window: 3 } })).toBe('options has unknown field: window.');
  });
});

describe('invalid_union', () => {
  it('joins the forms each branch takes, or says a discriminator’s values', () => {
    const until = z.object({ until: z.union([z.iso.date(), z.iso.datetime({ offset: true })]) });
    expect(refusal(until, { until: 'soon' })).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'until must be a date as YYYY-MM-DD or a date-time like 2026-12-07T10:00:00+05:30.',
      fields: { until: 'Must be a date as YYYY-MM-DD or a date-time like 2026-12-07T10:00:00+05:30.' },
    });
    expect(said(until, {})).toBe('until is required.');
    const action = z.object({ action: z.discriminatedUnion('kind', [z.object({ kind: z.literal('link') }), z.object({ kind: z.literal('unlink') })]) });
    expect(said(action, { action: { kind: 'merge' } })).toBe('action.kind must be link or unlink.');
  });

  it('joins branches of different types, and falls back to a plain sentence where a branch fails inside', () => {
    expect(said(z.object({ v: z.union([z.object({ a: z.string() }), z.number().min(1)]) }), { v: 'x' })).toBe('v must be a JSON object or a number of at least 1.');
    expect(said(z.object({ v: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]) }), { v: {} })).toBe('v does not match any accepted form.');
  });
});

describe('invalid_key and invalid_element', () => {
  it('says a record with a bad key, and a collection with a bad value', () => {
    expect(said(z.object({ byState: z.record(z.string().regex(/^\d{2}$/), z.number()) }), { byState: { MH: 1 } })).toBe('byState.MH is not an allowed key.');
    // This zod reports a bad set or map value as the value's own issue; a raised invalid_element still reads as a rule.
    const element = { code: 'invalid_element', origin: 'map', key: 'a', issues: [], input: new Map(), path: [] } as unknown as z.core.$ZodRawIssue;
    expect(issueRule(element)).toBe('has a value that is not allowed');
  });
});

describe('custom', () => {
  it('keeps a schema’s own rule, and adds the particular fault it reports', () => {
    expect(refusal(z.object({ period }), { period: '2024-13' }, 'params')).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'period must be a month as YYYY-MM: there is no month 13.',
      fields: { period: 'Must be a month as YYYY-MM: there is no month 13.' },
    });
    expect(said(z.object({ period }), { period: 'June' }, 'params')).toBe('period must be a month as YYYY-MM.');
    expect(said(z.object({ reason: z.string().min(1, 'a reason is required') }), { reason: '' })).toBe('reason: a reason is required.');
    expect(said(z.object({ x: z.string().refine((v) => v === 'y') }), { x: 'n' })).toBe('x is not valid.');
  });
});

describe('a refusal built by hand', () => {
  it('says its fields in a sentence when it brings no message of its own', () => {
    const error = invalidInput({ fields: { to: 'must not be before from', unknownIds: ['a'] } });
    expect([error.message, error.details]).toEqual(['to must not be before from.', { fields: { to: 'must not be before from', unknownIds: ['a'] } }]);
    expect(invalidInput({ payloads: 'x' }).message).toBe('The request is not valid.');
  });

  it('says a bad cursor is not one the list gave, and keeps the field’s rule', () => {
    const error = badCursor();
    expect([error.status, error.code, error.details]).toEqual([400, 'invalid_input', { fields: { cursor: 'Not a cursor this list issued.' } }]);
    expect(error.message).toMatch(/^cursor is not one this list gave: /);
  });
});
