/**
 * The activities' mail dependencies. The transport itself (the firm's or the platform's route, one
 * delivery) is shared with the api's SMTP test and lives in db/mail-transport.ts; it is re-exported
 * here so every activity keeps one import.
 */
import type { SmtpDeps } from '../db/mail-transport';

export { deliver, firmSmtpRoute, MailConfigError, scrubSecrets, smtpRouteForFirm, type OutgoingEmail, type SmtpDeps, type SmtpRoute } from '../db/mail-transport';

export type MailDeps = SmtpDeps & {
  /** Base of the links in messages (PUBLIC_URL). */
  publicUrl: string;
  /** How long a checklist link lives (days). */
  linkDays?: number;
  /** Called after the SMTP server accepted a message, before the outbox row says so (tests use it to stall a send past its timeout). */
  afterSmtpAccepted?: (info: { slotKey: string; attempt: number }) => Promise<void>;
};
