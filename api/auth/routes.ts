/** The auth and session routes (docs/api.md, "Auth and sessions"). */
import { z } from 'zod';
import { Session } from '../../db/models/session';
import { notFound } from '../errors';
import { route, type AuthenticatedContext, type HandlerTransactionContext, type RouteSpec } from '../routes';
import { clearSessionCookies, setSessionCookies } from './cookies';
import type { DeviceCookies } from './device-cookie';
import { presentSession } from './present';
import type { AuthService } from './service';
import type { ClientInfo } from './types';

const loginBody = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
  totp: z.string().regex(/^\d{6}$/, 'six digits').optional(),
  deviceName: z.string().trim().min(1).max(200).optional(),
  replaceSessionId: z.uuid().optional(),
});
const idParams = z.object({ id: z.uuid() });
const reauthBody = z.object({ password: z.string().min(1).max(1024), totp: z.string().regex(/^\d{6}$/, 'six digits').optional() });
const codeBody = z.object({ code: z.string().regex(/^\d{6}$/, 'six digits') });
/** The code may be left out right after a re-authentication, which checked one (docs/api.md). */
const disableBody = z.object({ code: z.string().regex(/^\d{6}$/, 'six digits').optional() });
const passwordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) });

/** A place outside the app (the admin console, the Temporal UI) and the roles the app links to it for. */
export type AppLink = { url: string; roles: readonly string[] };
export type AppLinks = { adminConsole?: AppLink | null; temporalUi?: AppLink | null };

/** The links a role is shown: a URL for each place its role may use, null for the others. */
function linksFor(links: AppLinks, role: string) {
  const one = (link: AppLink | null | undefined) => (link && link.roles.includes(role) ? link.url : null);
  return { adminConsole: one(links.adminConsole), temporalUi: one(links.temporalUi) };
}

/** Who is asking, for the sign-in throttle: the IP, and whether this device signed in to the account before. */
function clientOf(ctx: AuthenticatedContext | HandlerTransactionContext, devices: DeviceCookies): ClientInfo {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, requestId: ctx.state.requestId, knownDevice: devices.knows(ctx, ctx.state.user.email) };
}

export function authRoutes(deps: { auth: AuthService; cookieSecure: boolean; devices: DeviceCookies; links?: AppLinks }): RouteSpec[] {
  const { auth } = deps;
  const links = deps.links ?? {};
  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      action: 'public',
      body: loginBody,
      async handler(ctx, { body }) {
        const result = await auth.login(body, { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, requestId: ctx.state.requestId, knownDevice: deps.devices.knows(ctx, body.email) });
        deps.devices.remember(ctx, body.email);
        setSessionCookies(ctx, result.token, { secure: deps.cookieSecure, maxAgeMs: result.session.expiresAt.getTime() - Date.now(), rotateCsrf: true });
        ctx.body = { user: result.user, session: result.session, token: result.token };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      action: 'self.manage',
      async handler(ctx) {
        await auth.revokeSession(ctx.state.trx, ctx.state.session.id, ctx.state.user.id, 'logout', 'auth.logout');
        clearSessionCookies(ctx, deps.cookieSecure);
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/api/auth/me',
      action: 'self.read',
      handler(ctx) {
        const user = ctx.state.user;
        const session = ctx.state.session;
        ctx.body = {
          user: { id: user.id, email: user.email, name: user.name, role: user.role, firmId: user.firmId, clientId: user.clientId, totpEnabled: user.totpEnabled },
          session: { id: session.id, deviceName: session.deviceName, createdAt: session.createdAt, expiresAt: session.absoluteExpiresAt },
          links: linksFor(links, user.role),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/auth/sessions',
      action: 'self.read',
      async handler(ctx) {
        const sessions = await auth.activeSessions(ctx.state.trx, ctx.state.user.id);
        ctx.body = { items: sessions.map((s) => presentSession(s, ctx.state.session.id)) };
      },
    }),
    route({
      method: 'delete',
      path: '/api/auth/sessions/:id',
      action: 'self.manage',
      params: idParams,
      async handler(ctx, { params }) {
        const user = ctx.state.user;
        const target = await Session.query(ctx.state.trx).findById(params.id);
        // Own sessions for everyone; any session of the firm for firm admins. Others' ids: 404.
        if (!target || (target.userId !== user.id && user.role !== 'firm_admin')) throw notFound('No such session.');
        await auth.revokeSession(ctx.state.trx, target.id, user.id, target.userId === user.id ? 'signed_out_remotely' : 'revoked_by_admin', 'auth.session_revoked');
        ctx.status = 204;
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/reauth',
      action: 'self.manage',
      body: reauthBody,
      // The password (argon2id) and code are checked holding no connection, lock or slot of the firm;
      // the handler opens short transactions of its own (api/auth/reauth.ts).
      transaction: 'handler',
      async handler(ctx, { body }) {
        await auth.reauthenticate(ctx.state.tenantTransaction, ctx.state.user, ctx.state.session.id, body, clientOf(ctx, deps.devices));
        ctx.status = 204;
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/totp/setup',
      action: 'self.manage',
      async handler(ctx) {
        ctx.body = await auth.totpSetup(ctx.state.trx, ctx.state.user);
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/totp/enable',
      action: 'self.manage',
      // A session alone must not tie the account to someone else's authenticator (docs/accounts.md).
      sensitive: true,
      body: codeBody,
      async handler(ctx, { body }) {
        await auth.totpEnable(ctx.state.trx, ctx.state.user, body.code);
        ctx.status = 204;
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/totp/disable',
      action: 'self.manage',
      sensitive: true,
      body: disableBody,
      // As the re-authentication: the code is checked, and its failure counted, holding nothing
      // (api/auth/totp.ts).
      transaction: 'handler',
      async handler(ctx, { body }) {
        await auth.totpDisable(ctx.state.tenantTransaction, ctx.state.user, ctx.state.session, body.code, clientOf(ctx, deps.devices));
        ctx.status = 204;
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/password',
      action: 'self.manage',
      sensitive: true,
      body: passwordBody,
      // Checking the current password and hashing the new one (argon2id) hold no connection, lock or
      // slot of the firm: the handler opens short transactions of its own (api/auth/passwords.ts).
      transaction: 'handler',
      async handler(ctx, { body }) {
        await auth.changePassword(ctx.state.tenantTransaction, ctx.state.user, ctx.state.session.id, body, clientOf(ctx, deps.devices));
        ctx.status = 204;
      },
    }),
  ];
}
