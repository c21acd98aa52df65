import { isPeriodClosedError } from '../../../db/db-errors';

describe('isPeriodClosedError', () => {
  it('recognises the close lock in the raw driver form, the knex form and the Objection-wrapped form', () => {
    expect(isPeriodClosedError(new Error('period_closed: 2024-06 of client x is closed'))).toBe(true);
    expect(isPeriodClosedError(new Error('insert into "imports" ("id") values ($1) - period_closed: 2024-06 is closed'))).toBe(true);
    expect(isPeriodClosedError({ message: 'wrapped', nativeError: { message: 'update "x" set … - period_closed: closed' } })).toBe(true);
  });

  it('does not mistake other errors for it', () => {
    expect(isPeriodClosedError(new Error('duplicate key value violates unique constraint "period_closed_idx"'))).toBe(false);
    expect(isPeriodClosedError(new Error('the period_closedness check'))).toBe(false);
    expect(isPeriodClosedError(null)).toBe(false);
  });
});
