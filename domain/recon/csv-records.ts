/**
 * The register CSV's tokenizer: the records csv-parse gives with the register reader's options
 * (`relax_quotes`, `relax_column_count`, `skip_empty_lines: false`, `bom`, `from_line`, `info`),
 * with `info.lines` as csv-parse counts it, for the files that are plain CSV, at several times
 * csv-parse's speed (docs/performance.md, "Readers"): a line without a quote is split natively,
 * and a quoted field is found with `indexOf`.
 *
 * It reads only the part of CSV where every parser agrees: unquoted fields, quoted fields whose
 * closing quote is followed by the delimiter or the line end, doubled quotes inside quotes,
 * newlines inside quotes, and one line ending throughout (LF, or CRLF). On anything else (a
 * character after a closing quote such as `"ab"c`, a quote never closed, a bare CR, a bare LF in a
 * CRLF file, a record over a megabyte) it stops at the start of that record and hands the rest of
 * the text to its caller (`fallback`), which parses it with csv-parse itself: every record before
 * is one csv-parse would have given, and csv-parse reads the rest, its quirks and errors included.
 * tests/unit/recon/csv-records.test.ts compares the two on generated files.
 */

/** Takes one record and csv-parse's `info.lines` for it; false stops the read. The record is the handler's to keep. */
export type CsvRecordHandler = (record: string[], line: number) => boolean;

/** Where csv-parse must take over: the text from the start of a record on, its line and the `from_line` to give it. */
export interface CsvFallback {
  rest: string;
  /** The line the record starts on (csv-parse's count). */
  line: number;
  /** `from_line` for a csv-parse fed `line - 1` empty lines and then `rest`. */
  fromLine: number;
  /** The line ending seen ('' when none was decided yet, which happens only on the first line). */
  newline: '' | '\n' | '\r\n';
}

/** A record longer than this goes to csv-parse, so that a quote never closed is not rescanned chunk after chunk. */
export const RECORD_MAX = 1 << 20;

const QUOTE = 34;
const CR = 13;
const LF = 10;

export class CsvRecords {
  private pending = '';
  /** 0: no line ending seen yet; 1: LF; 2: CRLF. */
  private mode: 0 | 1 | 2 = 0;
  /** csv-parse's `info.lines` at the current position. */
  private line = 1;
  /** Records ended so far (emitted or skipped before `from_line`). */
  private records = 0;
  private enabled: boolean;
  private readonly delimCode: number;
  /** Set when the handler said stop. */
  stopped = false;
  /** Set when a record outside the plain part of CSV was met (see the module's comment). */
  fallback: CsvFallback | null = null;
  /**
   * Set to read on without records: every check still runs (a record outside plain CSV still sets
   * `fallback`), but no record is built or handed on. The header search reads its whole prefix
   * this way once it has the header, to learn only whether csv-parse would have to read it.
   */
  discard = false;

  /** The array handed on, and never read, while `discard` is set. */
  private readonly scratch: string[] = [];
  /** The last quoted line's field count: a new record's array is made that long. */
  private width = 0;

  constructor(
    private readonly delimiter: string,
    private readonly fromLine: number,
    private readonly onRecord: CsvRecordHandler,
  ) {
    if (!CsvRecords.reads(delimiter)) throw new Error(`unsupported CSV delimiter ${JSON.stringify(delimiter)}`);
    this.delimCode = delimiter.charCodeAt(0);
    this.enabled = fromLine <= 1;
  }

  /** Whether this tokenizer takes `delimiter` (one character, not a quote or a line ending). */
  static reads(delimiter: string): boolean {
    return delimiter.length === 1 && delimiter !== '"' && delimiter !== '\r' && delimiter !== '\n';
  }

  /** Feed decoded text (a streaming decoder's output: the BOM already dropped). */
  write(chunk: string): void {
    if (this.stopped || this.fallback) return;
    const text = this.pending.length === 0 ? chunk : this.pending + chunk;
    const used = this.parse(text, false);
    if (this.fallback || this.stopped) return;
    this.pending = used === 0 ? text : text.slice(used);
    if (this.pending.length > RECORD_MAX) this.giveUp(this.pending, 0, this.line);
  }

  end(): void {
    if (this.stopped || this.fallback) return;
    const text = this.pending;
    this.pending = '';
    this.parse(text, true);
  }

  private giveUp(text: string, at: number, line: number): number {
    this.fallback = {
      rest: text.slice(at),
      line,
      fromLine: this.enabled ? line : this.fromLine,
      newline: this.mode === 2 ? '\r\n' : this.mode === 1 ? '\n' : '',
    };
    return -1;
  }

  /** One ended record: skipped before `from_line` as csv-parse skips it, else handed on. */
  private emit(record: string[], terminated: boolean): boolean {
    this.records += 1;
    if (!this.enabled) {
      // csv-parse turns emission on at the delimiter of the record ending on line from_line - 1,
      // and drops that record.
      if (terminated && this.line + 1 >= this.fromLine) this.enabled = true;
      return true;
    }
    if (this.discard) return true;
    if (!this.onRecord(record, this.line)) {
      this.stopped = true;
      return false;
    }
    return true;
  }

