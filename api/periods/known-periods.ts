/**
 * Where a period is known from (docs/period-close.md, "States"): its own row (once a close was first
 * requested), or an import or a run of it, whichever came first. An import undone as a mistake
 * (`discarded`: no run used it) does not make its period known: the wrong-period upload it usually is
 * would otherwise leave an "open" period behind on Home. One source for a client's period list and
 * the firm-wide one; row-level security keeps both inside the caller's firm and client.
 */
export const KNOWN_PERIODS_SQL = `
  select client_id, period from periods where firm_id = app_current_firm()
  union select client_id, period from imports where firm_id = app_current_firm() and status <> 'discarded'
  union select client_id, period from reconciliation_runs where firm_id = app_current_firm()`;
