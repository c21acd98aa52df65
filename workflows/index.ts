/** The workflow bundle's entry: every workflow the worker runs. */
export { selfCheckWorkflow } from './self-check';
export { backupWorkflow } from './backup';
export { restoreDrillWorkflow } from './restore-drill';
export { auditChainHeadsWorkflow } from './audit-heads';
export { reconciliationWorkflow } from './reconciliation';
export { periodCloseWorkflow } from './period-close';
export { followUpWorkflow } from './follow-up';
export { followUpDigestWorkflow } from './follow-up-digest';
export { calendarSweepWorkflow } from './calendar-sweep';
export { clientExportWorkflow } from './client-export';
export { clientErasureWorkflow } from './client-erasure';
export { noticeWorkflow } from './notice';
export { noticeDigestWorkflow } from './notice-digest';
export { accountEmailWorkflow } from './account-email';
export { retentionWorkflow } from './retention';
