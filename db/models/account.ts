import { TenantModel } from './tenant-model';

/** An invitation to join the firm (migration 013): the link's token exists only in the email. */
export class AccountInvitation extends TenantModel {
  static override tableName = 'account_invitations';

  email!: string;
  name!: string;
  role!: string;
  clientId!: string | null;
  tokenHash!: string | null;
  expiresAt!: Date;
  sends!: number;
  lastSentAt!: Date | null;
  invitedBy!: string;
  acceptedAt!: Date | null;
  acceptedUserId!: string | null;
  revokedAt!: Date | null;
  revokedBy!: string | null;

  isPending(now = new Date()): boolean {
    return !this.acceptedAt && !this.revokedAt && this.expiresAt > now;
  }
}

/** A "forgot password" request of a known user (migration 013). */
export class PasswordReset extends TenantModel {
  static override tableName = 'password_resets';

  userId!: string;
  tokenHash!: string | null;
  expiresAt!: Date;
  usedAt!: Date | null;
  endedAt!: Date | null;
  requestedIp!: string | null;
}
