/**
 * The API's sign-in handed to the admin console (the console imports nothing of the api): the same
 * sessions, device limit, TOTP and throttling, and the API's refusals shown as the console's.
 */
import type { ConsoleAuth } from '../admin/guard';
import { ConsoleError } from '../admin/guard';
import { clearSessionCookies, SESSION_COOKIE, setSessionCookies } from '../api/auth/cookies';
import type { AuthService } from '../api/auth/service';
import type { SessionTokens } from '../api/auth/tokens';
import type { DeviceCookies } from '../api/auth/device-cookie';
import { ApiError } from '../api/errors';
import type { FirmGate } from '../api/limits/firm-gate';
import { enterFirmWithinDeadline } from '../api/middleware/deadline';

export function consoleAuth(auth: AuthService, tokens: SessionTokens, limits: { firmGate: FirmGate; devices: DeviceCookies }): ConsoleAuth {
  return {
    login: (input, client) => auth.login(input, client),
    verifyToken: (token) => tokens.verify(token),
    checkSession: (trx, sessionId, userId) => auth.checkSession(trx, sessionId, userId),
    revokeSession: (trx, sessionId, by, reason, action) => auth.revokeSession(trx, sessionId, by, reason, action),
    sessionCookie: SESSION_COOKIE,
    setSessionCookies,
    clearSessionCookies,
    toConsoleError: (error) => (error instanceof ApiError ? new ConsoleError(error.status, error.code, error.message, error.headers, error.details) : error),
    enterFirm: (ctx, firmId) => enterFirmWithinDeadline(limits.firmGate, firmId, ctx),
    touchSession: (scope, sessionId) => auth.touchSession(scope, sessionId),
    knowsDevice: (ctx, email) => limits.devices.knows(ctx, email),
    rememberDevice: (ctx, email) => limits.devices.remember(ctx, email),
  };
}
