/**
 * The AdminJS console for firm admins, at /admin: the firm's users, clients, signed-in devices (with
 * remote sign-out) and audit trail. What it may show is fixed by admin/models.ts, who may enter by
 * admin/guard.ts, and every resource's every action also checks the admin role itself.
 */
import type Koa from 'koa';
import type { Knex } from 'knex';
import type { JSONSchema } from 'objection';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { consoleDashboard } from '../db/console-dashboard';
import { ROLE_LABEL, ROLES, SIGN_OUT_REASON_LABEL, SIGN_OUT_REASONS } from '../db/console-labels';
import { Session } from '../db/models/session';
import { currentContext } from '../db/request-context';
import { consoleGuard, type ConsoleAdmin, type ConsoleAuth } from './guard';
export { CONSOLE_ROLES } from './guard';
import { CONSOLE_WORDS } from './labels';
import { ConsoleAuditEvent, ConsoleClient, ConsoleSession, ConsoleUser } from './models';
import { createTaalmelResourceClass } from './resource-adapter';

export const CONSOLE_ROOT = '/admin';

export type ConsoleDeps = {
  knex: Knex;
  auth: ConsoleAuth;
  cookieSecure: boolean;
  /** PUBLIC_URL when configured: the console's forms must come from that origin exactly. */
  publicUrl?: string;
};

type ConsoleRecord = { params: Record<string, unknown>; toJSON(admin?: unknown): unknown };
type ActionContext = { currentAdmin?: ConsoleAdmin; record?: ConsoleRecord; resource?: { findOne(id: string, context?: unknown): Promise<ConsoleRecord | null> } };
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

/**
 * A console component's source: beside this file when run from the sources, and copied next to
 * the compiled console by the image build (AdminJS bundles it with its own rollup at start).
 */
function componentPath(file: string): string {
  const candidates = [path.join(__dirname, 'components', file), path.resolve(__dirname, '..', '..', 'admin', 'components', file)];
  return candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
}

/**
 * Every date-time property of a model, shown in IST with its label (admin/components/ist-time-property.jsx)
 * in lists and on record pages, as the dashboard and the device-limit page write times: AdminJS's own
 * component writes the browser's zone without a label.
 */
function istTimes(model: { jsonSchema: JSONSchema }, component: string): Record<string, { components: { list: string; show: string } }> {
  const properties = (model.jsonSchema.properties ?? {}) as Record<string, { format?: string }>;
  return Object.fromEntries(Object.entries(properties).filter(([, schema]) => schema.format === 'date-time').map(([key]) => [key, { components: { list: component, show: component } }]));
}

/** A record's id is no thing to filter a list by (it shows on the record's own page). */
const NOT_FILTERED_ID = { id: { isVisible: { list: false, filter: false, show: true, edit: false } } };

/** The stylesheet link AdminJS's page template writes into every console page. */
const THIRD_PARTY_FONTS = /<link\b[^>]*\bhref="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>/g;

/**
 * AdminJS's page template loads its font from Google's servers, so every page a firm admin opened
 * told Google the admin's address and when they used the console (and showed a failed request on a
 * network without it). The console's pages are served without that link: the browser's own
 * sans-serif font stands in for Roboto. Only console pages (HTML) are touched.
 */
export function withoutThirdPartyFonts(root: string): Koa.Middleware {
  const base = root.toLowerCase();
  return async (ctx, next) => {
    await next();
    if (!ctx.path.toLowerCase().startsWith(base) || typeof ctx.body !== 'string' || !ctx.response.is('html')) return;
    ctx.body = ctx.body.replace(THIRD_PARTY_FONTS, '');
  };
}

