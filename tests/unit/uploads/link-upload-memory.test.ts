/**
 * Unit tests (no server) of what bounds a link upload's memory: the slots of uploads at once (per
 * link, per address, declared bytes in all) and the body reader, which keeps at most the declared
 * size and stops at once when the request's deadline aborts, even while it waits for bytes.
 */
import { ApiError } from '../../../api/errors';
import { UploadSlots } from '../../../api/limits/upload-slots';
import { receiveCheckedFile } from '../../../api/uploads/checked-file';
import { minimalPdf } from '../../fixtures/files/pdf';
import { loadConfig } from '../../../ops/config';

const refusal = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    const e = error as ApiError;
    return { status: e.status, code: e.code, limit: e.details?.limit ?? null, retryAfter: e.headers?.['Retry-After'] ?? null };
  }
};

describe('UploadSlots', () => {
  it('refuses the upload one over a link\'s cap, and takes it once one is given back', () => {
    const slots = new UploadSlots({ perLink: 2, perIp: 10, memoryBytes: 1000 });
    const first = slots.take({ link: 'L', ip: 'a', bytes: 10 });
    slots.take({ link: 'L', ip: 'b', bytes: 10 });
    expect(refusal(() => slots.take({ link: 'L', ip: 'c', bytes: 10 }))).toEqual({ status: 429, code: 'rate_limited', limit: 'uploads_per_link', retryAfter: '10' });
    // Another link is not held by this one.
    expect(refusal(() => slots.take({ link: 'M', ip: 'c', bytes: 10 }))).toBeNull();
    first();
    first(); // given back once, however often called
    expect(slots.held('link', 'L')).toBe(1);
    expect(refusal(() => slots.take({ link: 'L', ip: 'c', bytes: 10 }))).toBeNull();
  });

  it('refuses an address over its cap across links, and any upload past the bytes in all (503)', () => {
    const slots = new UploadSlots({ perLink: 5, perIp: 2, memoryBytes: 100 });
    slots.take({ link: 'L', ip: 'a', bytes: 40 });
    slots.take({ link: 'M', ip: 'a', bytes: 40 });
    expect(refusal(() => slots.take({ link: 'N', ip: 'a', bytes: 1 }))).toEqual({ status: 429, code: 'rate_limited', limit: 'uploads_per_ip', retryAfter: '10' });
    expect(refusal(() => slots.take({ link: 'N', ip: 'b', bytes: 21 }))).toEqual({ status: 503, code: 'unavailable', limit: null, retryAfter: '10' });
    expect(refusal(() => slots.take({ link: 'N', ip: 'b', bytes: 20 }))).toBeNull();
    expect(slots.bytesHeld()).toBe(100);
  });

  it('counts every slot it grants, never the refused ones, and the count only grows', () => {
    const slots = new UploadSlots({ perLink: 1, perIp: 10, memoryBytes: 100 });
    const release = slots.take({ link: 'L', ip: 'a', bytes: 10 });
    expect(refusal(() => slots.take({ link: 'L', ip: 'a', bytes: 10 }))).not.toBeNull();
    release();
    expect(slots.taken()).toBe(1);
    slots.take({ link: 'L', ip: 'a', bytes: 10 });
    expect(slots.taken()).toBe(2);
  });
});

describe('receiveCheckedFile', () => {
  it('ends the read with the deadline\'s reason while it waits for bytes that never come', async () => {
    const deadline = new AbortController();
    let pulled = 0;
    async function* stalled(): AsyncGenerator<Buffer> {
      yield Buffer.from('%PDF-1.4\n');
      pulled += 1;
      await new Promise(() => undefined); // the client sends nothing more
    }
    const reading = receiveCheckedFile(stalled(), 1000, { contentType: 'application/pdf', size: 500 }, { signal: deadline.signal });
    const reason = new ApiError(503, 'request_timeout', 'too slow');
    // Aborted once the reader has taken the first chunk and waits for the next.
    await new Promise<void>((resolve) => {
      const check = () => (pulled > 0 ? resolve() : setImmediate(check));
      check();
    });
    deadline.abort(reason);
    await expect(reading).rejects.toBe(reason);
  });

  it('counts a body past its declared size without keeping it: refused with the bytes that arrived', async () => {
    const pdf = minimalPdf('declared');
    async function* longer(): AsyncGenerator<Buffer> {
      yield pdf;
      yield Buffer.alloc(50);
    }
    const result = await receiveCheckedFile(longer(), 10_000, { contentType: 'application/pdf', size: pdf.length });
    expect(result.ok ? 'stored' : [result.error.status, result.bytes]).toEqual([400, pdf.length + 50]);
    async function* whole(): AsyncGenerator<Buffer> {
      yield pdf;
    }
    const exact = await receiveCheckedFile(whole(), 10_000, { contentType: 'application/pdf', size: pdf.length });
    expect(exact.ok && exact.file.size).toBe(pdf.length);
  });

  it('keeps the file in one buffer of its declared size, copied from the chunks (none of them kept)', async () => {
    const pdf = minimalPdf('x'.repeat(20_000));
    const chunks: Buffer[] = [];
    for (let at = 0; at < pdf.length; at += 1000) chunks.push(Buffer.from(pdf.subarray(at, at + 1000)));
    async function* pieces(): AsyncGenerator<Buffer> {
      yield* chunks;
    }
    const result = await receiveCheckedFile(pieces(), 100_000, { contentType: 'application/pdf', size: pdf.length });
    if (!result.ok) throw new Error(`refused: ${result.error.message}`);
    // The chunks overwritten afterwards: the file does not share their memory.
    for (const chunk of chunks) chunk.fill(0);
    expect({ same: result.file.content.equals(pdf), allocated: result.file.content.buffer.byteLength }).toEqual({ same: true, allocated: pdf.length });
  });
});

describe('the link\'s upload limits in the configuration', () => {
  it('has the documented defaults and reads each variable', () => {
    expect(loadConfig({}).mail.linkUploads).toEqual({ perLink: 3, perIp: 6, memoryBytes: 256 * 1024 * 1024, urlsPerLink: 20 });
    const set = loadConfig({ FOLLOW_UP_LINK_UPLOADS_PER_LINK: '1', FOLLOW_UP_LINK_UPLOADS_PER_IP: '2', FOLLOW_UP_LINK_UPLOAD_MEMORY_MB: '64', FOLLOW_UP_LINK_UPLOAD_URLS: '5' });
    expect(set.mail.linkUploads).toEqual({ perLink: 1, perIp: 2, memoryBytes: 64 * 1024 * 1024, urlsPerLink: 5 });
    expect(() => loadConfig({ FOLLOW_UP_LINK_UPLOADS_PER_LINK: '0' })).toThrow(/FOLLOW_UP_LINK_UPLOADS_PER_LINK/);
  });
});
