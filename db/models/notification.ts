import { TenantModel } from './tenant-model';

/** Something a person should see: a sign-in from a new IP, a reminder, an escalation. */
export class Notification extends TenantModel {
  static override tableName = 'notifications';

  userId!: string | null;
  kind!: string;
  payload!: Record<string, unknown>;
  readAt!: Date | null;
}
