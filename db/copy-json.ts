/**
 * A document's JSON, exactly as JSON.stringify writes it, with COPY's text-format escaping, written
 * straight into UTF-8 bytes: the import rows' `doc` column as an upload's parser thread makes it
 * (copy-text.ts). Making a lakh of documents' lines with JSON.stringify, a regular expression for
 * COPY's escapes, a template string and an encode per line was the largest part of a parser
 * thread's time that the parse + COPY floor does not pay (docs/performance.md, "End to end"): each
 * line was a string made three or four times over. Here every character is looked at once and
 * written once.
 *
 * Only what the readers make is written here: objects (plain, or a class's instances, as the
 * readers' documents are) and arrays, strings, numbers, booleans, null, and properties that are
 * undefined, functions or symbols (left out, as JSON.stringify leaves them). Anything else (a
 * `toJSON`, a Date, a boxed value (whatever its prototype), another realm's object, a BigInt, a cycle, too deep a nesting)
 * and any text jsonb cannot hold (NUL, an unpaired surrogate) make `writeCopyJson` answer false
 * and write nothing that counts; the caller then takes JSON.stringify's way for that document,
 * which gives its exact text, refusal or error. tests/unit/imports/copy-text.test.ts holds the two
 * ways to each other, byte for byte.
 */

import { constants as bufferConstants } from 'node:buffer';
import { types } from 'node:util';

/** Nesting past which JSON.stringify's own way is taken (and for a cycle, its TypeError thrown). */
const MAX_DEPTH = 64;

/** Buffer's largest size in this Node.js (2^32 bytes on 64-bit Node 20). */
const MAX_BUFFER = bufferConstants.MAX_LENGTH;

/**
 * The most bytes one UTF-16 unit can become: a control character is JSON's `\u001f`, whose
 * backslash COPY doubles (7 bytes); a backslash 4; anything else 3 at most (a pair 4 for 2 units).
 */
const MAX_BYTES_PER_UNIT = 7;

/** JSON's short escapes (`\b`, `\t`, `\n`, `\f`, `\r`) by character code; 0 where it writes `\u00xx`. */
const SHORT_ESCAPE = new Uint8Array(0x20);
SHORT_ESCAPE[0x08] = 0x62;
SHORT_ESCAPE[0x09] = 0x74;
SHORT_ESCAPE[0x0a] = 0x6e;
SHORT_ESCAPE[0x0c] = 0x66;
SHORT_ESCAPE[0x0d] = 0x72;
const HEX = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

const TRUE = Uint8Array.from('true', (c) => c.charCodeAt(0));
const FALSE = Uint8Array.from('false', (c) => c.charCodeAt(0));
const NULL = Uint8Array.from('null', (c) => c.charCodeAt(0));

/** The documents' text would not fit in memory (or past 4 GB, in the lines' 32-bit ends). */
export class CopyTextTooLarge extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyTextTooLarge';
  }
}

/**
 * A growing block of bytes. Its buffer is its own memory (not a slice of Node's shared pool), so it
 * can be handed to another thread as it is.
 */
export class ByteBlock {
  out: Buffer;
  at = 0;
  /** A prototype other than Object's whose instances were found to be ordinary objects (`plainChain`). */
  plainProto: object | null = null;

  /**
   * `limit`: the most bytes the block may hold, Buffer's largest size unless a caller wants less
   * (a test of what a text too large for memory becomes, without filling the memory).
   */
  constructor(size: number, readonly limit: number = MAX_BUFFER) {
    this.out = Buffer.allocUnsafeSlow(Math.max(Math.min(size, limit), 64));
  }

  /** Room for `n` more bytes. */
  room(n: number): void {
    // Doubling stops at Buffer's largest size, so a text that fits is never refused for the
    // doubling alone; what needs more than that is refused by the allocation (reserve).
    if (this.out.length - this.at < n) this.reserve(Math.max(this.at + n, Math.min(this.out.length * 2, this.limit)));
  }

