/**
 * The AdminJS console for firm admins, at /admin: the firm's users, clients, signed-in devices (with
 * remote sign-out) and audit trail. What it may show is fixed by admin/models.ts, who may enter by
 * admin/guard.ts, and every resource's every action also checks the admin role itself.
 */
import type Koa from 'koa';
import type { Knex } from 'knex';
import { Session } from '../db/models/session';
import { currentContext } from '../db/request-context';
import { consoleGuard, type ConsoleAdmin, type ConsoleAuth } from './guard';
import { ConsoleAuditEvent, ConsoleClient, ConsoleSession, ConsoleUser } from './models';
import { createTaalmelResourceClass } from './resource-adapter';

export const CONSOLE_ROOT = '/admin';

export type ConsoleDeps = { knex: Knex; auth: ConsoleAuth; cookieSecure: boolean };

type ActionContext = { currentAdmin?: ConsoleAdmin; record?: { params: Record<string, unknown>; toJSON(admin?: unknown): unknown } };
const firmAdminOnly = ({ currentAdmin }: ActionContext) => currentAdmin?.role === 'firm_admin';
const never = () => false;

function readOnly(extra: Record<string, unknown> = {}) {
  return {
    list: { isAccessible: firmAdminOnly },
    show: { isAccessible: firmAdminOnly },
    search: { isAccessible: firmAdminOnly },
    new: { isAccessible: never },
    edit: { isAccessible: never },
    delete: { isAccessible: never },
    bulkDelete: { isAccessible: never },
    ...extra,
  };
}

export async function mountAdminConsole(app: Koa, deps: ConsoleDeps): Promise<void> {
  const { default: AdminJS, Router: AdminJSRouter } = await import('adminjs');
  const { default: AdminJSKoa } = await import('@adminjs/koa');
  const { Database } = await import('@adminjs/objection');
  AdminJS.registerAdapter({ Resource: (await createTaalmelResourceClass()) as never, Database: Database as never });

  const admin = new AdminJS({
    rootPath: CONSOLE_ROOT,
    branding: { companyName: 'Taalmel', withMadeWithLove: false },
    resources: [
      {
        resource: ConsoleUser,
        options: {
          id: 'users',
          navigation: { name: 'Firm', icon: 'Users' },
          listProperties: ['email', 'name', 'role', 'active', 'totpEnabled', 'lastLoginAt'],
          // Role changes and deactivation need a re-authentication: they go through the API.
          editProperties: ['name'],
          actions: readOnly({ edit: { isAccessible: firmAdminOnly } }),
        },
      },
      {
        resource: ConsoleClient,
        options: {
          id: 'clients',
          navigation: { name: 'Firm', icon: 'Briefcase' },
          listProperties: ['name', 'gstin', 'filingFrequency', 'email', 'active'],
          editProperties: ['name', 'email', 'filingFrequency', 'active'],
          actions: readOnly({ edit: { isAccessible: firmAdminOnly } }),
        },
      },
      {
        resource: ConsoleSession,
        options: {
          id: 'sessions',
          navigation: { name: 'Security', icon: 'Monitor' },
          listProperties: ['userId', 'deviceName', 'ip', 'lastSeenAt', 'revokedAt'],
          sort: { sortBy: 'lastSeenAt', direction: 'desc' },
          actions: readOnly({
            signOut: {
              actionType: 'record',
              icon: 'LogOut',
              guard: 'Sign this device out now?',
              component: false,
              isAccessible: firmAdminOnly,
              isVisible: ({ record }: ActionContext) => !record?.params.revokedAt,
              handler: async (_request: unknown, _response: unknown, context: ActionContext) => {
                const id = String(context.record?.params.id ?? '');
                const admin = context.currentAdmin as ConsoleAdmin;
                const trx = currentContext()?.trx;
                const session = await Session.query().findById(id);
                if (trx && session && !session.revokedAt) await deps.auth.revokeSession(trx, id, admin.id, 'revoked_by_admin', 'auth.session_revoked');
                return { record: context.record?.toJSON(context.currentAdmin), notice: { message: 'The device is signed out.', type: 'success' } };
              },
            },
          }),
        },
      },
      {
        resource: ConsoleAuditEvent,
        options: {
          id: 'audit',
          navigation: { name: 'Security', icon: 'Shield' },
          listProperties: ['seq', 'at', 'actorEmail', 'action', 'entityType'],
          sort: { sortBy: 'seq', direction: 'desc' },
          actions: readOnly(),
        },
      },
    ],
  });

  const assetPaths = new Set(AdminJSRouter.assets.map((asset: { path: string }) => asset.path));
  app.use(consoleGuard({ knex: deps.knex, auth: deps.auth, rootPath: CONSOLE_ROOT, cookieSecure: deps.cookieSecure, assetPaths }));
  const router = AdminJSKoa.buildRouter(admin, app as never);
  app.use(router.routes());
  app.use(router.allowedMethods());
}
