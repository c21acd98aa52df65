/**
 * Who may invite whom: the one rule the API enforces (api/accounts/invitations.ts) and the web app
 * follows to offer only the roles the API would accept (web/src/http/can.ts `CAN.invite`).
 * Kept apart from domain/accounts.ts, with no imports, so the web app's bundle takes this alone.
 */

const MANAGER_MAY_INVITE: ReadonlySet<string> = new Set(['staff', 'reviewer', 'client']);

/** A firm admin invites any role; a manager staff, reviewers and portal users; nobody else invites. */
export function mayInvite(inviterRole: string, role: string): boolean {
  if (inviterRole === 'firm_admin') return true;
  return inviterRole === 'manager' && MANAGER_MAY_INVITE.has(role);
}
