/** Daily: each staff member's digest of the follow-ups they own (sent once per person and date). */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { followUpDigests } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry: { maximumAttempts: 5, initialInterval: '30 seconds' } });

export async function followUpDigestWorkflow(date: string): Promise<{ sent: number; failed: number }> {
  return followUpDigests({ date });
}
