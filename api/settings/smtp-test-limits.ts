/**
 * How many SMTP tests (`POST /api/settings/smtp/test`, docs/api.md) a firm may run: each one makes a
 * connection the firm's mail provider sees. SMTP_TEST_LIMIT_PER_HOUR (ops/config.ts) sets `perFirm`.
 */
export type SmtpTestLimits = { perFirm: number; windowSeconds: number };
export const DEFAULT_SMTP_TEST_LIMITS: SmtpTestLimits = { perFirm: 5, windowSeconds: 3600 };
