/**
 * The one rule for a document uploaded through a signed URL, wherever it lands (a follow-up's
 * checklist item, a notice's papers): the declared type and size are checked when the URL is asked
 * for; the URL is signed, lives 15 minutes and is single use (the caller's row leaves
 * `awaiting_upload` in the transaction that consumes it); the bytes are counted against the cap
 * while they stream, hashed with SHA-256, and their type decided from the content
 * (`checkedFileType`: a PDF must hold together as one); they must be the declared size and type.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { CLIENT_FILE_TYPES, checkedFileType, declaredFileType, describeContent, describeDeclaredFile, expectedFileType, type ClientFileType } from '../../domain/follow-ups';
import { ApiError, clientClosedRequest, forbidden, invalidInput, tooLarge } from '../errors';
import { MeteredBody } from '../imports/metered-body';
import type { UploadClaims, UploadTokens } from '../imports/upload-token';

export const UPLOAD_URL_MINUTES = 15;

const ACCEPTED = Object.values(CLIENT_FILE_TYPES).join(', ');

const tooBig = (maxBytes: number) => tooLarge(`Files may be at most ${Math.round(maxBytes / 1048576)} MB.`);

/**
 * Refuses a declared file the content check would refuse anyway (415, naming what was declared), or
 * one over the cap (413); else answers the type the content must then be, from the file's name and
 * the browser's type with its aliases (`expectedFileType`). Store that, not the browser's word.
 */
export function refuseDeclaredFile(declared: { contentType: string; size: number; filename?: string }, maxBytes: number): ClientFileType {
  const expected = expectedFileType(declared);
  if (!expected) throw new ApiError(415, 'unsupported_type', `This is ${describeDeclaredFile(declared)}, which is not accepted. Upload one of: ${ACCEPTED}.`, { declared: declaredFileType(declared.contentType) });
  if (declared.size > maxBytes) throw tooBig(maxBytes);
  return expected;
}

export function uploadUrlExpiry(now = Date.now()): Date {
  return new Date(now + UPLOAD_URL_MINUTES * 60_000);
}

/** The upload URL's claims, or 403 (expired, or not a URL this server signed: `onInvalid` is told first). */
export async function verifyUploadUrl(tokens: UploadTokens, token: string, onInvalid?: () => Promise<void>): Promise<UploadClaims> {
  const checked = await tokens.verify(token);
  if (checked.ok) return checked.claims;
  if (checked.reason === 'expired') throw forbidden('upload_url_expired', 'This upload URL has expired: ask for a new one.');
  await onInvalid?.();
  throw forbidden('upload_url_invalid', 'This upload URL is not valid.');
}

export type ReceivedFile = { content: Buffer; sha256: string; size: number; contentType: ClientFileType };
export type Refused = { error: ApiError; bytes: number; detected: ClientFileType | null; closeConnection: boolean };

/** What was declared when the upload URL was asked for: the bytes must be that many, and of that type. */
export type DeclaredFile = { contentType: string; size: number };

/**
 * Reads an upload's body under the cap and checks it against its declaration; a refusal says why (and
 * how much arrived). Memory: one buffer of the declared size (at most the cap), taken at the first
 * byte, into which the chunks are copied as they arrive, so no chunk is kept and nothing is copied
 * twice; past the declared size the file is refused whatever follows, so the buffer is dropped and
 * the rest only counted. `signal` (the request's deadline) ends the read at once, dropping the
 * buffer; the unread rest of the body is left for the answer's `Connection: close`. A client that
 * goes mid-body ends the read as a 499 (its choice, no failure of ours).
 */
export async function receiveCheckedFile(
  source: IncomingMessage | AsyncIterable<Buffer | string>,
  maxBytes: number,
  declared: DeclaredFile,
  options: { signal?: AbortSignal } = {},
): Promise<{ ok: true; file: ReceivedFile } | ({ ok: false } & Refused)> {
  const body = new MeteredBody(source, maxBytes);
  const keep = Math.min(Number(declared.size), maxBytes);
  let kept: Buffer | null = null;
  let filled = 0;
  let overDeclared = false;
  try {
    for await (const chunk of untilAborted(body.chunks(), options.signal)) {
      if (overDeclared) continue;
      if (filled + chunk.length > keep) {
        overDeclared = true;
        kept = null;
        continue;
      }
      // Every byte of it is written before it is read: the declared size must arrive exactly (below).
      kept ??= Buffer.allocUnsafeSlow(keep);
      chunk.copy(kept, filled);
      filled += chunk.length;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET') throw clientClosedRequest();
    throw error;
  }
  if (body.overLimit) return { ok: false, error: tooBig(maxBytes), bytes: body.bytes, detected: null, closeConnection: true };
  // A different length is a truncated or padded file, whatever it looks like.
  if (overDeclared || body.bytes !== Number(declared.size) || filled !== keep) {
    return { ok: false, error: invalidInput({ fields: { body: `${body.bytes} bytes arrived; ${declared.size} were declared` } }), bytes: body.bytes, detected: null, closeConnection: false };
  }
  const content = kept ?? Buffer.alloc(0);
  const contentType = checkedFileType(content);
  if (!contentType) return { ok: false, error: new ApiError(415, 'unsupported_type', `This file is ${describeContent(content)}, not one of: ${ACCEPTED}.`), bytes: body.bytes, detected: null, closeConnection: false };
  // Every caller stores the accepted type `refuseDeclaredFile` answered (an `application/octet-stream`
  // named `a.pdf` is stored as a PDF), so the content must always be that type.
  if (declaredFileType(declared.contentType) !== contentType) {
    const message = `The file was declared as ${CLIENT_FILE_TYPES[declaredFileType(declared.contentType) as ClientFileType] ?? declared.contentType} but its content is ${CLIENT_FILE_TYPES[contentType]}.`;
    return { ok: false, error: new ApiError(415, 'unsupported_type', message, { declared: declaredFileType(declared.contentType), detected: contentType }), bytes: body.bytes, detected: contentType, closeConnection: false };
  }
  return { ok: true, file: { content, sha256: body.sha256(), size: content.length, contentType } };
}

/**
 * The chunks of `source` until `signal` aborts; then it throws the signal's reason at once, even
 * while a read waits for the network. The read left waiting is not cancelled (that would destroy
 * the socket before the deadline's answer goes out): it ends when the connection closes.
 */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) {
    yield* source;
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  let onAbort = () => undefined as void;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
  });
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal.throwIfAborted();
      const read = iterator.next();
      read.catch(() => undefined);
      const next = await Promise.race([read, aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Answers a stored document as a download: its checked type, never sniffed by the browser, with its
 * SHA-256. The name travels as RFC 6266 `filename*=UTF-8''…` (Koa's `attachment`, the
 * content-disposition package), so "नोटिस DRC.pdf" arrives as it was sent; `filename=` carries an
 * ASCII stand-in for clients that read only that.
 */
export function sendStoredFile(ctx: Context, file: { filename: string; contentType: string | null; sha256: string | null; content: Buffer }): void {
  ctx.attachment(file.filename, { fallback: file.filename.replace(/[^\w.\- ]/g, '_') });
  // After `attachment`, which would set a type from the name's extension: the type is the one the content showed.
  ctx.set('content-type', file.contentType ?? 'application/octet-stream');
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('x-sha256', file.sha256 ?? '');
  ctx.body = file.content;
}
