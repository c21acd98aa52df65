/**
 * Sending email with nodemailer through the firm's own SMTP server (its settings, password sealed
 * in the secret box) or, when the firm has none, the platform's SMTP_URL. The password is opened
 * only here, inside the activity, and never reaches a log, an error, an audit row or a payload.
 */
import { createTransport } from 'nodemailer';
import { FirmSecret } from '../db/models/firm-secret';
import type { SecretBox } from '../db/security/secret-box';

export type MailDeps = {
  /** smtp://host:port (the local catcher in development and tests), used when a firm has no SMTP settings. */
  platformSmtpUrl?: string;
  /** From address of platform mail. */
  platformFrom: string;
  /** Base of the links in messages (PUBLIC_URL). */
  publicUrl: string;
  /** Opens firms' SMTP passwords; without it only the platform SMTP can be used. */
  secretBox?: SecretBox;
  /** How long a checklist link lives (days). */
  linkDays?: number;
  /** Called after the SMTP server accepted a message, before the outbox row says so (tests use it to stall a send past its timeout). */
  afterSmtpAccepted?: (info: { slotKey: string; attempt: number }) => Promise<void>;
};

export type SmtpRoute = { source: 'firm' | 'platform'; options: Record<string, unknown> | string; from: string };

export class MailConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailConfigError';
  }
}

/** The firm's SMTP route (read inside the firm's transaction), or the platform's. */
export async function smtpRouteForFirm(deps: MailDeps): Promise<SmtpRoute> {
  const secret = await FirmSecret.query().findOne({ kind: 'smtp' });
  const settings = (secret?.settings ?? {}) as { host?: string; port?: number; secure?: boolean; user?: string; from?: string };
  if (secret && settings.host) {
    if (!deps.secretBox && secret.ciphertext) throw new MailConfigError('the worker has no secret keys configured (SECRET_KEYS): it cannot open the firm\'s SMTP password');
    const pass = secret.ciphertext && deps.secretBox ? deps.secretBox.decrypt(secret.ciphertext) : undefined;
    return {
      source: 'firm',
      options: { host: settings.host, port: settings.port ?? 587, secure: Boolean(settings.secure), auth: settings.user ? { user: settings.user, pass } : undefined, connectionTimeout: 20_000, greetingTimeout: 20_000 },
      from: settings.from ?? deps.platformFrom,
    };
  }
  if (!deps.platformSmtpUrl) throw new MailConfigError('no SMTP: the firm has no SMTP settings and SMTP_URL is not set');
  return { source: 'platform', options: deps.platformSmtpUrl, from: deps.platformFrom };
}

/** `cc` and `replyTo`: a supplier chase copies the client, and the supplier's reply reaches the client. */
export type OutgoingEmail = { to: string; cc?: string; replyTo?: string; subject: string; text: string; html: string; messageId: string; headers?: Record<string, string>; attachments?: Array<{ filename: string; content: Buffer }> };

/** One SMTP delivery. A refusal comes back as a short reason without credentials. */
export async function deliver(route: SmtpRoute, from: string, email: OutgoingEmail): Promise<{ ok: true; response: string } | { ok: false; error: string }> {
  const transport = createTransport(route.options as Parameters<typeof createTransport>[0]);
  try {
    const info = (await transport.sendMail({ from, to: email.to, cc: email.cc, replyTo: email.replyTo, subject: email.subject, text: email.text, html: email.html, messageId: email.messageId, headers: email.headers, attachments: email.attachments })) as { response?: string };
    return { ok: true, response: String(info.response ?? '').slice(0, 300) };
  } catch (error) {
    const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
    // The SMTP server's own words (never our configuration): code and first line of its reply.
    const reason = [e.code, e.responseCode, (e.response ?? e.message ?? '').split('\n')[0]].filter(Boolean).join(' ');
    return { ok: false, error: reason.slice(0, 300) || 'SMTP refused the message' };
  } finally {
    transport.close();
  }
}
