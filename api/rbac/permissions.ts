/**
 * Who may do what: one table, action → roles. Every route declares its action (api/routes.ts
 * refuses to mount one without), and a test checks the role × route matrix against this table.
 * Who may do what: docs/security-and-tenancy.md ("Firms, roles and permissions") and, for period close, docs/period-close.md ("Who may do what").
 */
import { ROLES, type Role } from '../../domain/roles';

// The roles themselves are domain/roles.ts's, the one list; this table says what each may do.
export { ROLES, type Role };

const ALL: Role[] = [...ROLES];
const PREPARERS: Role[] = ['firm_admin', 'manager', 'staff'];

export const PERMISSIONS = {
  // Any signed-in person, about themselves.
  'self.read': ALL,
  'self.manage': ALL,
  'notifications.read': ALL,
  'notifications.mark_read': ALL,

  'users.read': ['firm_admin', 'manager'],
  'users.create': ['firm_admin'],
  'users.update': ['firm_admin'],
  'sessions.revoke_any': ['firm_admin'],
  // Invitations: firm admins invite any role, managers staff, reviewers and portal users (domain/accounts.ts).
  'invitations.manage': ['firm_admin', 'manager'],
  'users.unlock': ['firm_admin'],
  // Sends a user the "forgot password" link, to their own mailbox (docs/accounts.md).
  'users.reset_password': ['firm_admin'],

  'clients.read': ALL,
  'clients.create': PREPARERS,
  'clients.update': PREPARERS,
  // A whole client's data out (re-auth) or gone (re-auth, typed confirmation): firm admins only.
  'clients.export': ['firm_admin'],
  'clients.erase': ['firm_admin'],
  // The whole firm deleted on account closure (re-auth, typed firm name, cooling-off period any firm admin may cancel).
  'firm.delete': ['firm_admin'],

  // Retention of closed periods' data: the setting (re-auth) and its plan and nightly reports.
  'retention.read': ['firm_admin', 'manager', 'reviewer'],
  'retention.update': ['firm_admin'],

  'firm.read_settings': ['firm_admin'],
  'firm.update_settings': ['firm_admin'],
  'secrets.read': ['firm_admin'],
  'secrets.update': ['firm_admin'],

  'audit.read': ['firm_admin', 'reviewer'],
  'audit.export': ['firm_admin'],
  'audit.verify': ['firm_admin'],

  'imports.create': PREPARERS,
  'imports.read': ALL,
  'imports.discard': PREPARERS,
  'reconciliations.run': PREPARERS,
  'reconciliations.read': ALL,
  'reconciliations.export': ALL,
  'reconciliations.decide': PREPARERS,

  'periods.read': ALL,
  'periods.request_close': PREPARERS,
  'periods.approve': ['firm_admin', 'manager'],
  'periods.withdraw': PREPARERS,
  'periods.reopen': ['firm_admin'],
  'approvals.read': ['firm_admin', 'manager'],

  'followups.read': ALL,
  'followups.manage': PREPARERS,
  // Compliance calendar: everyone reads (a portal user its own client), preparers record filings,
  // the firm admin keeps the holiday calendar and records notified extensions.
  'calendar.read': ALL,
  'filings.create': PREPARERS,
  'holidays.read': ALL,
  'holidays.update': ['firm_admin'],
  'calendar.extend': ['firm_admin'],

  // GST notices: everyone reads (a portal user its own client's), preparers take in, draft, file and
  // record hearings; managers and firm admins assign, review and close (the workflow also refuses a
  // reviewer who drafted the reply, and a drafter who is not the assignee).
  'notices.read': ALL,
  'notices.create': PREPARERS,
  'notices.update': PREPARERS,
  'notices.draft': PREPARERS,
  'notices.file': PREPARERS,
  'notices.assign': ['firm_admin', 'manager'],
  'notices.approve': ['firm_admin', 'manager'],
  'notices.close': ['firm_admin', 'manager'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export function isAllowed(role: string | undefined, action: Action): boolean {
  return role !== undefined && (PERMISSIONS[action] as readonly string[]).includes(role);
}