export async function mountAdminConsole(app: Koa, deps: ConsoleDeps): Promise<void> {
  const { default: AdminJS, Router: AdminJSRouter, ComponentLoader } = await import('adminjs');
  const componentLoader = new ComponentLoader();
  const dashboardComponent = componentLoader.add('TaalmelDashboard', componentPath('dashboard.jsx'));
  const istTime = componentLoader.add('TaalmelIstTime', componentPath('ist-time-property.jsx'));
  const person = componentLoader.add('TaalmelPerson', componentPath('person-property.jsx'));
  const words = componentLoader.add('TaalmelWords', componentPath('words-property.jsx'));
  const choice = componentLoader.add('TaalmelChoice', componentPath('choice-property.jsx'));
  // A person or an address, kept whole in a table cell (admin/components/person-property.jsx).
  const personShown = (custom: Record<string, string> = {}) => ({ components: { list: person, show: person }, custom });
  const { default: AdminJSKoa } = await import('@adminjs/koa');
  const { Database } = await import('@adminjs/objection');
  AdminJS.registerAdapter({ Resource: (await createTaalmelResourceClass()) as never, Database: Database as never });

  const admin = new AdminJS({
    rootPath: CONSOLE_ROOT,
    componentLoader,
    branding: { companyName: 'Taalmel', withMadeWithLove: false, logo: false, favicon: undefined, theme: { colors: { primary100: '#2d5be3' } } },
    locale: {
      language: 'en',
      translations: {
        en: {
          labels: { users: 'People', clients: 'Clients', sessions: 'Signed-in devices', audit: 'Audit trail' },
          // AdminJS shows this on a page of an action a resource does not offer (edit a device, say)
          // without filling its {{actionName}} and {{resourceId}} in: a sentence with no placeholders.
          messages: { forbiddenError: 'The console does not offer this action here.' },
        },
      },
    },
    // Our own home page instead of AdminJS's welcome: the guard has already made this a firm
    // admin's request inside the firm's transaction, so the query sees that firm only.
    dashboard: {
      component: dashboardComponent,
      handler: async () => {
        const trx = currentContext()?.trx;
        if (!trx) throw new Error('the console dashboard runs inside the firm transaction');
        return consoleDashboard(trx);
      },
    },
    resources: [
      {
        resource: ConsoleUser,
        options: {
          id: 'users',
          navigation: { name: 'Firm', icon: 'Users' },
          titleProperty: 'label',
          listProperties: ['name', 'email', 'role', 'active', 'totpEnabled', 'lastLoginAt'],
          // A portal user's client by its name, not its id.
          properties: {
            ...istTimes(ConsoleUser, istTime),
            ...NOT_FILTERED_ID,
            email: personShown(),
            label: { isVisible: { list: false, filter: false, show: false, edit: false } },
            clientId: { reference: 'clients' },
            // Roles in words, as the web app names them ("Firm admin", never `firm_admin`), in lists, pages and the filter.
            role: { availableValues: ROLES.map((role) => ({ value: role, label: ROLE_LABEL[role] })), components: { list: choice, show: choice } },
          },
          translations: { en: CONSOLE_WORDS.users },
          // Role changes and deactivation need a re-authentication: they go through the API.
          editProperties: Object.keys(ConsoleUser.consoleEdits.shape),
          actions: readOnly({ edit: { isAccessible: firmAdminOnly } }),
        },
      },
      {
        resource: ConsoleClient,
        options: {
          id: 'clients',
          navigation: { name: 'Firm', icon: 'Briefcase' },
          listProperties: ['name', 'gstin', 'filingFrequency', 'email', 'active'],
          properties: { ...istTimes(ConsoleClient, istTime), ...NOT_FILTERED_ID, email: personShown() },
          translations: { en: CONSOLE_WORDS.clients },
          editProperties: Object.keys(ConsoleClient.consoleEdits.shape),
          actions: readOnly({ edit: { isAccessible: firmAdminOnly } }),
        },
      },
      {
        resource: ConsoleSession,
        options: {
          id: 'sessions',
          navigation: { name: 'Security', icon: 'Monitor' },
          // The person by name and email (the users resource's title), never a bare id.
          // Two devices of one name (two "Chrome on Linux") told apart by address and times.
          listProperties: ['userId', 'deviceName', 'ip', 'createdAt', 'lastSeenAt', 'revokedAt'],
          properties: {
            ...istTimes(ConsoleSession, istTime),
            ...NOT_FILTERED_ID,
            userId: { reference: 'users', isTitle: false, ...personShown() },
            // Why in words ("Signed out by a firm admin"), never the stored code.
            revokedReason: { availableValues: SIGN_OUT_REASONS.map((reason) => ({ value: reason, label: SIGN_OUT_REASON_LABEL[reason] })), components: { list: choice, show: choice } },
          },
          translations: { en: CONSOLE_WORDS.sessions },
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
                // The record as it is now (signed out, and why), so the page shows it at once and
                // no longer offers the action; read in the same transaction as the sign-out.
                const updated = (await context.resource?.findOne(id, context)) ?? context.record;
                return { record: updated?.toJSON(context.currentAdmin), notice: { message: 'The device is signed out.', type: 'success' } };
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
          // Who acted once: the person by name and email, or the job or link in words (no second
          // column repeating the address); what happened in words, never its code.
          listProperties: ['seq', 'at', 'actorId', 'action', 'entityType'],
          properties: {
            ...istTimes(ConsoleAuditEvent, istTime),
            ...NOT_FILTERED_ID,
            actorId: { reference: 'users', ...personShown({ fallback: 'actorLabel' }) },
            actorEmail: personShown(),
            action: { components: { list: words, show: words }, custom: { words: 'actionLabel' } },
            entityType: { components: { list: words, show: words }, custom: { words: 'entityTypeLabel' } },
            actionLabel: { isVisible: { list: false, filter: false, show: false, edit: false } },
            entityTypeLabel: { isVisible: { list: false, filter: false, show: false, edit: false } },
            actorLabel: { isVisible: { list: false, filter: false, show: false, edit: false } },
          },
          translations: { en: CONSOLE_WORDS.audit },
          sort: { sortBy: 'seq', direction: 'desc' },
          actions: readOnly(),
        },
      },
    ],
  });

  const assetPaths = new Set(AdminJSRouter.assets.map((asset: { path: string }) => asset.path));
  const resourceIds = admin.resources.map((resource) => resource.decorate().id());
  const resourceActions = Object.fromEntries(admin.resources.map((resource) => [resource.decorate().id(), Object.keys(resource.decorate().actions)]));
  app.use(consoleGuard({ knex: deps.knex, auth: deps.auth, rootPath: CONSOLE_ROOT, cookieSecure: deps.cookieSecure, assetPaths, resourceIds, resourceActions, publicUrl: deps.publicUrl, writeActions: ['signOut'] }));
  app.use(withoutThirdPartyFonts(CONSOLE_ROOT));
  const router = AdminJSKoa.buildRouter(admin, app as never);
  app.use(router.routes());
  app.use(router.allowedMethods());
}
