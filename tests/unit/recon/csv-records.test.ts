/**
 * The register reader's tokenizer (csv-records.ts, with csv-parse taking over where a file is not
 * plain CSV: `tokenize` in register-csv.ts) must give exactly the records, line numbers and errors
 * that csv-parse gives with the reader's options, streamed the way the reader streamed it before.
 * Compared on listed cases and on generated files: quotes, delimiters and newlines (LF, CRLF, CR)
 * inside quotes, doubled quotes, stray quotes (`"ab"c`, `ab"c`), quotes never closed, blank lines,
 * BOM, CRLF and LF files and mixed endings, semicolons, tabs and pipes, multi-byte characters, any
 * `from_line`, cut into chunks at every kind of place, and reads stopped early.
 */
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import fc from 'fast-check';
import { CsvRecords } from '../../../domain/recon/csv-records';
import { tokenize } from '../../../domain/recon/register-csv';

interface Read {
  records: Array<[number, string[]]>;
  error: string | null;
}

function* pieces(bytes: Buffer, cuts: readonly number[]): Generator<Buffer> {
  let at = 0;
  for (const c of cuts) {
    const to = Math.min(bytes.length, at + c);
    if (to > at) yield bytes.subarray(at, to);
    at = to;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

async function* asyncPieces(bytes: Buffer, cuts: readonly number[]): AsyncGenerator<Buffer> {
  yield* pieces(bytes, cuts);
}

/** csv-parse alone, as the reader streamed it before csv-records.ts. */
async function viaCsvParse(bytes: Buffer, delimiter: string, fromLine: number, cuts: readonly number[], stopAfter: number): Promise<Read> {
  const out: Read = { records: [], error: null };
  const parser = parseCsv({
    bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true,
    ...(fromLine > 1 ? { from_line: fromLine } : {}),
  });
  try {
    for await (const rec of Readable.from(pieces(bytes, cuts)).pipe(parser) as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      out.records.push([rec.info.lines, rec.record]);
      if (out.records.length >= stopAfter) break;
    }
  } catch (e) {
    out.error = (e as Error).message;
  }
  return out;
}

async function viaTokenize(bytes: Buffer, delimiter: string, fromLine: number, cuts: readonly number[], stopAfter: number): Promise<Read> {
  const out: Read = { records: [], error: null };
  await tokenize(asyncPieces(bytes, cuts), delimiter, fromLine, (record, line) => {
    out.records.push([line, record]);
    return out.records.length < stopAfter;
  }, (e) => {
    out.error = e.message;
  });
  return out;
}

async function same(text: string | Buffer, delimiter = ',', fromLine = 1, cuts: readonly number[] = [], stopAfter = Infinity): Promise<void> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const want = await viaCsvParse(bytes, delimiter, fromLine, cuts, stopAfter);
  const got = await viaTokenize(bytes, delimiter, fromLine, cuts, stopAfter);
  if (want.error !== null) {
    // A streamed csv-parse that fails drops the records still in its stream's buffer (which ones
    // depends on the chunks): ours hands on every record before the error, then the same error.
    // So when the read was stopped by then, ours never reached the error.
    expect(got.records.slice(0, want.records.length)).toEqual(want.records);
    if (got.records.length === stopAfter) got.error = want.error;
    got.records = want.records;
  }
  expect({ text: bytes.toString('utf8'), delimiter, fromLine, cuts, stopAfter, ...got })
    .toEqual({ text: bytes.toString('utf8'), delimiter, fromLine, cuts, stopAfter, ...want });
}

describe('register CSV tokenizer against csv-parse', () => {
  it('reads listed cases as csv-parse does', async () => {
    const cases = [
      '', 'a', 'a,b', 'a,b\n', 'a,b\r\n', 'a,b\r\nc,d', 'a,b\nc,d\n', '\n', '\r\n', '\n\n\n', 'a\n\nb\n', 'a,\n,b\n,\n',
      '"a","b"\n', '"a,b",c\r\n', '"a""b",c\n', '"",""\n', '""', '"a"', '"a\nb",c\n1,2\n', 'x\n"a\r\nb",c\r\n1,2\r\n',
      'x\n"a\rb"\n', 'x\r\n"a\nb"\r\n', '"a\nb",c\n', '"a\r\nb",c\r\n', '"ab"c,d\n', 'x\n"ab"c,d\n1\n', 'ab"c,d\n', 'a,b"c"\n',
      '"ab\n', 'x\n"ab\nc,d\n', 'a\r\nb\nc\r\n', 'a\nb\r\nc\n', 'a\rb\rc', 'a,b\rc\n', 'x\r\na\rb\r\n', '"a" ,b\n', ' "a",b\n',
      '"a"\r', 'x\r\n"a"\r', 'x\r\n"a"\nb\r\n', '\uFEFFa,b\n1,2\n', '\uFEFF"a",b\n', '"a""",b\n', '"""a"\n', 'x\n"a"""b"\n',
      'Co\n\n\nDate,Amt\n1,"1,000.00"\n2,"(5)"\n', 'Grand Total,,,,\n', 'é,ü\n"ñ,ç",ß\n',
    ];
    for (const text of cases) {
      for (const fromLine of [1, 2, 3]) {
        await same(text, ',', fromLine);
        await same(text, ',', fromLine, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
      }
    }
    await same('a;b\n"c;d";e\n', ';');
    await same('a\tb\n"c\td"\te\n', '\t');
    await same('a|b\n"c|d"|e\n', '|');
  });

  it('reads a register in chunks as csv-parse does, and stops where told', async () => {
    const lines = ['Client Pvt Ltd', 'Purchase Register', '', 'Date,Particulars,Value,GSTIN'];
    for (let i = 0; i < 500; i += 1) lines.push(`0${1 + (i % 9)}-04-2024,"Supplier ${i}, Pune","${i},234.50",27AAAAA${i}Z`);
    const text = lines.join('\r\n');
    await same(text, ',', 4, [7, 100, 3, 64 * 1024]);
    await same(text, ',', 4, [5000, 1], 37);
    await same(`${text}\r\n1,"bad"x,3\r\n2,3,4\r\n`, ',', 4, [333, 333, 333]);
  });

  it('reads generated files as csv-parse does', async () => {
    const cell = fc.oneof(
      fc.constantFrom('', 'a', 'Supplier Pvt Ltd', '1,23,456.78', '(1,000.00)', '27AAAAA0000A1Z5', 'é€', '𝄞', ' x '),
      fc.array(fc.constantFrom('a', 'b', ',', ';', '\t', '|', '"', '""', '\n', '\r\n', '\r', ' ', 'é', '€'), { maxLength: 6 }).map((p) => p.join('')),
    );
    // How a cell is written: plain, quoted (quotes doubled), or broken on purpose.
    const written = fc.tuple(cell, fc.constantFrom('plain', 'quoted', 'quoted', 'stray', 'unclosed', 'inner'))
      .map(([v, how]) => {
        if (how === 'plain') return v;
        if (how === 'quoted') return `"${v.replaceAll('"', '""')}"`;
        if (how === 'stray') return `"${v.replaceAll('"', '""')}"x`;
        if (how === 'unclosed') return `"${v}`;
        return `a"${v}`;
      });
    const file = fc.record({
      rows: fc.array(fc.array(written, { minLength: 1, maxLength: 5 }), { maxLength: 12 }),
      delimiter: fc.constantFrom(',', ',', ';', '\t', '|'),
      newline: fc.constantFrom('\n', '\r\n', '\r\n', '\r'),
      mixed: fc.constantFrom(false, false, false, true),
      bom: fc.boolean(),
      trailing: fc.boolean(),
      fromLine: fc.integer({ min: 1, max: 6 }),
      cuts: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
      stopAfter: fc.constantFrom(Infinity, Infinity, 1, 3),
      plainOnly: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(file, async (f) => {
      const rows = f.rows.map((r) => r.map((c) => (f.plainOnly && /^"|"x$|^a"/.test(c) ? c.replace(/^a"|"x$/g, '') : c)));
      let text = rows.map((r, i) => r.join(f.delimiter) + (f.mixed && i % 3 === 1 ? '\n' : f.newline)).join('');
      if (!f.trailing) text = text.replace(/(\r\n|\n|\r)$/, '');
      const bytes = Buffer.from((f.bom ? '\uFEFF' : '') + text);
      await same(bytes, f.delimiter, f.fromLine, f.cuts, f.stopAfter);
    }), { numRuns: 3000 });
  });

  it('reads on without records once told to discard them, ending or giving up where a full read does', () => {
    const cell = fc.oneof(
      fc.constantFrom('', 'a', '1,23,456.78', '"q ""x"" y"', '"a\nb"', '"a\r\nb"', '"ab"c', '"open', 'a"b', 'é€'),
      fc.array(fc.constantFrom('a', ',', '"', '\n', '\r\n', '\r', ' '), { maxLength: 5 }).map((p) => p.join('')),
    );
    const file = fc.record({
      rows: fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 12 }),
      newline: fc.constantFrom('\n', '\r\n'),
      keep: fc.integer({ min: 0, max: 6 }),
      cut: fc.integer({ min: 1, max: 60 }),
    });
    fc.assert(fc.property(file, (f) => {
      const text = f.rows.map((r) => r.join(',')).join(f.newline);
      const read = (discardAfter: number): { records: Array<[number, string[]]>; fallback: unknown; line: unknown } => {
        const records: Array<[number, string[]]> = [];
        const tokens: CsvRecords = new CsvRecords(',', 1, (record, line) => {
          records.push([line, [...record]]);
          if (records.length >= discardAfter) tokens.discard = true;
          return true;
        });
        for (let at = 0; at < text.length; at += f.cut) tokens.write(text.slice(at, at + f.cut));
        tokens.end();
        return { records, fallback: tokens.fallback, line: (tokens as unknown as { line: number }).line };
      };
      const whole = read(Infinity);
      const discarded = read(f.keep);
      expect(discarded.fallback).toEqual(whole.fallback);
      expect(discarded.line).toBe(whole.line);
      expect(discarded.records).toEqual(whole.records.slice(0, Math.max(f.keep, Math.min(1, whole.records.length))));
    }), { numRuns: 2000 });
  });
});
