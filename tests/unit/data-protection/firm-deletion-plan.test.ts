/** The firm deletion's cooling-off rule: the time the api shows and the workflow's only timer waits for. */
import { DEFAULT_FIRM_DELETION_GRACE_MS, firmDeletionPlan } from '../../../domain/firm-deletion';

describe('firmDeletionPlan', () => {
  const at = new Date('2026-12-05T06:00:00Z');
  it('waits seven days after the request unless told otherwise', () => {
    expect(DEFAULT_FIRM_DELETION_GRACE_MS).toBe(7 * 86_400_000);
    expect(firmDeletionPlan(at)).toEqual({ requestedAt: '2026-12-05T06:00:00.000Z', executeAfter: '2026-12-12T06:00:00.000Z' });
  });
  it('starts at once for an operator acting on the firm\'s written instruction (no cooling-off)', () => {
    expect(firmDeletionPlan(at, 0)).toEqual({ requestedAt: '2026-12-05T06:00:00.000Z', executeAfter: '2026-12-05T06:00:00.000Z' });
  });
  it('refuses a negative or unknown period', () => {
    expect(() => firmDeletionPlan(at, -1)).toThrow(/negative/);
    expect(() => firmDeletionPlan(at, Number.NaN)).toThrow(/negative/);
  });
});
