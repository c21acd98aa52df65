/** Weekly: each manager's digest of the firm's open notices (sent once per person and week). */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { noticeDigests } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry: { maximumAttempts: 5, initialInterval: '30 seconds' } });

export async function noticeDigestWorkflow(date: string): Promise<{ sent: number; failed: number }> {
  return noticeDigests({ date });
}
