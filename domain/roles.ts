/**
 * The roles of a firm's people and how they are named to people: the one source the web app
 * (web/src/lib/roles.ts) and the admin console (db/console-labels.ts) both read, so "Firm admin"
 * reads the same everywhere. No imports, so the web app's bundle takes this alone.
 */

/** Every role, in the order forms offer them. */
export const ROLES = ['firm_admin', 'manager', 'reviewer', 'staff', 'client'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABEL: Record<Role, string> = { firm_admin: 'Firm admin', manager: 'Manager', reviewer: 'Reviewer', staff: 'Staff', client: 'Client' };

/** A role by its name; a code this build does not know (a role of a later one) as its words. */
export function roleLabel(role: string): string {
  return (ROLE_LABEL as Record<string, string>)[role] ?? role.replace(/_/g, ' ');
}
