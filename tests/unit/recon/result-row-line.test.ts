/**
 * The result rows' COPY lines (db/recon-rows.ts, `writeResultRowLine`), written straight into a
 * reused block of bytes, are byte for byte what the writer sent when it made each line as a string
 * (`${seq}\t${copyField(category)}\t${copyField(supplierGstin)}\t${copyField(JSON.stringify(row))}\n`,
 * encoded as UTF-8 as the connection encodes a string), for the engine's own rows (the readers'
 * documents inside them, the golden cases' noise) and for awkward text in every field: COPY's
 * specials, `\N` as text, control characters, Unicode, NUL and unpaired surrogates (which the
 * string path sent as they were, for the database to refuse), and generated rows of every shape.
 * What JSON.stringify throws is thrown the same.
 */
import fc from 'fast-check';
import { ByteBlock } from '../../../db/copy-json';
import { copyField } from '../../../db/copy-text';
import { MAX_RESULT_LINE, ResultRowTooLarge, type StoredResult, writeResultRowLine } from '../../../db/recon-rows';
import { reconcile, type BooksRow, type PortalDoc } from '../../../domain/recon';
import { readGstr2b } from '../../../domain/recon/gstr2b-reader';
import { readRegisterCsv } from '../../../domain/recon/register-reader';
import { GOLDEN_CASES, goldenInputs } from '../../../ops/bench/recon-golden';
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../../ops/bench/recon-data';
import { AWKWARD_TEXTS } from '../../harness/run-imports';

/** The line as it was made before the byte writer, kept here to hold the writer to. */
const lineText = (seq: number, r: StoredResult): string =>
  `${seq}\t${copyField(r.category)}\t${copyField(r.supplierGstin)}\t${copyField(JSON.stringify(r.row))}\n`;

type Outcome = { hex: string[] } | { threw: string; message: string };

/** Each row's line as hex, or what was thrown, by one way of writing them into one block. */
function outcome(write: (block: ByteBlock, seq: number, r: StoredResult) => void, rows: readonly StoredResult[], block: ByteBlock): Outcome {
  block.at = 0;
  const hex: string[] = [];
  try {
    for (let i = 0; i < rows.length; i += 1) {
      const from = block.at;
      write(block, i, rows[i]!);
      hex.push(block.out.subarray(from, block.at).toString('hex'));
    }
    return { hex };
  } catch (error) {
    return { threw: (error as Error).constructor.name, message: (error as Error).message };
  }
}

/** The string line encoded as the COPY stream encoded the strings written to it (Buffer.from, UTF-8). */
function reference(block: ByteBlock, seq: number, r: StoredResult): void {
  const bytes = Buffer.from(lineText(seq, r), 'utf8');
  block.room(bytes.length);
  bytes.copy(block.out, block.at);
  block.at += bytes.length;
}

/** Both ways agree on `rows`, the block reused (not new) as a chunk's is: the outcome. */
function agree(rows: readonly StoredResult[], block = new ByteBlock(64)): Outcome {
  const expected = outcome(reference, rows, new ByteBlock(64));
  const actual = outcome(writeResultRowLine, rows, block);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    const a = 'hex' in actual ? actual.hex : [];
    const e = 'hex' in expected ? expected.hex : [];
    const at = a.findIndex((line, i) => line !== e[i]);
    const show = (hex: string | undefined) => (hex === undefined ? '(none)' : JSON.stringify(Buffer.from(hex, 'hex').toString('latin1')));
    throw new Error(`writeResultRowLine differs from the string line for ${rows.length} rows:\n` +
      (at >= 0 ? `line ${at}: ${show(a[at])}\nexpected: ${show(e[at])}` : `${JSON.stringify(actual).slice(0, 600)}\nexpected: ${JSON.stringify(expected).slice(0, 600)}`));
  }
  return actual;
}

/** The engine's rows as the run's writer hands them over (activities/reconciliation.ts). */
function storedRows(books: readonly BooksRow[], portal: readonly PortalDoc[], options = {}): StoredResult[] {
  const outcome = reconcile(books as BooksRow[], portal as PortalDoc[], options);
  try {
    return outcome.rowsBetween(0, outcome.rowCount).map((row) => ({ category: row.category, supplierGstin: row.supplierGstin, row }));
  } finally {
    outcome.release();
  }
}

const GSTIN = '29ABCDE1234F1ZW';
const PERIOD = '2024-06';

