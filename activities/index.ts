/**
 * Every activity the worker registers, built from explicit dependencies so tests can hand in their
 * own database and logger. Workflows import only the *type* `Activities`.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createAuditHeadActivities } from './audit-heads';
import { createSelfCheckActivities } from './self-check';
import { createBackupActivities, type BackupDeps } from './backup';
import { createReconciliationActivities } from './reconciliation';
import { createPeriodCloseActivities } from './period-close';
import { createFollowUpActivities } from './follow-ups';
import type { MailDeps } from './mail-transport';
import { createCalendarSweepActivities } from './calendar-sweep';
import { createClientExportActivities } from './client-export';
import { createClientErasureActivities } from './client-erasure';
import type { DataProtectionDeps } from './data-protection-deps';
import { createNoticeActivities } from './notices';
import { createNoticeDigestActivities } from './notice-digest';
import { createAccountEmailActivities } from './account-emails';
import { createRetentionActivities } from './retention';

export type ActivityDeps = { knex: Knex; logger: Logger; backup?: BackupDeps; mail?: MailDeps; dataProtection?: DataProtectionDeps };

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSelfCheckActivities(deps),
    ...createAuditHeadActivities(deps),
    ...createBackupActivities(deps),
    ...createReconciliationActivities(deps),
    ...createPeriodCloseActivities(deps),
    ...createFollowUpActivities(deps),
    ...createCalendarSweepActivities(deps),
    ...createClientExportActivities(deps),
    ...createClientErasureActivities(deps),
    ...createNoticeActivities(deps),
    ...createNoticeDigestActivities(deps),
    ...createAccountEmailActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
