/**
 * A small incremental JSON scanner for large portal files. It walks the structure only down to
 * the containers a caller asks to descend into (e.g. `data.docdata.b2b`), and hands every other
 * value — typically one supplier entry with its invoices — to `JSON.parse` as soon as its text is
 * complete. Memory bound: one input chunk + the text of the value being captured (one supplier's
 * entry) + whatever the caller keeps; the file is never held whole, let alone twice.
 *
 * Only the structural levels are tokenised here; captured values are validated by JSON.parse, so
 * every syntax error is still caught, with the path of the value it occurred in.
 *
 * Arrays whose elements are all handed over whole (`wholeElements`, a portal section's supplier
 * entries) are read in batches where the text allows it (json-batch.ts says how the guess is checked).
 */
import { batchAt, isWs, leadKey } from './json-batch';

export type PathSegment = string | number;

export interface JsonScanHandlers {
  /** Return true to walk into the object/array at `path`; false to receive it whole via `value`. */
  descend(path: readonly PathSegment[], kind: 'object' | 'array'): boolean;
  value(path: readonly PathSegment[], value: unknown): void;
  /**
   * Optional: true when `descend` returns false for every element of the array at `path`, so its
   * elements may be parsed several at a time (they are still handed to `value` one by one, in
   * order, each with its own path).
   */
  wholeElements?(path: readonly PathSegment[]): boolean;
}

export class JsonScanError extends Error {
  constructor(
    message: string,
    readonly code: 'empty' | 'truncated' | 'syntax',
    readonly offset: number,
    readonly path: readonly PathSegment[],
  ) {
    super(message);
    this.name = 'JsonScanError';
  }
}

const enum S {
  Value,
  ValueOrEnd,
  KeyOrEnd,
  Key,
  InKey,
  Colon,
  CommaOrEnd,
  Capture,
  Done,
}

const enum Cap {
  Container,
  Str,
  Primitive,
}

interface Frame {
  object: boolean;
  key: string;
  index: number;
  /** An array whose elements are all handed over whole (JsonScanHandlers.wholeElements). */
  whole: boolean;
  /** The first key of its last element read exactly, as written (`"ctin"`): where later elements are guessed to begin. */
  lead: string;
  /** A batch guess failed in this array: the rest of it is read exactly. */
  failed: boolean;
}

export class JsonPathScanner {
  private state: S = S.Value;
  private readonly stack: Frame[] = [];
  private offset = 0;
  private started = false;
  private keyBuf = '';
  private keyEscape = false;
  private keyHasEscape = false;
  private capKind: Cap = Cap.Container;
  private capParts: string[] = [];
  private capDepth = 0;
  private capInString = false;
  private capEscape = false;
  private capPath: PathSegment[] = [];
  /** Position in the current chunk before which no batch is tried (a guess found nothing there). */
  private batchFrom = 0;

  constructor(private readonly handlers: JsonScanHandlers) {}

  private path(): PathSegment[] {
    const p: PathSegment[] = [];
    for (const f of this.stack) p.push(f.object ? f.key : f.index);
    return p;
  }

  private fail(message: string, at: number, code: 'syntax' | 'truncated' = 'syntax'): never {
    throw new JsonScanError(`${message} at character ${at}`, code, at, this.path());
  }

  private afterValue(): void {
    this.state = this.stack.length === 0 ? S.Done : S.CommaOrEnd;
  }

