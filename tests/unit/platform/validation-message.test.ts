/**
 * A refused request says what is wrong in a sentence a person can read (docs/api.md, "Errors"):
 * "period must be a month as YYYY-MM.", never "The request params is not valid: period.", in the
 * API's error shape (400 invalid_input, details naming each field).
 */
import { z } from 'zod';
import { ApiError } from '../../../api/errors';
import { idParams, period } from '../../../api/schemas';
import { invalidSentence, parseOrThrow } from '../../../api/validate';

function refusal(schema: z.ZodType, value: unknown, part: 'params' | 'query' | 'body') {
  try {
    parseOrThrow(schema, value, part);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, code: error.code, message: error.message, details: error.details };
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('a refused request reads as a sentence', () => {
  it('says a bad period in the URL must be a month as YYYY-MM, and that month 13 does not exist', () => {
    const params = idParams.extend({ period });
    expect(refusal(params, { id: '5f0c8a52-3f5e-4a8e-9a39-0d3c2b8b7a10', period: '2024-13' }, 'params')).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'period must be a month as YYYY-MM: there is no month 13.',
      details: { fields: { period: 'Must be a month as YYYY-MM: there is no month 13.' } },
    });
  });

  it('names every bad field with its problem, never only the part of the request', () => {
    const { message, details } = refusal(z.object({ period, limit: z.coerce.number().int().max(500) }), { period: 'June', limit: '9000' }, 'query');
    expect(message).toBe('period must be a month as YYYY-MM; limit must be a whole number of at most 500.');
    expect(message).not.toMatch(/request (query|params|body) is not valid/);
    expect(Object.keys((details as { fields: object }).fields)).toEqual(['period', 'limit']);
  });

  it('writes a message that does not follow the name after a colon, ending in one full stop', () => {
    expect(invalidSentence({ dueDate: 'a date is YYYY-MM-DD', clientId: 'required for a client (portal) user' })).toBe('dueDate: a date is YYYY-MM-DD; clientId required for a client (portal) user.');
    expect(invalidSentence({ body: 'Invalid input: expected object, received string.' })).toBe('body: Invalid input: expected object, received string.');
  });
});
