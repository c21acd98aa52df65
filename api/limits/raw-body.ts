/**
 * Reads a request body whole, up to a cap, before any database work starts: a client that sends its
 * body slowly (or never) then holds a socket, not a database connection. A declared Content-Length
 * over the cap is refused before a byte is read.
 */
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { ApiError } from '../errors';

export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  const tooLarge = () => new ApiError(413, 'too_large', `The request body is larger than the ${limitBytes} bytes allowed here.`, { limitBytes });
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limitBytes) {
    ctx.set('Connection', 'close');
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) {
      ctx.set('Connection', 'close');
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Gives the request a body stream again, replaying bytes read earlier, for middleware that parses
 * `ctx.req` itself (the console's form parser).
 */
export function replayBody(ctx: Context, body: Buffer): void {
  // No data event at all for an empty body (form parsers refuse one they did not expect).
  const replay = Readable.from(body.length > 0 ? [body] : [], { objectMode: false }) as Readable & { headers: typeof ctx.req.headers; method?: string; url?: string };
  replay.headers = ctx.req.headers;
  replay.method = ctx.req.method;
  replay.url = ctx.req.url;
  (ctx as { req: unknown }).req = replay;
}
