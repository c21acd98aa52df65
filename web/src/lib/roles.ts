/** The roles as the app names them, and the roles a person may invite (the users page's invitation form). */
import { CAN } from '../http/can';
import type { Role } from '../http/types';

/** Every role the app knows (the type makes the list whole), in the order forms offer them. */
export const ROLE_LABEL: Record<Role, string> = { firm_admin: 'Firm admin', manager: 'Manager', reviewer: 'Reviewer', staff: 'Staff', client: 'Client' };

/** The roles `inviter` may invite: every role the app names, through the API's rule (CAN.invite). */
export function rolesFor(inviter: Role): Role[] {
  return (Object.keys(ROLE_LABEL) as Role[]).filter((role) => CAN.invite(inviter, role));
}
