/**
 * Keys for session tokens and the secret box. Production reads them from the environment
 * (SESSION_SIGNING_KEYS, SECRET_KEYS and their *_CURRENT ids). The dev stack, when they are not
 * set, makes a pair once and keeps it in DATA_DIR/dev-keys.json (git-ignored, mode 600), so
 * sessions and stored secrets survive restarts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecuritySettings } from '../api/security';
import { newCertificateSeed } from '../db/security/certificate-key';
import type { Config } from './config';

type DevKeys = { signingKeys: string; signingKeyCurrent: string; secretKeys: string; secretKeyCurrent: string };

export function generateKeys(): DevKeys {
  const id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
  return {
    signingKeys: `${id}:${randomBytes(32).toString('base64')}`,
    signingKeyCurrent: id,
    secretKeys: `${id}:${randomBytes(32).toString('base64')}`,
    secretKeyCurrent: id,
  };
}

export function loadOrCreateDevKeys(dataDir: string): DevKeys {
  const file = path.join(dataDir, 'dev-keys.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as DevKeys;
  const keys = generateKeys();
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
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
    keys = loadOrCreateDevKeys(config.dataDir);
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
