/** Daily: export every firm's audit chain head outside the database and check yesterday's still holds. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { AUDIT_CHAIN_BROKEN } from './audit-heads-definitions';

const { exportAuditChainHeads } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { maximumAttempts: 3, initialInterval: '30 seconds', nonRetryableErrorTypes: [AUDIT_CHAIN_BROKEN] },
});

export async function auditChainHeadsWorkflow(date: string): Promise<Awaited<ReturnType<Activities['exportAuditChainHeads']>>> {
  return exportAuditChainHeads(date);
}
