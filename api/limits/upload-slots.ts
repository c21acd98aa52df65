/**
 * Uploads through the client's link hold their file in this process's memory from the first byte
 * until it is stored (docs/security-limits.md, "The client's link"). The link needs no sign-in, so
 * one link, or one address, could otherwise open as many uploads at once as it likes and hold a
 * file's worth of memory in each for the upload's whole deadline. An upload therefore takes a slot
 * before its bytes are read: at most `perLink` at once per link, `perIp` per address, and the
 * declared sizes of all of them together within `memoryBytes`. There is no queue: an upload over a
 * limit is refused at once, before a byte is read, and the URL stays unused for a retry. The counts
 * live in the process (what they guard is the process's memory), so each api replica has its own.
 */
import { ApiError, unavailable } from '../errors';

export type LinkUploadLimits = {
  /** Uploads of one link at once. */
  perLink: number;
  /** Uploads from one client address at once, over all links. */
  perIp: number;
  /** Declared bytes of all link uploads being received at once (never less than the largest file). */
  memoryBytes: number;
  /** Upload URLs of one link issued and neither used nor expired (checked by the route, in the database). */
  urlsPerLink: number;
};

export const DEFAULT_LINK_UPLOAD_LIMITS: LinkUploadLimits = { perLink: 3, perIp: 6, memoryBytes: 256 * 1024 * 1024, urlsPerLink: 20 };

/** An upload refused for being one too many at once can go again when one of the others ends: uploads of a few MB take seconds. */
export const UPLOAD_BUSY_RETRY_SECONDS = 10;

/** 429 in docs/api.md's shape; `details.limit` says which limit, so the page can say what to do. */
export function tooManyUploads(limit: 'uploads_per_link' | 'uploads_per_ip' | 'upload_urls_per_link', message: string, retryAfterSeconds = UPLOAD_BUSY_RETRY_SECONDS): ApiError {
  return new ApiError(429, 'rate_limited', message, { retryAfterSeconds, limit }, { 'Retry-After': String(retryAfterSeconds) });
}

export type UploadClaim = { link: string; ip: string; bytes: number };

export class UploadSlots {
  private readonly perKey = new Map<string, number>();
  private bytes = 0;
  private granted = 0;

  constructor(readonly limits: Pick<LinkUploadLimits, 'perLink' | 'perIp' | 'memoryBytes'>) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`UploadSlots: ${name} must be a positive integer`);
    }
  }

  /** A slot for one upload, or the refusal; call the returned function once the file is stored or refused. */
  take(claim: UploadClaim): () => void {
    const link = `link:${claim.link}`;
    const ip = `ip:${claim.ip}`;
    if (this.count(link) >= this.limits.perLink) throw tooManyUploads('uploads_per_link', 'Other files are still being uploaded through this link: try again when one of them has finished.');
    if (this.count(ip) >= this.limits.perIp) throw tooManyUploads('uploads_per_ip', 'Too many files are being uploaded from your connection at once: try again when one of them has finished.');
    // Not the client's doing: the service as a whole is receiving as much as it holds at once.
    if (this.bytes + claim.bytes > this.limits.memoryBytes) throw unavailable('Too many files are being uploaded right now; try again in a few seconds.', UPLOAD_BUSY_RETRY_SECONDS);
    this.add(link, 1);
    this.add(ip, 1);
    this.bytes += claim.bytes;
    this.granted += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.add(link, -1);
      this.add(ip, -1);
      this.bytes -= claim.bytes;
    };
  }

  /** Uploads of this link, or from this address, being received now (for tests and metrics). */
  held(kind: 'link' | 'ip', key: string): number {
    return this.count(`${kind}:${key}`);
  }

  /** Slots granted since the process started; it only grows, so a check of it never misses a short upload. */
  taken(): number {
    return this.granted;
  }

  /** Declared bytes of the uploads being received now. */
  bytesHeld(): number {
    return this.bytes;
  }

  private count(key: string): number {
    return this.perKey.get(key) ?? 0;
  }

  private add(key: string, delta: number): void {
    const next = this.count(key) + delta;
    if (next <= 0) this.perKey.delete(key);
    else this.perKey.set(key, next);
  }
}