  /** Reads the complete records of `text`; returns how much of it was used (-1 after a fallback or a stop). */
  private parse(text: string, eof: boolean): number {
    const n = text.length;
    if (this.mode === 0) {
      const lf = text.indexOf('\n');
      const cr = text.indexOf('\r');
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        if (cr + 1 >= n && !eof) return 0;
        if (cr + 1 >= n || text.charCodeAt(cr + 1) !== LF) return this.giveUp(text, 0, this.line);
        this.mode = 2;
      } else if (lf >= 0) this.mode = 1;
      else if (!eof) return 0;
      else this.mode = 1; // one line and no line ending: which ending does not matter
    }
    const crlf = this.mode === 2;
    const d = this.delimiter;
    const dc = this.delimCode;
    let p = 0;
    // The next LF, quote and CR at or after the current position (n when there is none): each is
    // searched again only once passed, so these checks cost one native scan of the text each.
    let e = -1;
    let nextQuote = -1;
    let nextCr = -1;
    while (p < n) {
      if (e < p) {
        e = text.indexOf('\n', p);
        if (e < 0) e = n;
      }
      if (e === n && !eof) return p;
      if (nextQuote < p) {
        nextQuote = text.indexOf('"', p);
        if (nextQuote < 0) nextQuote = n;
      }
      if (nextCr < p) {
        nextCr = text.indexOf('\r', p);
        if (nextCr < 0) nextCr = n;
      }
      let lineEnd = e;
      if (crlf && e < n) {
        // In a CRLF file a bare LF is no line ending for csv-parse.
        if (e === p || text.charCodeAt(e - 1) !== CR) return this.giveUp(text, p, this.line);
        lineEnd = e - 1;
      }
      if (nextQuote >= lineEnd) {
        // No quote on the line: split it natively (a CR inside it would count as a line for csv-parse).
        if (nextCr < lineEnd) return this.giveUp(text, p, this.line);
        const terminated = e < n;
        if (!this.emit(this.discard ? this.scratch : text.slice(p, lineEnd).split(d), terminated)) return -1;
        if (terminated) this.line += 1;
        p = e + 1;
        continue;
      }
      // A quote on the line: field by field; a quoted field may run over several lines.
      const start = p;
      const lineAtStart = this.line;
      // A new array for every record, made as long as the last one and written by index (the
      // length set once at the end): an array that was grown field by field would be allocated
      // again as it grew, and one array reused from record to record was long-lived, so every
      // field written into it paid V8's write barrier (docs/performance.md, "Readers").
      const record = new Array<string>(this.width);
      let fields = 0;
      let q = p;
      let terminated = false;
      let next: number;
      for (;;) {
        if (e < q) {
          e = text.indexOf('\n', q);
          if (e < 0) e = n;
        }
        if (nextCr < q) {
          nextCr = text.indexOf('\r', q);
          if (nextCr < 0) nextCr = n;
        }
        if (q < n && text.charCodeAt(q) === QUOTE) {
          let s = q + 1;
          let escaped = false;
          let j: number;
          for (;;) {
            j = text.indexOf('"', s);
            if (j >= 0 && j + 1 < n && text.charCodeAt(j + 1) === QUOTE) {
              s = j + 2;
              escaped = true;
              continue;
            }
            break;
          }
          if (j < 0 || (j + 1 >= n && !eof)) {
            this.line = lineAtStart;
            // Not closed in this text: wait for more, or at the end let csv-parse report it.
            return eof ? this.giveUp(text, start, lineAtStart) : start;
          }
          if (e < j || nextCr < j) {
            // Newlines inside the quotes: csv-parse counts a line for every CR and every LF there,
            if (this.records === 0) {
              // and takes its line ending from the first one outside quotes, which was not seen yet.
              this.line = lineAtStart;
              return this.giveUp(text, start, lineAtStart);
            }
            for (let k = q + 1; k < j; k += 1) {
              const c = text.charCodeAt(k);
              if (c === LF || c === CR) this.line += 1;
            }
          }
          if (!this.discard) {
            const v = text.slice(q + 1, j);
            record[fields++] = escaped ? v.replaceAll('""', '"') : v;
          }
          const after = j + 1;
          if (after >= n) {
            next = n; // the end of the file
            break;
          }
          const c = text.charCodeAt(after);
          if (c === dc) {
            q = after + 1;
            continue;
          }
          if (!crlf && c === LF) {
            terminated = true;
            next = after + 1;
            break;
          }
          if (crlf && c === CR) {
            if (after + 1 >= n && !eof) {
              this.line = lineAtStart;
              return start;
            }
            if (after + 1 < n && text.charCodeAt(after + 1) === LF) {
              terminated = true;
              next = after + 2;
              break;
            }
          }
          // A character after the closing quote (`"ab"c`): csv-parse's relaxed reading is its own.
          this.line = lineAtStart;
          return this.giveUp(text, start, lineAtStart);
        }
        // An unquoted field (a quote inside it is an ordinary character, as csv-parse reads it).
        if (e === n && !eof) {
          this.line = lineAtStart;
          return start;
        }
        let end = e;
        if (crlf && e < n) {
          if (e === q || text.charCodeAt(e - 1) !== CR) {
            this.line = lineAtStart;
            return this.giveUp(text, start, lineAtStart);
          }
          end = e - 1;
        }
        const dAt = text.indexOf(d, q);
        const fieldEnd = dAt >= 0 && dAt < end ? dAt : end;
        if (nextCr < fieldEnd) {
          this.line = lineAtStart;
          return this.giveUp(text, start, lineAtStart);
        }
        if (!this.discard) record[fields++] = text.slice(q, fieldEnd);
        if (fieldEnd === dAt) {
          q = dAt + 1;
          continue;
        }
        terminated = e < n;
        next = e + 1;
        break;
      }
      if (record.length !== fields) record.length = fields;
      this.width = fields;
      if (!this.emit(record, terminated)) return -1;
      if (terminated) this.line += 1;
      p = next;
    }
    return n;
  }
}
