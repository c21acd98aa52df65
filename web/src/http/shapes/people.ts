/** The signed-in person, the firm's people and their sessions and notifications, as the API answers them. */
import type { Role } from '../../../../domain/roles';

// The roles are the domain's: one list for the API, the app and the console.
export type { Role } from '../../../../domain/roles';

export type User = { id: string; email: string; name: string; role: Role; firmId: string; clientId: string | null; totpEnabled?: boolean };
/** Places outside the app this person may use (the API decides per role; null: no link). */
export type AppLinks = { adminConsole: string | null; temporalUi: string | null };
export type Me = { user: User; session: { id: string; deviceName: string | null; createdAt: string; expiresAt: string }; links: AppLinks };
export type DeviceSession = { id: string; deviceName: string | null; ip: string | null; userAgent?: string | null; createdAt: string; lastSeenAt: string; current?: boolean };

export type FirmUser = User & { active: boolean; lastLoginAt: string | null; createdAt: string };

export type Notification = { id: string; kind: string; payload: Record<string, unknown>; createdAt: string; readAt: string | null };
