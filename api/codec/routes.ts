/**
 * The remote codec endpoint of Temporal's codec server protocol: `POST /codec/decode` and
 * `POST /codec/encode` take `{"payloads": [{"metadata": {name: base64}, "data": base64}]}` and
 * answer the same shape, run through the payload codec every client and worker installs. The
 * Temporal Web UI (its codec endpoint setting) and CLI (`--codec-endpoint`) call it to show what
 * Temporal stores sealed.
 *
 * Who: platform operators only (migration 016), by `Authorization: Bearer <operator token>` (the
 * CLI's `--codec-auth`, scripts) or, for the Web UI, the httpOnly cookie `GET /codec/sign-in` sets
 * (the UI's "include cross-origin credentials" setting sends it). Each request, granted or refused,
 * goes to the platform audit chain with its payload count, never its content. CORS answers only
 * the configured Temporal UI origin; without one no browser origin is allowed.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Knex } from 'knex';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { authoriseCodecRequest } from '../../db/platform-operators';
import { PayloadCodecError } from '../../db/security/payload-codec';
import { invalidInput, unauthenticated, unprocessable } from '../errors';

export const CODEC_PATH_PREFIX = '/codec';

/** Payloads are up to a few MB each (Temporal's blob limit); base64 adds a third. */
const CODEC_JSON_LIMIT = '16mb';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const base64 = z.string().regex(BASE64, 'base64');

const bodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }).strict()).max(10_000),
}).strict();

type WirePayload = { metadata?: Record<string, string>; data?: string };

function fromWire(p: WirePayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(p.metadata ?? {})) metadata[name] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toWire(p: Payload): WirePayload {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(p.metadata ?? {})) metadata[name] = Buffer.from(value ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

export const CODEC_COOKIE = 'taalmel_codec';
const COOKIE_MAX_AGE_MS = 12 * 3600_000;

/** The bearer token, else the sign-in cookie's. */
function operatorToken(ctx: Context): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
  return match?.[1] ?? ctx.cookies.get(CODEC_COOKIE) ?? null;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

export type CodecRouteDeps = {
  knex: Knex;
  codec: PayloadCodec;
  /** The Temporal Web UI's URL; its origin is the only one CORS allows. */
  uiUrl?: string | null;
  cookieSecure: boolean;
};

export function codecRoutes(deps: CodecRouteDeps): Router {
  const allowedOrigin = deps.uiUrl ? new URL(deps.uiUrl).origin : null;
  const router = new Router({ prefix: CODEC_PATH_PREFIX });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: CODEC_JSON_LIMIT, encoding: 'utf-8' });

  const cors = async (ctx: Context, next: Next) => {
    ctx.vary('Origin');
    const origin = ctx.get('origin');
    if (origin && origin === allowedOrigin) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
    }
    await next();
  };

  const preflight = (ctx: Context) => {
    if (!allowedOrigin || ctx.get('origin') !== allowedOrigin) {
      ctx.status = 403;
      ctx.body = { error: { code: 'forbidden', message: 'This origin may not call the codec endpoint.' } };
      return;
    }
    ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
    ctx.set('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
    ctx.set('Access-Control-Max-Age', '600');
    ctx.status = 204;
  };

  const audited = (ctx: Context, operation: 'decode' | 'encode' | 'sign_in', token: string | null, payloads: number | null, knex: Knex = deps.knex) =>
    authoriseCodecRequest(knex, { token, operation, payloads, namespace: ctx.get('x-namespace').slice(0, 200), requestId: String(ctx.state.requestId ?? ''), ip: ctx.ip });

  /**
   * The token is checked before the body is read: without a valid one the request is refused (and
   * audited, its payload count unknown) at once, so nobody can make the api read and parse up to
   * 16 MB of JSON without a token. For a valid token this check is rolled back: the request's one
   * audit row, with its payload count, is written once the body is parsed (and checks the token
   * again, so one revoked in between is refused then).
   */
  const admit = (operation: 'decode' | 'encode') => async (ctx: Context, next: Next) => {
    const token = operatorToken(ctx);
    const trx = await deps.knex.transaction();
    try {
      const operator = await audited(ctx, operation, token, null, trx);
      if (operator) await trx.rollback();
      else await trx.commit();
      if (!operator) {
        ctx.set('Connection', 'close'); // the body is never read
        throw unauthenticated('unauthenticated', 'A platform operator token is required (Authorization: Bearer …).');
      }
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
    await next();
  };

  // The Web UI cannot send a bearer token of ours: an operator signs in here once per browser.
  router.get('/sign-in', (ctx) => {
    ctx.type = 'html';
    ctx.body = page(
      'Taalmel codec sign-in',
      '<form method="post" action="/codec/session"><label>Operator token <input name="token" type="password" autocomplete="off" required></label> <button>Sign in</button></form>',
    );
  });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });
  router.post('/session', form, async (ctx) => {
    const token = String((ctx.request as unknown as { body?: { token?: unknown } }).body?.token ?? '');
    const operator = await audited(ctx, 'sign_in', token || null, 0);
    if (!operator) throw unauthenticated('unauthenticated', 'That is not an active operator token.');
    ctx.cookies.set(CODEC_COOKIE, token, { path: CODEC_PATH_PREFIX, httpOnly: true, sameSite: 'lax', secure: deps.cookieSecure, overwrite: true, maxAge: COOKIE_MAX_AGE_MS });
    ctx.type = 'html';
    ctx.body = page('Signed in', '<p>The Temporal Web UI in this browser can now decode payloads (for 12 hours).</p>');
  });

  for (const operation of ['decode', 'encode'] as const) {
    router.options(`/${operation}`, cors, preflight);
    router.post(`/${operation}`, cors, admit(operation), json, async (ctx) => {
      const raw = (ctx.request as unknown as { body?: unknown }).body;
      const count = Array.isArray((raw as { payloads?: unknown } | undefined)?.payloads) ? (raw as { payloads: unknown[] }).payloads.length : 0;
      const operator = await audited(ctx, operation, operatorToken(ctx), count);
      if (!operator) throw unauthenticated('unauthenticated', 'A platform operator token is required (Authorization: Bearer …).');
      const parsed = bodySchema.safeParse(raw);
      if (!parsed.success) {
        throw invalidInput(Object.fromEntries(parsed.error.issues.map((issue) => [issue.path.join('.') || 'body', issue.message])));
      }
      const payloads = parsed.data.payloads.map(fromWire);
      const result = await (operation === 'decode' ? deps.codec.decode(payloads) : deps.codec.encode(payloads)).catch((error: unknown) => {
        if (error instanceof PayloadCodecError) throw unprocessable('payload_undecodable', error.message);
        throw error;
      });
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { payloads: result.map(toWire) };
    });
  }
  return router;
}
