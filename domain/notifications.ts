/**
 * Every kind of in-app notification the server writes (`GET /api/notifications`, docs/api.md). The
 * emitters take their kind from this type, so a new kind is added here first, and the web app's
 * labels are keyed by it (a kind without words fails its type check and its unit test).
 */
export const NOTIFICATION_KINDS = [
  'sign_in_new_ip',
  'notice.alert',
  'calendar.deadlines',
  'platform.incident',
  'period_close.reminder',
  'period_close.escalation',
  'follow_up.escalation',
  'follow_up.call_client',
  'follow_up.delivery_failed',
  'follow_up.delivery_unconfirmed',
] as const;

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
