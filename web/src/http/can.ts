/**
 * What each role may do in the web app: the one place that spells roles out (pages and components
 * ask CAN, never compare a role themselves). No React here, so unit tests run these rules as they are.
 */
import { mayInvite } from '../../../domain/invitation-rule';
import type { Role } from './types';

/** What each role may do in the app: the API decides, this only hides buttons it would refuse. */
export const CAN = {
  prepare: (role: Role) => role === 'firm_admin' || role === 'manager' || role === 'staff',
  approve: (role: Role) => role === 'firm_admin' || role === 'manager',
  reopen: (role: Role) => role === 'firm_admin',
  manageUsers: (role: Role) => role === 'firm_admin',
  readUsers: (role: Role) => role === 'firm_admin' || role === 'manager',
  firmSettings: (role: Role) => role === 'firm_admin',
  /** A whole client's data exported or erased (the API's `clients.export` and `clients.erase`). */
  clientData: (role: Role) => role === 'firm_admin',
  /** The firm's holiday calendar and notified extensions (`holidays.update`, `calendar.extend`). */
  keepCalendar: (role: Role) => role === 'firm_admin',
  /** May invite someone as `role`: the API's own rule (domain/invitation-rule.ts), never a copy of it. */
  invite: (inviter: Role, role: Role) => mayInvite(inviter, role),
  isFirmStaff: (role: Role) => role !== 'client',
} as const;
