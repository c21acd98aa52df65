/**
 * Keys for session tokens, the secret box and the Temporal payload codec. Production reads them
 * from the environment (SESSION_SIGNING_KEYS, SECRET_KEYS, TEMPORAL_PAYLOAD_KEYS and their *_CURRENT
 * ids). The dev stack, when they are not set, makes them once and keeps them in
 * DATA_DIR/dev-keys.json (git-ignored, mode 600), so sessions, stored secrets and the payloads in
 * the dev server's history survive restarts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecuritySettings } from '../api/security';
import { newCertificateSeed } from '../db/security/certificate-key';
import type { Knex } from 'knex';
import { createPlatformOperator, operatorTokenHash as operatorTokenHashOf, revokePlatformOperator } from '../db/platform-operators';
import { EncryptionCodec } from '../db/security/payload-codec';
import { generateKeySpec } from '../db/security/secret-box';
import type { Config } from './config';

type DevKeys = { signingKeys: string; signingKeyCurrent: string; secretKeys: string; secretKeyCurrent: string };
type PayloadKeys = { payloadKeys: string; payloadKeyCurrent: string };

function todaysKeyId(): string {
  return `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export function generateKeys(): DevKeys {
  const id = todaysKeyId();
  return {
    signingKeys: `${id}:${randomBytes(32).toString('base64')}`,
    signingKeyCurrent: id,
    secretKeys: generateKeySpec(id),
    secretKeyCurrent: id,
  };
}

export function generatePayloadKeys(): PayloadKeys {
  const id = todaysKeyId();
  return { payloadKeys: generateKeySpec(id), payloadKeyCurrent: id };
}

/** The dev key file; a file from before the payload codec gains its payload keys on first read. */
export function loadOrCreateDevKeys(dataDir: string): DevKeys & PayloadKeys {
  const file = path.join(dataDir, 'dev-keys.json');
  const existing = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as DevKeys & Partial<PayloadKeys>) : null;
  if (existing?.payloadKeys && existing.payloadKeyCurrent) return existing as DevKeys & PayloadKeys;
  const keys = { ...(existing ?? generateKeys()), ...generatePayloadKeys() };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/**
 * The codec every Temporal client and worker of this process installs: TEMPORAL_PAYLOAD_KEYS, or
 * outside production the dev key file (so ops commands beside `npm start` read its payloads).
 */
export function temporalPayloadCodec(config: Config): EncryptionCodec {
  const t = config.temporal;
  if (t.payloadKeys && t.payloadKeyCurrent) return EncryptionCodec.fromSpec(t.payloadKeys, t.payloadKeyCurrent);
  if (!config.isDev) throw new Error('TEMPORAL_PAYLOAD_KEYS and TEMPORAL_PAYLOAD_KEY_CURRENT are required (docs/operations.md, "Encrypted Temporal payloads")');
  const keys = loadOrCreateDevKeys(config.dataDir);
  return EncryptionCodec.fromSpec(keys.payloadKeys, keys.payloadKeyCurrent);
}

/** The security settings of this process; the dev stack fills in missing keys from its key file. */
export function securitySettings(config: Config, options: { devKeysFallback: boolean }): SecuritySettings {
  const a = config.auth;
  let keys: DevKeys | null =
    a.signingKeys && a.signingKeyCurrent && a.secretKeys && a.secretKeyCurrent
      ? { signingKeys: a.signingKeys, signingKeyCurrent: a.signingKeyCurrent, secretKeys: a.secretKeys, secretKeyCurrent: a.secretKeyCurrent }
      : null;
  if (!keys) {
    if (!options.devKeysFallback) throw new Error('SESSION_SIGNING_KEYS, SESSION_SIGNING_KEY_CURRENT, SECRET_KEYS and SECRET_KEY_CURRENT are required');
    const dev = loadOrCreateDevKeys(config.dataDir);
    keys = { signingKeys: dev.signingKeys, signingKeyCurrent: dev.signingKeyCurrent, secretKeys: dev.secretKeys, secretKeyCurrent: dev.secretKeyCurrent };
  }
  return {
    ...keys,
    idleMinutes: a.idleMinutes,
    absoluteHours: a.absoluteHours,
    tokenMinutes: a.tokenMinutes,
    reauthWindowMinutes: a.reauthWindowMinutes,
    maxSessionsPerUser: a.maxSessionsPerUser,
    cookieSecure: a.cookieSecure,
    throttle: a.throttle,
  };
}

/** A random secret of the dev stack, made once and kept in DATA_DIR/<name> (mode 600). */
function loadOrCreateDevSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The dev stack's password for the application database role (DATA_DIR/dev-db-app-password). */
export function loadOrCreateDevAppPassword(dataDir: string): string {
  return loadOrCreateDevSecret(dataDir, 'dev-db-app-password');
}

/** The dev stack's METRICS_TOKEN (DATA_DIR/dev-metrics-token), written into demo-credentials.json. */
export function loadOrCreateDevMetricsToken(dataDir: string): string {
  return loadOrCreateDevSecret(dataDir, 'dev-metrics-token');
}

/**
 * The certificate signing seed: CERTIFICATE_SIGNING_KEY, or in the dev stack one made once and kept
 * in DATA_DIR/certificate-key (mode 600). Production without it cannot certify erasures (the
 * erasure fails at its last step with a message naming the variable).
 */
export function certificateSeed(config: Config): string | undefined {
  if (config.dataProtection.certificateKey) return config.dataProtection.certificateKey;
  if (!config.isDev) return undefined;
  const file = path.join(config.dataDir, 'certificate-key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const seed = newCertificateSeed();
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, `${seed}\n`, { mode: 0o600 });
  return seed;
}

export const DEV_OPERATOR_EMAIL = 'ops@demo.taalmel.test';

/**
 * The dev stack's platform operator token for the codec endpoint (DATA_DIR/dev-codec-token, mode
 * 600): made once; a database that lost it (or a fresh one) gets a new one.
 */
export async function loadOrCreateDevOperatorToken(owner: Knex, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'dev-codec-token');
  if (fs.existsSync(file)) {
    const token = fs.readFileSync(file, 'utf8').trim();
    const known = await owner('platform_operators').where({ token_hash: operatorTokenHashOf(token) }).whereNull('revoked_at').first();
    if (known) return token;
  }
  await revokePlatformOperator(owner, DEV_OPERATOR_EMAIL);
  const { token } = await createPlatformOperator(owner, { email: DEV_OPERATOR_EMAIL, name: 'Dev operator' });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
