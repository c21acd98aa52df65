/**
 * The kinds of record the audit trail names (`entity_type`: the audit trigger's entity of each
 * audited table, and the entity a route or job records), in words as a firm admin reads them:
 * "Close request", never `close_request`. A kind not listed here reads as its code in words.
 */
export const ENTITY_TYPE_LABEL: Readonly<Record<string, string>> = {
  firm: 'Firm',
  client: 'Client',
  user: 'Person',
  session: 'Signed-in device',
  firm_secret: 'SMTP or GSP settings',
  invitation: 'Invitation',
  password_reset: 'Password reset',
  import: 'Uploaded file',
  reconciliation: 'Reconciliation',
  reconciliation_decision: 'Decision on a reconciliation row',
  period: 'Period',
  close_request: 'Close request',
  follow_up: 'Follow-up',
  follow_up_item: 'Follow-up item',
  follow_up_link: "Client's checklist link",
  follow_up_file: 'File sent by a client',
  email: 'Email',
  notice: 'GST notice',
  client_export: 'Client data export',
  client_erasure: 'Client erasure',
  firm_deletion: 'Firm deletion',
  backup: 'Backup',
  audit: 'Audit trail',
  route: 'Request',
  platform_operator: 'Platform operator',
};

/** A kind of record in words: its label, or its code with the underscores and dots as spaces. */
export function entityTypeLabel(entityType: string): string {
  const known = Object.prototype.hasOwnProperty.call(ENTITY_TYPE_LABEL, entityType) ? ENTITY_TYPE_LABEL[entityType] : undefined;
  if (known) return known;
  const words = entityType.replace(/[._]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : entityType;
}
