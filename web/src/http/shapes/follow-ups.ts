/** Follow-ups: the summary, the full record and its planned messages (docs/follow-ups.md). */
export type FollowUpStatus = 'open' | 'snoozed' | 'completed' | 'cancelled' | 'exhausted';
export type PlannedMessage = { at: string; kind: 'initial' | 'interval' | 'anchored' | 'overdue'; status: 'planned' | 'sent' | 'merged' | 'skipped' | 'cancelled' };
export type PlannedEscalation = { at: string; audience: 'owner' | 'manager' | 'firm_admin'; reason: string; status: 'planned' | 'sent' | 'skipped' | 'cancelled' };
export type FollowUpSummary = {
  id: string;
  clientId: string;
  title: string;
  status: FollowUpStatus;
  dueDate: string;
  deadline: null | { returnType: string; period: string };
  /** The deadline's period as a CA reads it (docs/follow-ups.md, "Periods"); null without a deadline, or when its return no longer applies to the client. */
  periodLabel: string | null;
  ownerId: string;
  nextMessageAt: string | null;
  snoozedUntil: string | null;
  workflowId: string;
  /** Made from this reconciliation (a mismatch follow-up: its items name supplier documents). */
  reconciliationRunId?: string | null;
  createdAt: string;
};
export type FollowUp = FollowUpSummary & {
  items: Array<{
    id: string;
    description: string;
    period: string | null;
    /** The item's period as people read it: the deadline's label for the deadline's own period, else its month. */
    periodLabel: string | null;
    status: 'outstanding' | 'received' | 'not_applicable';
    reason: string | null;
    files: Array<{ id: string; filename: string; size: number; sha256: string | null; receivedAt: string | null }>;
  }>;
  schedule: PlannedMessage[];
  escalations: PlannedEscalation[];
  sent: Array<{ at: string; channel: string; to: string; status: 'sent' | 'failed'; messageId: string | null; subject: string | null; itemsListed: string[]; error: string | null }>;
};
