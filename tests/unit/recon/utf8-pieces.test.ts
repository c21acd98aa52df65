/**
 * The register CSV reader's decoder (utf8-pieces.ts) must give, for any bytes cut anywhere, the
 * text Node's streaming TextDecoder gives: the same characters, a leading BOM dropped (and only
 * that one), one U+FFFD per maximal subpart of an invalid sequence, a character cut by a piece's end
 * decoded whole, and a sequence left open at the end flushed as U+FFFD.
 */
import { TextDecoder } from 'node:util';
import fc from 'fast-check';
import { Utf8Pieces } from '../../../domain/recon/utf8-pieces';

function pieces(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of cuts) {
    const to = Math.min(bytes.length, at + c);
    out.push(bytes.subarray(at, to)); // empty pieces too: a decoder must take them
    at = to;
  }
  out.push(bytes.subarray(at));
  return out;
}

function viaTextDecoder(parts: readonly Uint8Array[]): string {
  const d = new TextDecoder('utf-8');
  let text = '';
  for (const p of parts) text += d.decode(p, { stream: true });
  return text + d.decode();
}

function viaPieces(parts: readonly Uint8Array[]): string {
  const d = new Utf8Pieces();
  let text = '';
  for (const p of parts) text += d.decode(p, true);
  return text + d.decode();
}

/** Printable escapes, so a failure shows where the two texts differ. */
function shown(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function expectSame(bytes: Uint8Array, cuts: readonly number[]): void {
  const parts = pieces(bytes, cuts);
  const want = viaTextDecoder(parts);
  const got = viaPieces(parts);
  if (got !== want) {
    throw new Error(`bytes ${Buffer.from(bytes).toString('hex')} cut ${JSON.stringify(cuts)}: TextDecoder ${shown(want)}, Utf8Pieces ${shown(got)}`);
  }
}

// Bytes where UTF-8 decoders can differ: ASCII, continuation bytes, every kind of lead byte
// (including overlong and surrogate leads and bytes that never start a character), and the BOM.
const interesting = [0x41, 0x2c, 0x0a, 0x0d, 0x22, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbb, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xf8, 0xff];
const byte = fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 255 }));
const chars = fc.constantFrom('a', ',', 'é', '₹', '€', '\ufeff', '😀', '\u0915', '"', '\r\n');
const chunk = fc.oneof(
  fc.array(byte, { maxLength: 12 }).map((b) => Uint8Array.from(b)),
  fc.array(chars, { maxLength: 8 }).map((c) => new Uint8Array(Buffer.from(c.join('')))),
);
const bytesArb = fc.array(chunk, { maxLength: 8 }).map((parts) => new Uint8Array(Buffer.concat(parts)));
const cutsArb = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 12 });

/** One decoder for several streams, each ended by a flush, as a TextDecoder may be reused. */
function expectSameReused(streams: readonly (readonly Uint8Array[])[]): void {
  const want = new TextDecoder('utf-8');
  const got = new Utf8Pieces();
  const texts = streams.map((parts) => {
    let a = '';
    let b = '';
    for (const p of parts) {
      a += want.decode(p, { stream: true });
      b += got.decode(p, true);
    }
    return { want: a + want.decode(), got: b + got.decode() };
  });
  const shownStreams = streams.map((parts) => parts.map((p) => Buffer.from(p).toString('hex')));
  if (texts.some((t) => t.got !== t.want)) {
    throw new Error(`streams ${JSON.stringify(shownStreams)}: TextDecoder ${texts.map((t) => shown(t.want)).join(' | ')}, Utf8Pieces ${texts.map((t) => shown(t.got)).join(' | ')}`);
  }
}

describe('Utf8Pieces decodes as the streaming TextDecoder does', () => {
  it('drops the BOM of a second stream after a flush that had nothing left to decode', () => {
    const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
    expectSameReused([[hex('61')], [hex('efbbbf62')]]);
    expectSameReused([[hex('61'), hex('')], [hex('efbbbf'), hex('62')]]);
  });

  it('reused for generated streams, each flushed', () => {
    fc.assert(fc.property(fc.array(fc.tuple(bytesArb, cutsArb), { minLength: 2, maxLength: 3 }), (streams) => {
      expectSameReused(streams.map(([bytes, cuts]) => pieces(bytes, cuts)));
    }), { numRuns: 2000 });
  });

  it.each([
    ['a BOM at the start', 'efbbbf612c62'],
    ['a BOM later', '61efbbbf62'],
    ['two BOMs', 'efbbbfefbbbf61'],
    ['a BOM cut after its first byte', 'efbbbf61'],
    ['a 4-byte character cut everywhere', '61f09f988062'],
    ['a sequence never finished at the end', '61e282'],
    ['a lead byte at the very end', '61f0'],
    ['a surrogate encoded', '61eda08062'],
    ['overlong forms', 'c0afe080aff08080af'],
    ['lone continuation bytes', '80bf8062'],
    ['bytes that never start a character', 'f5f8ff61'],
    ['a cut sequence ended by ASCII', 'e2822c61'],
  ])('%s', (_name, hex) => {
    const bytes = new Uint8Array(Buffer.from(hex, 'hex'));
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      expectSame(bytes, [cut]);
      expectSame(bytes, Array(bytes.length).fill(1) as number[]);
    }
  });

  it('on generated bytes cut anywhere', () => {
    fc.assert(fc.property(bytesArb, cutsArb, (bytes, cuts) => {
      expectSame(bytes, cuts);
    }), { numRuns: 5000 });
  });
});
