/**
 * The time rule of a firm deletion, as a pure function: the api computes the plan when a firm admin
 * asks, shows it, and hands it to the workflow, whose only timer waits for `executeAfter`.
 */

/** The cooling-off period after a firm admin asks for the firm's deletion, unless configured otherwise. */
export const DEFAULT_FIRM_DELETION_GRACE_MS = 7 * 24 * 3600_000;

export type FirmDeletionPlan = { requestedAt: string; executeAfter: string };

/**
 * A deletion waits `graceMs` after the request: time for every firm admin to see it and cancel it,
 * and for the firm to export its clients first. A platform operator acting on the firm's written
 * instruction passes 0 (the deletion starts at once).
 */
export function firmDeletionPlan(requestedAt: Date, graceMs: number = DEFAULT_FIRM_DELETION_GRACE_MS): FirmDeletionPlan {
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new Error('the cooling-off period cannot be negative');
  return { requestedAt: requestedAt.toISOString(), executeAfter: new Date(requestedAt.getTime() + graceMs).toISOString() };
}

/** What the firm's own deletion step committed (client rows went through their own erasures before). */
export type FirmDeleted = {
  /** Rows of the firm per table (`before` and `after` the deletion), the firm row itself as `firms`. */
  tables: Record<string, { before: number; after: number }>;
  /** Audit events whose personal payload was replaced by the redaction marker in this step. */
  redactedAuditEvents: number;
  /** Events written under the old hash version, which cannot be redacted without breaking their chain. */
  unredactableAuditEvents: number;
  /** The audit chain's last event when it was sealed. */
  sealedHead: { seq: number; hash: string } | null;
};
