import { TenantModel } from './tenant-model';

export type OutboxStatus = 'sending' | 'sent' | 'failed' | 'merged' | 'skipped';

/**
 * One email (or one scheduled slot that did not need one): written before the SMTP call under a
 * unique slot key, so a retried send finds it instead of sending again. No bodies are kept: they
 * carry the client's link, whose token exists only in the email.
 */
export class OutboxMessage extends TenantModel {
  static override tableName = 'outbox';
  static override clientColumn = 'client_id';

  clientId!: string | null;
  followUpId!: string | null;
  slotKey!: string;
  audience!: 'client' | 'staff' | 'supplier';
  template!: string;
  recipient!: string;
  subject!: string;
  status!: OutboxStatus;
  messageId!: string | null;
  error!: string | null;
  followUpIds!: string[];
  itemsListed!: string[];
  mergedInto!: string | null;
  clientDay!: number | null;
  scheduledAt!: Date | null;
  sentAt!: Date | null;

  static override get jsonAttributes() {
    return ['followUpIds', 'itemsListed'];
  }
}