describe('result rows written into bytes against the string lines', () => {
  it("writes the engine's rows over the readers' documents byte for byte, in one reused block", async () => {
    const data = generateReconData({ n: 3000, seed: 7, period: PERIOD, recipientGstin: GSTIN });
    const register = await readRegisterCsv([Buffer.from(toRegisterCsv(data))], { source: 'r.csv' });
    const twoB = await readGstr2b([Buffer.from(toGstr2bJson(data))], { gstin: GSTIN, period: PERIOD });
    if (!register.ok || !twoB.ok) throw new Error('the generated files did not read');
    const rows = storedRows(register.rows, [...twoB.documents, ...twoB.rejected]);
    expect(rows.length).toBeGreaterThan(3000);
    const block = new ByteBlock(64);
    const made = agree(rows, block);
    expect('hex' in made && made.hex.length).toBe(rows.length);
    // Written again into the same block (as the chunk after next is): the same bytes.
    expect(agree(rows.slice(0, 500), block)).toEqual({ hex: 'hex' in made ? made.hex.slice(0, 500) : [] });
  });

  it("writes the golden cases' rows (their noise: blank GSTINs, odd numbers, bills of entry, ISD) byte for byte", () => {
    for (const c of GOLDEN_CASES.filter((g) => g.n <= 2_000)) {
      const { books, portal, options } = goldenInputs(c);
      const rows = storedRows(books, portal, options);
      expect(rows.length).toBeGreaterThan(1000);
      agree(rows);
    }
  });

  it('writes awkward text in the category, the GSTIN and the row, NUL and unpaired surrogates included', () => {
    const texts = [...AWKWARD_TEXTS, '\\N', '"', '\\"', 'é', '\u0080\u07ff\u0800\uffff', '\ud83e\uddfe', '\b\f', '\u0000', 'nul\u0000inside',
      'lone high \ud800', 'lone low \udc00 x', 'ends high \udbff', 'reversed \udc00\ud800', '\\u0000 as text', '\t\n\r\\'];
    const rows: StoredResult[] = texts.flatMap((text, i) => [
      { category: text, supplierGstin: text, row: { id: `r${i}`, note: text, reasons: [text], nested: { [text]: [text, { deeper: text }] }, n: -i } },
      { category: 'exact_match', supplierGstin: text, row: text },
      { category: `matched ${text}`, supplierGstin: '29ABCDE1234F1ZW', row: { [text]: text } },
    ]);
    expect(agree(rows)).toMatchObject({ hex: expect.any(Array) });
    // A missing GSTIN or category is SQL NULL, as copyField writes it; a missing row too.
    agree([{ category: null as unknown as string, supplierGstin: undefined as unknown as string, row: undefined }]);
  });

  it('leaves to JSON.stringify what only it writes, and throws what it throws', () => {
    class Dated {
      constructor(readonly at: Date) {}
    }
    agree([{ category: 'c', supplierGstin: 'g', row: { when: new Date(0), boxed: Object('x'), map: new Map([[1, 2]]) } },
      { category: 'c', supplierGstin: 'g', row: new Dated(new Date(86_400_000)) }, { category: 'c', supplierGstin: 'g', row: { toJSON: () => ({ replaced: true }) } }]);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    for (const bad of [{ n: 1n }, cycle, { toJSON: () => { throw new Error('this row cannot be written'); } }]) {
      expect(agree([{ category: 'c', supplierGstin: 'g', row: { fine: 1 } }, { category: 'c', supplierGstin: 'g', row: bad }])).toMatchObject({ threw: expect.any(String) });
    }
  });

  /** Any UTF-16 unit, weighted towards the ones with a meaning to JSON, to COPY or to UTF-8. */
  const unit = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
    { weight: 3, arbitrary: fc.constantFrom('\t', '\n', '\r', '\\', '"', '\b', '\f', '\u001f', '\u007f', '\u2028', 'N', '.', 'u', '\u00e9', '\u0800', '\uffff') },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 0x1f }).map((c) => String.fromCharCode(c)) },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff') },
  );
  const text = fc.string({ unit, maxLength: 12 });
  const row = fc.record({
    category: fc.oneof(text, fc.constantFrom('exact_match', 'probable_match', 'missing_in_portal')),
    supplierGstin: fc.oneof(text, fc.constant('29ABCDE1234F1ZW')),
    row: fc.anything({ stringUnit: unit, maxDepth: 4, maxKeys: 6, withNullPrototype: true, withBoxedValues: true, withDate: true, withMap: true, withSparseArray: true }),
  });

  it('agrees on generated rows of every shape and every kind of text', () => {
    const block = new ByteBlock(64);
    fc.assert(fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
      agree(rows, block);
    }), { numRuns: 800 });
  });
});

describe('a result row too long to store', () => {
  const SECRET = 'NARRATION-27AAACR5055K1Z5';
  const row: StoredResult = { category: 'exact_match', supplierGstin: GSTIN, row: { narration: SECRET.repeat(40) } };
  const size = Buffer.byteLength(lineText(7, row), 'utf8');

  /** What writing `row` as line 7 into `block` with `maxLine` threw: its class and message, or 'written'. */
  function attempt(block: ByteBlock, maxLine?: number): { threw: string; message: string } | 'written' {
    try {
      writeResultRowLine(block, 7, row, maxLine);
      return 'written';
    } catch (error) {
      return { threw: (error as Error).name, message: (error as Error).message };
    }
  }

  it('is refused past its limit (jsonb\'s, about 256 MB), saying which row and how long but nothing it holds', () => {
    expect(MAX_RESULT_LINE).toBe(256 * 2 ** 20);
    expect(attempt(new ByteBlock(64), size)).toBe('written');
    const refused = attempt(new ByteBlock(64), size - 1);
    expect(refused).toEqual({ threw: 'ResultRowTooLarge', message: `result row 7 is ${size} bytes of COPY text, more than the ${size - 1} one row may be` });
    expect(JSON.stringify(refused)).not.toContain('NARRATION');
  });

  it('is refused as a result row, not as an import\'s documents, when its block cannot grow to hold it', () => {
    const refused = attempt(new ByteBlock(64, 512));
    expect(refused).toEqual({ threw: 'ResultRowTooLarge', message: "result row 7's COPY text needs more memory than its block can be given" });
    expect(JSON.stringify(refused)).not.toContain('NARRATION');
    expect(new ResultRowTooLarge('x')).toBeInstanceOf(Error);
  });
});