  /**
   * A buffer of `size` bytes in all, the bytes so far copied into it. Memory is cheap to reserve
   * and dear to touch: a page of a new buffer costs its first write a fault, measured at 0.14 s of
   * CPU for 45 MB, as long as writing the text itself. So the block is reserved once at about its
   * final size (`importRowsText`), rather than doubled from a small start (each doubling touching
   * a new buffer of twice the size for the copy alone); what is reserved and never written is
   * never touched.
   */
  reserve(size: number): void {
    if (size <= this.out.length) return;
    if (Number.isSafeInteger(size) && size > this.limit) throw new CopyTextTooLarge(`the documents' COPY text needs a block of ${size} bytes, more than its limit of ${this.limit}`);
    let grown: Buffer;
    try {
      grown = Buffer.allocUnsafeSlow(size);
    } catch (error) {
      // Past Buffer's largest size, or memory the process cannot have: the text is too large for
      // it, said as such (copy-text.ts), not as an error of the code. By name: Node's RangeError
      // need not be this realm's (under jest it is not).
      // A size that is not a positive whole number is the code's error, not the text's size.
      if ((error as { name?: unknown }).name === 'RangeError' && Number.isSafeInteger(size) && size > 0) throw new CopyTextTooLarge(`the documents' COPY text needs a block of ${size} bytes, more than can be allocated`);
      throw error;
    }
    this.out.copy(grown, 0, 0, this.at);
    this.out = grown;
  }

  /** A non-negative integer's decimal digits (a line's `seq`). */
  digits(n: number): void {
    this.room(16);
    if (n < 10) {
      this.out[this.at++] = 0x30 + n;
      return;
    }
    const s = String(n);
    for (let i = 0; i < s.length; i += 1) this.out[this.at++] = s.charCodeAt(i);
  }

  byte(b: number): void {
    this.room(1);
    this.out[this.at++] = b;
  }

  /** A string as UTF-8, as Buffer#write writes it (used for JSON.stringify's way). */
  text(s: string): void {
    this.room(s.length * 3);
    this.at += this.out.write(s, this.at, 'utf8');
  }
}

/**
 * Writes `value`'s JSON, COPY-escaped, at the block's end. False when `value` holds anything this
 * writer leaves to JSON.stringify (above); the bytes written past the block's `at` on entry then
 * mean nothing, and the caller sets `at` back.
 */
export function writeCopyJson(block: ByteBlock, value: unknown): boolean {
  return writeValue(block, value, 0);
}

function writeValue(block: ByteBlock, value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return writeString(block, value);
    case 'number':
      writeNumber(block, value);
      return true;
    case 'boolean':
      writeAscii(block, value ? TRUE : FALSE);
      return true;
    case 'object':
      if (value === null) {
        writeAscii(block, NULL);
        return true;
      }
      if (depth >= MAX_DEPTH) return false;
      return Array.isArray(value) ? writeArray(block, value, depth) : writeObject(block, value as Record<string, unknown>, depth);
    default:
      // undefined, a function or a symbol as the value itself: JSON.stringify's own answer.
      return false;
  }
}

/**
 * Whether an instance of this prototype is of this realm (its chain ends at this realm's
 * Object.prototype), as a class's instances are (the readers' documents). A boxed value is told
 * by what it is (`isBoxedPrimitive`), not by its prototype, and a `toJSON` is looked for on each
 * object itself.
 */
function plainChain(proto: object): boolean {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (p === Object.prototype) return true;
  }
  return false;
}

/** Whether JSON.stringify would leave this property out of an object (or write null in an array). */
const skipped = (value: unknown): boolean => value === undefined || typeof value === 'function' || typeof value === 'symbol';

