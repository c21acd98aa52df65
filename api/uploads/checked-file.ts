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
import { CLIENT_FILE_TYPES, checkedFileType, declaredFileType, isClientFileType, type ClientFileType } from '../../domain/follow-ups';
import { ApiError, forbidden, invalidInput, tooLarge } from '../errors';
import { MeteredBody } from '../imports/metered-body';
import type { UploadClaims, UploadTokens } from '../imports/upload-token';

export const UPLOAD_URL_MINUTES = 15;

const ACCEPTED = Object.values(CLIENT_FILE_TYPES).join(', ');

const tooBig = (maxBytes: number) => tooLarge(`Files may be at most ${Math.round(maxBytes / 1048576)} MB.`);

/** Refuses a declared file the content check would refuse anyway (415), or one over the cap (413). */
export function refuseDeclaredFile(declared: { contentType: string; size: number }, maxBytes: number): void {
  if (!isClientFileType(declared.contentType)) throw new ApiError(415, 'unsupported_type', `Upload one of: ${ACCEPTED}.`);
  if (declared.size > maxBytes) throw tooBig(maxBytes);
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

/** Reads an upload's body under the cap and checks it against its declaration; a refusal says why (and how much arrived). */
export async function receiveCheckedFile(
  source: IncomingMessage | AsyncIterable<Buffer | string>,
  maxBytes: number,
  declared?: DeclaredFile,
): Promise<{ ok: true; file: ReceivedFile } | ({ ok: false } & Refused)> {
  const body = new MeteredBody(source, maxBytes);
  const chunks: Buffer[] = [];
  for await (const chunk of body.chunks()) chunks.push(chunk);
  if (body.overLimit) return { ok: false, error: tooBig(maxBytes), bytes: body.bytes, detected: null, closeConnection: true };
  const content = Buffer.concat(chunks);
  // A different length is a truncated or padded file, whatever it looks like.
  if (declared && content.length !== Number(declared.size)) {
    return { ok: false, error: invalidInput({ fields: { body: `${content.length} bytes arrived; ${declared.size} were declared` } }), bytes: body.bytes, detected: null, closeConnection: false };
  }
  const contentType = checkedFileType(content);
  if (!contentType) return { ok: false, error: new ApiError(415, 'unsupported_type', `The file is not one of: ${ACCEPTED}.`), bytes: body.bytes, detected: null, closeConnection: false };
  if (declared && declaredFileType(declared.contentType) !== contentType) {
    const message = `The file was declared as ${CLIENT_FILE_TYPES[declaredFileType(declared.contentType) as ClientFileType] ?? declared.contentType} but its content is ${CLIENT_FILE_TYPES[contentType]}.`;
    return { ok: false, error: new ApiError(415, 'unsupported_type', message, { declared: declaredFileType(declared.contentType), detected: contentType }), bytes: body.bytes, detected: contentType, closeConnection: false };
  }
  return { ok: true, file: { content, sha256: body.sha256(), size: content.length, contentType } };
}

/** Answers a stored document as a download: its checked type, never sniffed by the browser, with its SHA-256. */
export function sendStoredFile(ctx: Context, file: { filename: string; contentType: string | null; sha256: string | null; content: Buffer }): void {
  ctx.set('content-type', file.contentType ?? 'application/octet-stream');
  ctx.set('content-disposition', `attachment; filename="${file.filename.replace(/[^\w.\- ]/g, '_')}"`);
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('x-sha256', file.sha256 ?? '');
  ctx.body = file.content;
}
