/** A user and a session as the API shows them (docs/api.md, "Sign-in and sessions"). */
import type { Session } from '../../db/models/session';
import type { User } from '../../db/models/user';
import { istInstant } from '../presenters';

export function presentUser(user: Pick<User, 'id' | 'email' | 'name' | 'role' | 'firmId' | 'clientId'>) {
  return { id: user.id, email: user.email, name: user.name, role: user.role, firmId: user.firmId, clientId: user.clientId };
}

export function presentSession(session: Session, currentId?: string) {
  return {
    id: session.id,
    deviceName: session.deviceName,
    ip: session.ip,
    userAgent: session.userAgent,
    createdAt: istInstant(session.createdAt),
    lastSeenAt: istInstant(session.lastSeenAt),
    ...(currentId !== undefined ? { current: session.id === currentId } : {}),
  };
}
