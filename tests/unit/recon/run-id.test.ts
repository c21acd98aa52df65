/**
 * A run's id is derived from its workflow id, so a request retried after its transaction failed
 * writes the run the already-started workflow is waiting for.
 */
import { reconciliationRunId } from '../../../api/reconciliations/workflow-id';

describe('reconciliationRunId', () => {
  it('is a UUID, the same for the same workflow id, different for another', () => {
    const a = 'recon-f1-c1-2024-06-0123456789abcdef0123';
    const b = 'recon-f1-c1-2024-06-0123456789abcdef0124';
    const ids = { first: reconciliationRunId(a), again: reconciliationRunId(a), other: reconciliationRunId(b) };
    expect(ids.first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.again).toBe(ids.first);
    expect(ids.other).not.toBe(ids.first);
  });
});