  private finishCapture(text: string): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new JsonScanError(`invalid JSON in value at ${this.capPath.join('.') || '(root)'}: ${(e as Error).message}`,
        'syntax', this.offset, this.capPath);
    }
    this.capParts = [];
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined && top.whole && this.capKind === Cap.Container) top.lead = leadKey(text);
    this.handlers.value(this.capPath, v);
    this.afterValue();
  }

  /**
   * Elements of the array `top` from `i` (the `{` of one) read as one batch (json-batch.ts).
   * Returns where the elements read end (after the last one's `}`), or `i` when none were.
   */
  private batch(chunk: string, i: number, top: Frame): number {
    const b = batchAt(chunk, i, top.lead);
    if (b.kind === 'none') {
      this.batchFrom = b.retryFrom;
      return i;
    }
    if (b.kind === 'failed') {
      top.failed = true;
      return i;
    }
    const { values, end } = b;
    for (let k = 0; k < values.length; k += 1) {
      if (k > 0) top.index += 1;
      this.handlers.value(this.path(), values[k]);
    }
    this.offset += end - i;
    this.state = S.CommaOrEnd;
    return end;
  }

  write(chunk: string): void {
    let i = 0;
    const n = chunk.length;
    this.batchFrom = 0;
    if (!this.started && n > 0) {
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    while (i < n) {
      const c = chunk.charCodeAt(i);
      switch (this.state) {
        case S.Capture: {
          if (this.capKind === Cap.Primitive) {
            let j = i;
            while (j < n) {
              const d = chunk.charCodeAt(j);
              if (d === 44 || d === 125 || d === 93 || isWs(d)) break;
              j += 1;
            }
            this.capParts.push(chunk.slice(i, j));
            if (j === n) {
              this.offset += j - i;
              i = n;
              continue;
            }
            this.offset += j - i;
            i = j;
            this.finishCapture(this.capParts.join(''));
            continue; // the delimiter is handled by the next state
          }
          // Container or string: scan to the closing character, tracking strings and escapes.
          const start = i;
          let j = i;
          let done = false;
          let depth = this.capDepth;
          let inStr = this.capInString;
          let esc = this.capEscape;
          let nextBackslash = -1;
          while (j < n) {
            if (inStr) {
              // Inside a string: jump to its closing quote (or to the next backslash before it)
              // with indexOf rather than look at every character; most of a portal file is text.
              if (esc) {
                esc = false;
                j += 1;
                continue;
              }
              const quote = chunk.indexOf('"', j);
              if (nextBackslash < j) {
                nextBackslash = chunk.indexOf('\\', j);
                if (nextBackslash < 0) nextBackslash = n;
              }
              if (nextBackslash < (quote < 0 ? n : quote)) {
                // An escape: the character after the backslash is part of the string.
                j = nextBackslash + 1;
                esc = true;
                continue;
              }
              if (quote < 0) {
                j = n;
                break;
              }
              j = quote + 1;
              inStr = false;
              if (depth === 0) {
                done = true;
                break;
              }
              continue;
            }
            const d = chunk.charCodeAt(j);
            j += 1;
            if (d === 34) inStr = true;
            else if (d === 123 || d === 91) depth += 1;
            else if (d === 125 || d === 93) {
              depth -= 1;
              if (depth === 0) {
                done = true;
                break;
              }
            }
          }
          this.capDepth = depth;
          this.capInString = inStr;
          this.capEscape = esc;
          this.capParts.push(chunk.slice(start, j));
          this.offset += j - start;
          i = j;
          if (done) this.finishCapture(this.capParts.length === 1 ? this.capParts[0]! : this.capParts.join(''));
          continue;
        }
        case S.InKey: {
          let j = i;
          let done = false;
          while (j < n) {
            const d = chunk.charCodeAt(j);
            if (this.keyEscape) {
              this.keyEscape = false;
            } else if (d === 92) {
              this.keyEscape = true;
              this.keyHasEscape = true;
            } else if (d === 34) {
              done = true;
              break;
            }
            j += 1;
          }
          this.keyBuf += chunk.slice(i, j);
          this.offset += j - i;
          i = j;
          if (done) {
            const top = this.stack[this.stack.length - 1]!;
            top.key = this.keyHasEscape ? (JSON.parse(`"${this.keyBuf}"`) as string) : this.keyBuf;
            this.state = S.Colon;
            i += 1;
            this.offset += 1;
          }
          continue;
        }
        default:
          break;
      }
      if (isWs(c)) {
        i += 1;
        this.offset += 1;
        continue;
      }
      this.started = true;
      if (this.state === S.ValueOrEnd) {
        if (c === 93) {
          this.stack.pop();
          this.afterValue();
          i += 1;
          this.offset += 1;
          continue;
        }
        this.state = S.Value;
      }
      if (this.state === S.Value) {
        if (c === 123 || c === 91) {
          const top = this.stack[this.stack.length - 1];
          if (c === 123 && top !== undefined && top.whole && !top.failed && top.lead !== '' && i >= this.batchFrom) {
            const end = this.batch(chunk, i, top);
            if (end > i) {
              i = end;
              continue;
            }
          }
          const path = this.path();
          const kind = c === 123 ? 'object' : 'array';
          if (this.handlers.descend(path, kind)) {
            const whole = c === 91 && this.handlers.wholeElements !== undefined && this.handlers.wholeElements(path);
            this.stack.push({ object: c === 123, key: '', index: 0, whole, lead: '', failed: false });
            this.state = c === 123 ? S.KeyOrEnd : S.ValueOrEnd;
            i += 1;
            this.offset += 1;
            continue;
          }
          this.capKind = Cap.Container;
          this.capDepth = 0;
        } else if (c === 34) {
          this.capKind = Cap.Str;
          this.capDepth = 0;
        } else if (c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
          this.capKind = Cap.Primitive;
        } else {
          this.fail(`unexpected character ${JSON.stringify(chunk.charAt(i))}`, this.offset);
        }
        this.capPath = this.path();
        this.capParts = [];
        this.capInString = false;
        this.capEscape = false;
        this.state = S.Capture;
        continue; // capture starts at this same character
      }
      if (this.state === S.KeyOrEnd && c === 125) {
        this.stack.pop();
        this.afterValue();
        i += 1;
        this.offset += 1;
        continue;
      }
      if (this.state === S.KeyOrEnd || this.state === S.Key) {
        if (c !== 34) this.fail('expected a property name', this.offset);
        this.keyBuf = '';
        this.keyEscape = false;
        this.keyHasEscape = false;
        this.state = S.InKey;
        i += 1;
        this.offset += 1;
        continue;
      }
      if (this.state === S.Colon) {
        if (c !== 58) this.fail("expected ':'", this.offset);
        this.state = S.Value;
        i += 1;
        this.offset += 1;
        continue;
      }
      if (this.state === S.CommaOrEnd) {
        const top = this.stack[this.stack.length - 1]!;
        if (c === 44) {
          if (top.object) this.state = S.Key;
          else {
            top.index += 1;
            this.state = S.Value;
          }
        } else if ((c === 125 && top.object) || (c === 93 && !top.object)) {
          this.stack.pop();
          this.afterValue();
        } else {
          this.fail(`unexpected character ${JSON.stringify(chunk.charAt(i))}`, this.offset);
        }
        i += 1;
        this.offset += 1;
        continue;
      }
      this.fail('unexpected data after the end of the JSON value', this.offset);
    }
  }

  end(): void {
    if (this.state === S.Capture && this.capKind === Cap.Primitive) this.finishCapture(this.capParts.join(''));
    if (!this.started) throw new JsonScanError('empty file: no JSON value', 'empty', this.offset, []);
    if (this.state !== S.Done) this.fail('unexpected end of input (truncated JSON)', this.offset, 'truncated');
  }
}

/**
 * Feeds a scanner chunk by chunk. Multi-byte UTF-8 characters can straddle chunks: the streaming
 * decoder keeps the partial bytes. Stops reading as soon as `stop()` says the rest cannot matter
 * (a fatal header problem); scan errors propagate to the reader, which reports them its own way.
 */
export async function scanChunks(
  scanner: JsonPathScanner,
  source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  stop: () => boolean,
): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source as AsyncIterable<string | Uint8Array>) {
    scanner.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (stop()) return;
  }
  const rest = decoder.decode();
  if (rest) scanner.write(rest);
  scanner.end();
}

/** The readers' issue code for a scan failure. */
export function scanErrorCode(error: JsonScanError): 'empty_file' | 'truncated_json' | 'invalid_json' {
  return error.code === 'empty' ? 'empty_file' : error.code === 'truncated' ? 'truncated_json' : 'invalid_json';
}
