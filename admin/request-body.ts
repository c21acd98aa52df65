/**
 * The console's request bodies, read whole and capped before the firm's transaction opens: a client
 * that sends slowly (or never finishes) holds a socket, never a database connection. AdminJS parses
 * its forms itself, from `ctx.req`, so the bytes read are replayed to it.
 */
import { Readable } from 'node:stream';
import type { Context } from 'koa';

export class BodyTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than the ${limitBytes} bytes allowed here.`);
    this.name = 'BodyTooLarge';
  }
}

export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  if (Number(ctx.get('content-length') || 0) > limitBytes) {
    ctx.set('Connection', 'close');
    throw new BodyTooLarge(limitBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) {
      ctx.set('Connection', 'close');
      throw new BodyTooLarge(limitBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Gives the request a body stream again, replaying the bytes read earlier. */
export function replayBody(ctx: Context, body: Buffer): void {
  // No data event at all for an empty body (form parsers refuse one they did not expect).
  const replay = Readable.from(body.length > 0 ? [body] : [], { objectMode: false }) as Readable & { headers: typeof ctx.req.headers; method?: string; url?: string };
  replay.headers = ctx.req.headers;
  replay.method = ctx.req.method;
  replay.url = ctx.req.url;
  (ctx as { req: unknown }).req = replay;
}
