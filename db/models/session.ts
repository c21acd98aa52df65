import { TenantModel } from './tenant-model';

/** One signed-in device. The id is random and doubles as the JWT's session claim. */
export class Session extends TenantModel {
  static override tableName = 'sessions';

  userId!: string;
  deviceName!: string;
  userAgent!: string | null;
  ip!: string | null;
  lastSeenAt!: Date;
  idleExpiresAt!: Date;
  absoluteExpiresAt!: Date;
  reauthAt!: Date | null;
  tokenIssuedAt!: Date | null;
  revokedAt!: Date | null;
  revokedBy!: string | null;
  revokedReason!: string | null;

  isActive(now = new Date()): boolean {
    return !this.revokedAt && this.idleExpiresAt > now && this.absoluteExpiresAt > now;
  }
}
