/**
 * How the admin console names things, from the rules the rest of the product uses (admin/ imports
 * only db/, so the domain's words reach it through here): a role as the web app names it, a
 * security event in words, and an instant as every page of the product writes one, "07-12-2026
 * 19:15 IST" (Asia/Kolkata, labelled), whatever the server's or browser's zone.
 */
import { istDateTime } from '../domain/recon/report-format';

export { ROLES, ROLE_LABEL, roleLabel } from '../domain/roles';
export { ENTITY_TYPE_LABEL, entityTypeLabel } from '../domain/audit-entities';
export { SIGN_OUT_REASON_LABEL, SIGN_OUT_REASONS } from '../domain/sign-out-reasons';
export { auditActorLabel, isKnownSecurityEvent, SECURITY_EVENT_LABEL, SECURITY_EVENT_PREFIXES, securityEventLabel, TRIGGER_VERB } from '../domain/security-events';

/** An instant in IST with its label; '' for none. */
export function consoleTime(at: Date | string | null | undefined): string {
  if (at === null || at === undefined || at === '') return '';
  const date = at instanceof Date ? at : new Date(at);
  return Number.isNaN(date.getTime()) ? '' : `${istDateTime(date)} IST`;
}
