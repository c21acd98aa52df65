/**
 * Firm settings and the firm's secrets for outside services (SMTP for client follow-ups, GSP
 * credentials). Secrets are sealed with the secret box before they reach the database; reads say
 * only whether one is set, and the audit trigger replaces the ciphertext column with a marker.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { Firm, type FirmSettings } from '../../db/models/firm';
import { FirmSecret, type SecretKind } from '../../db/models/firm-secret';
import type { SecretBox } from '../../db/security/secret-box';
import { setAuditAction } from '../../db/tenant';
import { notFound } from '../errors';
import { route, type RouteSpec } from '../routes';
import { smtpTestRoutes } from './smtp-test';
import type { SmtpTestLimits } from './smtp-test-limits';

/**
 * The sender of the firm's mail: `ca@firm.in` or `CA Firm <ca@firm.in>` (docs/api.md). One address,
 * no line breaks (a header), the address itself a valid email.
 */
const MAILBOX = /^(?:([^<>\r\n]*?)\s*<([^<>\s]+)>|([^<>\s]+))$/;
export function isMailbox(value: string): boolean {
  const match = MAILBOX.exec(value);
  const address = match?.[2] ?? match?.[3];
  return Boolean(address) && !/[\r\n,;]/.test(value) && z.email().safeParse(address).success;
}

const smtpBody = z.object({
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  secure: z.boolean(),
  user: z.string().max(320),
  password: z.string().min(1).max(1024),
  from: z.string().trim().min(3).max(320).refine(isMailbox, 'must be an email address, or a name and an address: CA Firm <ca@firm.in>'),
});
const gspBody = z.object({
  provider: z.string().trim().min(1).max(100),
  username: z.string().trim().min(1).max(200),
  clientId: z.string().trim().max(200).optional(),
  password: z.string().min(1).max(4096),
});
const firmSettingsBody = z
  .object({
    allowSelfApproval: z.boolean().optional(),
    requireTotpForAdmins: z.boolean().optional(),
    reconciliationDefaults: z
      .object({ amountTolerance: z.number().min(0).max(10_000).optional(), dateWindowDays: z.number().int().min(0).max(366).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

function presentFirmSettings(name: string, settings: FirmSettings) {
  return {
    name,
    allowSelfApproval: Boolean(settings.allowSelfApproval),
    requireTotpForAdmins: Boolean(settings.requireTotpForAdmins),
    reconciliationDefaults: settings.reconciliationDefaults ?? {},
  };
}

async function readSecret(kind: SecretKind) {
  const row = await FirmSecret.query().findOne({ kind });
  return { ...(row?.settings ?? {}), passwordSet: Boolean(row?.ciphertext) };
}

async function writeSecret(box: SecretBox, kind: SecretKind, settings: Record<string, unknown>, secret: string) {
  const ciphertext = box.encrypt(secret);
  const existing = await FirmSecret.query().findOne({ kind });
  if (existing) await FirmSecret.query().patch({ settings, ciphertext, keyId: box.currentKeyId }).where({ id: existing.id });
  else await FirmSecret.query().insert({ kind, settings, ciphertext, keyId: box.currentKeyId } as Partial<FirmSecret>);
}

export function settingsRoutes(deps: { secretBox: SecretBox; knex: Knex; smtpTestLimits?: SmtpTestLimits }): RouteSpec[] {
  return [
    ...smtpTestRoutes({ knex: deps.knex, secretBox: deps.secretBox, limits: deps.smtpTestLimits }),
    route({
      method: 'get',
      path: '/api/settings/smtp',
      action: 'secrets.read',
      async handler(ctx) {
        ctx.body = { host: null, port: null, secure: null, user: null, from: null, ...(await readSecret('smtp')) };
      },
    }),
    route({
      method: 'put',
      path: '/api/settings/smtp',
      action: 'secrets.update',
      sensitive: true,
      body: smtpBody,
      async handler(ctx, { body }) {
        const { password, ...settings } = body;
        await setAuditAction(ctx.state.trx, 'settings.smtp_updated');
        await writeSecret(deps.secretBox, 'smtp', settings, password);
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/api/settings/gsp',
      action: 'secrets.read',
      async handler(ctx) {
        ctx.body = { provider: null, username: null, clientId: null, ...(await readSecret('gsp')) };
      },
    }),
    route({
      method: 'put',
      path: '/api/settings/gsp',
      action: 'secrets.update',
      sensitive: true,
      body: gspBody,
      async handler(ctx, { body }) {
        const { password, ...settings } = body;
        await setAuditAction(ctx.state.trx, 'settings.gsp_updated');
        await writeSecret(deps.secretBox, 'gsp', settings, password);
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/api/firm/settings',
      action: 'firm.read_settings',
      async handler(ctx) {
        const firm = await Firm.query().findById(ctx.state.user.firmId);
        if (!firm) throw notFound();
        ctx.body = presentFirmSettings(firm.name, firm.settings);
      },
    }),
    route({
      method: 'patch',
      path: '/api/firm/settings',
      action: 'firm.update_settings',
      sensitive: true,
      body: firmSettingsBody,
      async handler(ctx, { body }) {
        const firm = await Firm.query().findById(ctx.state.user.firmId);
        if (!firm) throw notFound();
        // Field by field, nested objects too: a PATCH of one reconciliation default keeps the other.
        const settings: FirmSettings = {
          ...firm.settings,
          ...body,
          ...(body.reconciliationDefaults ? { reconciliationDefaults: { ...firm.settings.reconciliationDefaults, ...body.reconciliationDefaults } } : {}),
        };
        await setAuditAction(ctx.state.trx, 'firm.settings_updated');
        await Firm.query().patch({ settings }).where({ id: firm.id });
        ctx.body = presentFirmSettings(firm.name, settings);
      },
    }),
  ];
}
