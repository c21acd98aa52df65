/** Daily: export every firm's audit chain head outside the database and check yesterday's still holds. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { exportAuditChainHeads } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { maximumAttempts: 3, initialInterval: '30 seconds', nonRetryableErrorTypes: ['AuditChainBroken'] },
});

export async function auditChainHeadsWorkflow(date: string): Promise<Awaited<ReturnType<Activities['exportAuditChainHeads']>>> {
  return exportAuditChainHeads(date);
}

export function auditHeadsWorkflowId(date: string): string {
  return `audit-heads-${date}`;
}
