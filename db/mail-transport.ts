/**
 * Sending email with nodemailer through the firm's own SMTP server (its settings, password sealed
 * in the secret box) or, when the firm has none, the platform's SMTP_URL. It lives beside the
 * tables it reads because two layers send through it: the worker's activities (every message) and
 * the api's SMTP test (`POST /api/settings/smtp/test`, docs/api.md), which must use the very same
 * transport the follow-ups will. The password is opened only inside a send and never reaches a
 * log, an error, an audit row or a payload.
 */
import { createTransport } from 'nodemailer';
import { FirmSecret } from './models/firm-secret';
import type { SecretBox } from './security/secret-box';

/** What choosing a route needs (the worker's mail deps are a superset). */
export type SmtpDeps = {
  /** smtp://host:port (the local catcher in development and tests), used when a firm has no SMTP settings. */
  platformSmtpUrl?: string;
  /** From address of platform mail. */
  platformFrom: string;
  /** Opens firms' SMTP passwords; without it only the platform SMTP can be used. */
  secretBox?: SecretBox;
};

/** `secrets`: what a refusal's text must never show (the firm's user name and password). */
export type SmtpRoute = { source: 'firm' | 'platform'; options: Record<string, unknown> | string; from: string; secrets?: string[] };

export class MailConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailConfigError';
  }
}

/** The firm's own SMTP route (read inside the firm's transaction), or null when it has saved none. */
export async function firmSmtpRoute(deps: SmtpDeps): Promise<SmtpRoute | null> {
  const secret = await FirmSecret.query().findOne({ kind: 'smtp' });
  const settings = (secret?.settings ?? {}) as { host?: string; port?: number; secure?: boolean; user?: string; from?: string };
  if (!secret || !settings.host) return null;
  if (!deps.secretBox && secret.ciphertext) throw new MailConfigError('no secret keys are configured (SECRET_KEYS): the firm\'s SMTP password cannot be opened');
  const pass = secret.ciphertext && deps.secretBox ? deps.secretBox.decrypt(secret.ciphertext) : undefined;
  return {
    source: 'firm',
    options: { host: settings.host, port: settings.port ?? 587, secure: Boolean(settings.secure), auth: settings.user ? { user: settings.user, pass } : undefined, connectionTimeout: 20_000, greetingTimeout: 20_000 },
    from: settings.from ?? deps.platformFrom,
    secrets: [settings.user, pass].filter((s): s is string => Boolean(s)),
  };
}

/** The firm's SMTP route (read inside the firm's transaction), or the platform's. */
export async function smtpRouteForFirm(deps: SmtpDeps): Promise<SmtpRoute> {
  const firm = await firmSmtpRoute(deps);
  if (firm) return firm;
  if (!deps.platformSmtpUrl) throw new MailConfigError('no SMTP: the firm has no SMTP settings and SMTP_URL is not set');
  return { source: 'platform', options: deps.platformSmtpUrl, from: deps.platformFrom };
}

/** `cc` and `replyTo`: a supplier chase copies the client, and the supplier's reply reaches the client. */
export type OutgoingEmail = { to: string; cc?: string; replyTo?: string; subject: string; text: string; html: string; messageId?: string; headers?: Record<string, string>; attachments?: Array<{ filename: string; content: Buffer }> };

/**
 * A server's reply can quote what it was sent (`535 bad credentials for ca@firm.in`), plainly or
 * base64-encoded as AUTH sends it: every form of the user name and password is masked.
 */
export function scrubSecrets(text: string, secrets: string[] = []): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(Buffer.from(s).toString('base64'));
  }
  if (secrets.length === 2) forms.add(Buffer.from(`\0${secrets[0]}\0${secrets[1]}`).toString('base64'));
  // Longest first, so a secret inside another is not left half-masked.
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  return out;
}

/**
 * One SMTP delivery. A refusal comes back as a short reason without credentials. `timeoutMs` bounds
 * the whole exchange (connection, greeting, each reply and the send as one budget).
 */
export async function deliver(route: SmtpRoute, from: string, email: OutgoingEmail, options: { timeoutMs?: number } = {}): Promise<{ ok: true; response: string; messageId?: string } | { ok: false; error: string; transient: boolean }> {
  const limit = options.timeoutMs;
  const transportOptions = limit && typeof route.options === 'object' ? { ...route.options, connectionTimeout: limit, greetingTimeout: limit, socketTimeout: limit } : route.options;
  const transport = createTransport(transportOptions as Parameters<typeof createTransport>[0]);
  let timer: NodeJS.Timeout | undefined;
  try {
    const sending = transport.sendMail({ from, to: email.to, cc: email.cc, replyTo: email.replyTo, subject: email.subject, text: email.text, html: email.html, messageId: email.messageId, headers: email.headers, attachments: email.attachments });
    const expired = new Promise<never>((_resolve, reject) => {
      if (limit) timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${limit / 1000} seconds`), { code: 'ETIMEDOUT' })), limit);
    });
    sending.catch(() => undefined); // once the budget ran out, a late failure has nowhere to go
    const info = (await Promise.race([sending, expired])) as { response?: string; messageId?: string };
    return { ok: true, response: scrubSecrets(String(info.response ?? ''), route.secrets).slice(0, 300), messageId: info.messageId };
  } catch (error) {
    const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
    // The SMTP server's own words (never our configuration): code and first line of its reply.
    const reason = [e.code, e.responseCode, (e.response ?? e.message ?? '').split('\n')[0]].filter(Boolean).join(' ');
    // Only a 5xx reply is the server's final word; no connection, a timeout or a 4xx may pass.
    const transient = !(typeof e.responseCode === 'number' && e.responseCode >= 500);
    return { ok: false, error: scrubSecrets(reason, route.secrets).slice(0, 300) || 'SMTP refused the message', transient };
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
