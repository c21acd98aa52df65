/** The roles as the app names them (domain/roles.ts: the console names them alike), and the roles a person may invite (the users page's invitation form). */
import { ROLE_LABEL as NAMED } from '../../../domain/roles';
import { CAN } from '../http/can';
import type { Role } from '../http/types';

/** Every role the app knows (the type makes the list whole), in the order forms offer them. */
export const ROLE_LABEL: Record<Role, string> = NAMED;

/** The roles `inviter` may invite: every role the app names, through the API's rule (CAN.invite). */
export function rolesFor(inviter: Role): Role[] {
  return (Object.keys(ROLE_LABEL) as Role[]).filter((role) => CAN.invite(inviter, role));
}