function writeObject(block: ByteBlock, value: Record<string, unknown>, depth: number): boolean {
  // JSON.stringify writes a boxed number, string or boolean (a BigInt's box throws, a symbol's is
  // {}) by its internal slot, whatever its prototype says: Object.setPrototypeOf(new Number(5),
  // Object.prototype) is 5 to it.
  if (typeof value.toJSON === 'function' || types.isBoxedPrimitive(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null && proto !== block.plainProto) {
    if (!plainChain(proto)) return false;
    // The readers' documents are instances of a class or two: the one last seen is remembered.
    block.plainProto = proto;
  }
  block.byte(0x7b);
  let first = true;
  // Object.keys is JSON.stringify's own list: own enumerable string keys, in property order.
  for (const key of Object.keys(value)) {
    const inner = value[key];
    if (skipped(inner)) continue;
    if (!first) block.byte(0x2c);
    first = false;
    if (!writeString(block, key)) return false;
    block.byte(0x3a);
    if (!writeValue(block, inner, depth + 1)) return false;
  }
  block.byte(0x7d);
  return true;
}

function writeArray(block: ByteBlock, value: readonly unknown[], depth: number): boolean {
  if (Object.getPrototypeOf(value) !== Array.prototype || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  block.byte(0x5b);
  for (let i = 0; i < value.length; i += 1) {
    if (i > 0) block.byte(0x2c);
    const inner = value[i];
    if (skipped(inner)) writeAscii(block, NULL);
    else if (!writeValue(block, inner, depth + 1)) return false;
  }
  block.byte(0x5d);
  return true;
}

function writeAscii(block: ByteBlock, bytes: Uint8Array): void {
  block.room(bytes.length);
  const out = block.out;
  let at = block.at;
  for (let i = 0; i < bytes.length; i += 1) out[at++] = bytes[i]!;
  block.at = at;
}

/** JSON's number: what String gives for a finite number (an int32's digits written here), else null. */
function writeNumber(block: ByteBlock, n: number): void {
  block.room(32);
  const out = block.out;
  let at = block.at;
  if ((n | 0) === n) {
    // -0 passes here as 0, which is what JSON.stringify writes for it.
    let v = n | 0;
    if (v < 0) {
      out[at++] = 0x2d;
      if (v === -0x80000000) {
        // Its magnitude is not an int32.
        block.at = at;
        writeAsciiString(block, '2147483648');
        return;
      }
      v = -v;
    }
    if (v < 10) out[at++] = 0x30 + v;
    else {
      let width = 1;
      for (let p = 10; p <= v; p *= 10) width += 1;
      for (let i = at + width - 1; i >= at; i -= 1) {
        out[i] = 0x30 + (v % 10);
        v = (v / 10) | 0;
      }
      at += width;
    }
    block.at = at;
    return;
  }
  block.at = at;
  writeAsciiString(block, Number.isFinite(n) ? String(n) : 'null');
}

/** A string known to be ASCII with nothing to escape (a number's text). */
function writeAsciiString(block: ByteBlock, s: string): void {
  block.room(s.length);
  for (let i = 0; i < s.length; i += 1) block.out[block.at++] = s.charCodeAt(i);
}

/**
 * A JSON string, COPY-escaped: JSON's escapes (`\"`, `\\`, the short ones, `\u00xx` for the other
 * control characters, in lower-case hex as JSON.stringify writes them) with their backslashes
 * doubled for COPY, everything else as UTF-8. COPY's own specials (tab, newline, carriage return,
 * backslash) can only appear as JSON's escapes, so doubling those backslashes is all COPY needs.
 * False for NUL or an unpaired surrogate, which jsonb refuses (copy-text.ts names them).
 */
function writeString(block: ByteBlock, s: string): boolean {
  const n = s.length;
  block.room(n * MAX_BYTES_PER_UNIT + 2);
  const out = block.out;
  let at = block.at;
  out[at++] = 0x22;
  for (let i = 0; i < n; i += 1) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
        out[at++] = c;
        continue;
      }
      if (c === 0) return false;
      out[at++] = 0x5c;
      out[at++] = 0x5c;
      if (c === 0x22) out[at++] = 0x22;
      else if (c === 0x5c) {
        out[at++] = 0x5c;
        out[at++] = 0x5c;
      } else if (SHORT_ESCAPE[c] !== 0) out[at++] = SHORT_ESCAPE[c]!;
      else {
        out[at++] = 0x75;
        out[at++] = 0x30;
        out[at++] = 0x30;
        out[at++] = HEX[c >> 4]!;
        out[at++] = HEX[c & 15]!;
      }
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    } else {
      const low = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || low < 0xdc00 || low > 0xdfff) return false;
      const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      out[at++] = 0xf0 | (cp >> 18);
      out[at++] = 0x80 | ((cp >> 12) & 0x3f);
      out[at++] = 0x80 | ((cp >> 6) & 0x3f);
      out[at++] = 0x80 | (cp & 0x3f);
      i += 1;
    }
  }
  out[at++] = 0x22;
  block.at = at;
  return true;
}
