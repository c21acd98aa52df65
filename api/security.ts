/** Builds the identity services from configuration: token signer, secret box, throttle, auth. */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { parseSecretKeys, SecretBox } from '../db/security/secret-box';
import { AuthService } from './auth/service';
import { DeviceCookies } from './auth/device-cookie';
import { LoginThrottle, type ThrottleConfig } from './auth/throttle';
import { parseSigningKeys, SessionTokens } from './auth/tokens';
import type { UserCreationLimits } from './users/creation-limit';

export type SecuritySettings = {
  signingKeys: string;
  signingKeyCurrent: string;
  secretKeys: string;
  secretKeyCurrent: string;
  idleMinutes: number;
  absoluteHours: number;
  tokenMinutes: number;
  reauthWindowMinutes: number;
  maxSessionsPerUser: number;
  cookieSecure: boolean;
  throttle: ThrottleConfig;
  /** Per-firm limits of `POST /api/users` (api/users/creation-limit.ts); its defaults when absent. */
  userCreation?: UserCreationLimits;
};

export type Security = {
  settings: SecuritySettings;
  tokens: SessionTokens;
  secretBox: SecretBox;
  throttle: LoginThrottle;
  auth: AuthService;
  devices: DeviceCookies;
};

export function createSecurity(settings: SecuritySettings, knex: Knex, logger: Logger): Security {
  const tokens = new SessionTokens(parseSigningKeys(settings.signingKeys, settings.signingKeyCurrent), settings.tokenMinutes * 60);
  const secretBox = new SecretBox(parseSecretKeys(settings.secretKeys, settings.secretKeyCurrent));
  const throttle = new LoginThrottle(knex, settings.throttle);
  const auth = new AuthService({
    knex,
    tokens,
    secretBox,
    throttle,
    logger,
    policy: {
      idleMinutes: settings.idleMinutes,
      absoluteHours: settings.absoluteHours,
      reauthWindowMinutes: settings.reauthWindowMinutes,
      maxSessionsPerUser: settings.maxSessionsPerUser,
    },
  });
  const devices = new DeviceCookies(settings.signingKeys, settings.signingKeyCurrent, settings.cookieSecure);
  return { settings, tokens, secretBox, throttle, auth, devices };
}
