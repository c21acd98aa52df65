/**
 * The import rows' COPY text (db/copy-text.ts, `importRowsText`), written straight into bytes
 * (db/copy-json.ts), is byte for byte what JSON.stringify, COPY's escaping and an encode per line
 * made before (copy-text-reference.ts), for every input: the readers' documents, the awkward texts
 * in every field and as keys, numbers of every kind, what only JSON.stringify writes (a toJSON,
 * a Date, boxed values, a Map, a BigInt, a cycle), and generated values of every shape and every
 * UTF-16 unit. A refusal (NUL, an unpaired surrogate) names the same document, field and text,
 * and an error is the same error.
 */
import fc from 'fast-check';
import { ByteBlock } from '../../../db/copy-json';
import { CopyTextTooLarge, importRowsText, MAX_RESERVE, UnstorableText } from '../../../db/copy-text';
import { readGstr2a } from '../../../domain/recon/gstr2a-reader';
import { readGstr2b } from '../../../domain/recon/gstr2b-reader';
import { readRegisterCsv } from '../../../domain/recon/register-reader';
import { generateReconData, toGstr2aJson, toGstr2bJson, toRegisterCsv } from '../../../ops/bench/recon-data';
import { AWKWARD_TEXTS } from '../../harness/run-imports';
import { ReferenceUnstorableText, referenceRowsText } from './copy-text-reference';

type Outcome = { lines: string[]; ends: number[] } | { threw: string; message: string; refused?: { index: number; field: string; what: string } };

/** What a way of making the text gives for `docs`: its lines (as bytes, hex) and line ends, or what it threw. */
function outcome(make: (docs: readonly unknown[]) => { bytes: Uint8Array; ends: Uint32Array }, docs: readonly unknown[]): Outcome {
  try {
    const { bytes, ends } = make(docs);
    const lines: string[] = [];
    for (let i = 0, from = 0; i < ends.length; from = ends[i]!, i += 1) lines.push(Buffer.from(bytes.subarray(from, ends[i])).toString('hex'));
    expect(ends[ends.length - 1] ?? 0).toBe(bytes.length);
    return { lines, ends: [...ends] };
  } catch (error) {
    const e = error as Error & Partial<UnstorableText>;
    const refused = error instanceof UnstorableText || error instanceof ReferenceUnstorableText ? { index: e.index!, field: e.field!, what: e.what! } : undefined;
    return { threw: error instanceof UnstorableText ? 'UnstorableText' : error instanceof ReferenceUnstorableText ? 'UnstorableText' : e.constructor.name, message: e.message, ...(refused ? { refused } : {}) };
  }
}

/** Both ways agree on `docs`; the outcome, for cases that also say what it should be. */
function agree(docs: readonly unknown[]): Outcome {
  const expected = outcome(referenceRowsText, docs);
  const actual = outcome(importRowsText, docs);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    // The first line that differs, readably, rather than two walls of hex.
    const a = 'lines' in actual ? actual.lines : [];
    const e = 'lines' in expected ? expected.lines : [];
    const at = a.findIndex((line, i) => line !== e[i]);
    const show = (hex: string | undefined) => (hex === undefined ? '(none)' : JSON.stringify(Buffer.from(hex, 'hex').toString('utf8')));
    throw new Error(`importRowsText differs from the reference for ${docs.length} documents:\n` +
      (at >= 0 ? `line ${at}: ${show(a[at])}\nexpected: ${show(e[at])}` : `${JSON.stringify(actual).slice(0, 600)}\nexpected: ${JSON.stringify(expected).slice(0, 600)}`));
  }
  return actual;
}

const GSTIN = '29ABCDE1234F1ZW';
const PERIOD = '2024-06';

describe('importRowsText against JSON.stringify and COPY escaping per line', () => {
  it("writes the readers' documents (register, 2B, 2A: instances of the readers' classes) byte for byte", async () => {
    const data = generateReconData({ n: 3000, seed: 11, period: PERIOD, recipientGstin: GSTIN });
    const register = await readRegisterCsv([Buffer.from(toRegisterCsv(data))], { source: 'r.csv' });
    const twoB = await readGstr2b([Buffer.from(toGstr2bJson(data))], { gstin: GSTIN, period: PERIOD });
    const twoA = await readGstr2a([Buffer.from(toGstr2aJson(data))], { gstin: GSTIN, period: PERIOD });
    if (!register.ok || !twoB.ok || !twoA.ok) throw new Error('the generated files did not read');
    for (const docs of [register.rows, [...twoB.documents, ...twoB.rejected], twoA.documents]) {
      expect(docs.length).toBeGreaterThan(2000);
      const made = agree(docs);
      expect('lines' in made && made.lines.length).toBe(docs.length);
    }
  });

  it('writes the awkward texts in every field, as keys and in arrays and nested objects', () => {
    const texts = [...AWKWARD_TEXTS, '"', '\\"', '\\u0000 as text', '\\\\u0000', 'é', '\u0080\u07ff\u0800\uffff', '\ud83e\uddfe', '\u001f\u0000'.slice(0, 1), '\b\f'];
    const docs = texts.flatMap((text, i) => [
      { rowRef: text, supplierGstin: text, invoiceNumberRaw: text, taxableValue: i, reverseCharge: i % 2 === 0, sourceLines: [text, text] },
      { [text]: text, nested: { [text]: [text, { deeper: text }], text }, n: -i },
      text,
    ]);
    const made = agree(docs);
    expect('lines' in made && made.lines.length).toBe(docs.length);
  });

  it('writes numbers as JSON.stringify does', () => {
    const numbers = [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53) - 2, 1e21, 1e-7, 0.1, -0.5,
      123456789012, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, NaN, Infinity, -Infinity, 4294967296, 1.5e300];
    agree([numbers, ...numbers, { numbers }, numbers.map((n) => ({ n }))]);
  });

  it('leaves what only JSON.stringify writes to it: toJSON, dates, boxed values, maps, typed arrays, null prototypes, holes, getters', () => {
    class WithToJson {
      constructor(readonly x: number) {}
      toJSON(): unknown {
        return { replaced: this.x };
      }
    }
    class Plain {
      a = 1;
      b = 'two';
    }
    const nullProto = Object.assign(Object.create(null) as object, { a: 'b' });
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const withGetter = { get g() { return 'got'; }, h: 1 };
    const skipped = { u: undefined, f: () => 1, s: Symbol('s'), kept: 1 };
    agree([
      new Date(Date.UTC(2024, 5, 1)), { when: new Date(0) }, new WithToJson(3), { inner: new WithToJson(4) }, new Plain(),
      Object(1), Object('text'), Object(true), { boxed: Object('x') }, new Map([[1, 2]]), new Set([1]), new Uint8Array([1, 2]),
      nullProto, { nullProto }, holes, withGetter, skipped, [undefined, () => 1, Symbol('s')], null, true, false, 'top-level text', 42,
      { toJSON: 'not a function' }, Object.assign([1, 2], { extra: 'ignored' }),
    ]);
    // Boxed values are told by what they are, not by their prototype (JSON.stringify reads the box).
    const reboxed = (box: object, proto: object | null): object => Object.setPrototypeOf(box, proto) as object;
    const boxes = () => [Object(5), Object('ab'), Object(true), Object(false), Object(Symbol('s')), Object(1n)] as object[];
    for (const proto of [Object.prototype, null, Array.prototype, { toString: () => 'x', valueOf: () => 7 }]) {
      for (const box of boxes()) {
        for (const doc of [reboxed(box, proto), { inner: reboxed(box, proto) }, [reboxed(box, proto)]]) agree([{ ok: 1 }, doc]);
      }
    }
    agree([Object.create(Number.prototype) as object, Object.create(String.prototype) as object, { n: Object.assign(Object.create(Boolean.prototype) as object, { a: 1 }) }]);
  });

  it('throws what JSON.stringify throws (a BigInt, a cycle, an undefined document), and nests as deep as it does', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    for (const bad of [{ n: 1n }, cycle, undefined, () => 1]) {
      expect(agree([{ fine: 1 }, bad])).toMatchObject({ threw: expect.any(String) });
    }
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i += 1) deep = i % 2 ? { d: deep } : [deep];
    agree([deep]);
  });

  it('refuses NUL and unpaired surrogates naming the same document and field, and writes a pair', () => {
    const cases: unknown[] = [
      { a: 'fine', b: 'nul\u0000here' }, { a: 'lone high \ud800' }, { a: 'lone low \udc00 x' }, { a: 'high at end \udbff' },
      { nested: { list: ['ok', 'x\ud800\ud800'] } }, { ['key\u0000']: 1 }, { a: '\\u0000 is text', b: '\\\u0000' },
      { a: 'reversed pair \udc00\ud800' }, ['\u0000'],
    ];
    for (const bad of cases) {
      expect(agree([{ ok: 'first' }, { ok: 'second' }, bad])).toMatchObject({ threw: 'UnstorableText', refused: { index: 2 } });
    }
    expect(agree([{ a: 'pair \ud83e\uddfe', b: '\\u0000 as text', c: '\\ud800 as text' }])).toMatchObject({ lines: [expect.any(String)] });
  });

  it('writes many documents whose later lines are far longer than the first ones (the block grows past its estimate)', () => {
    const docs = Array.from({ length: 3000 }, (_, i) => (i < 600 ? { i } : { i, text: 'ग्राहक\t\\'.repeat(i % 97 === 0 ? 5000 : 40) }));
    agree(docs);
    agree([]);
  });

  it('caps the block reserved from long first lines (256 of 50,000 characters, then 199,744 short ones), and grows past the cap', () => {
    const long = 'x'.repeat(50_000);
    const docs = Array.from({ length: 200_000 }, (_, i) => (i < 256 ? { i, t: long } : { i }));
    agree(docs);
    // The first lines said 12 GB for about 15 MB of text: the reserve is the cap at most.
    const made = importRowsText(docs);
    expect(made.bytes.length).toBeLessThan(16 * 2 ** 20);
    expect(made.bytes.buffer.byteLength).toBeLessThanOrEqual(MAX_RESERVE);
    // A cap below the text: the block doubles past it, to the same bytes.
    const even = Array.from({ length: 3000 }, (_, i) => ({ i, t: 'ग्राहक'.repeat(100) }));
    const capped = importRowsText(even, { maxReserve: 2 ** 20 });
    const free = importRowsText(even);
    expect(capped.bytes.length).toBeGreaterThan(2 ** 20);
    expect(Buffer.from(capped.bytes).equals(Buffer.from(free.bytes))).toBe(true);
    expect([...capped.ends]).toEqual([...free.ends]);
    agree(even);
  });

  it('says a block that cannot be allocated is too large, not a RangeError', () => {
    const block = new ByteBlock(64);
    expect(() => block.reserve(2 ** 33)).toThrow(CopyTextTooLarge);
  });

  it('leaves a size that is not a whole number of bytes to be the error it is, not a too-large text', () => {
    for (const size of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const block = new ByteBlock(64);
      let caught: unknown;
      try {
        block.reserve(size);
      } catch (error) {
        caught = error;
      }
      expect({ size, tooLarge: caught instanceof CopyTextTooLarge, name: (caught as Error | undefined)?.name }).toEqual({ size, tooLarge: false, name: 'RangeError' });
    }
  });

  /** Any UTF-16 unit, weighted towards the ones with a meaning to JSON, to COPY or to UTF-8. */
  const unit = (unstorable: boolean) => fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
    { weight: 3, arbitrary: fc.constantFrom('\t', '\n', '\r', '\\', '"', '\b', '\f', '\u001f', '\u007f', '\u2028', 'N', '.', 'u', '\u00e9', '\u0800', '\uffff') },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 0x1f }).map((c) => String.fromCharCode(c)) },
    { weight: unstorable ? 1 : 0, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff') },
  );
  const value = (unstorable: boolean) => fc.anything({
    stringUnit: unit(unstorable), maxDepth: 4, maxKeys: 6, withNullPrototype: true, withBoxedValues: true, withDate: true,
    withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withObjectString: true, withBigInt: unstorable,
  });

  it('agrees on generated documents of every shape and every kind of text', () => {
    fc.assert(fc.property(fc.array(value(false), { maxLength: 12 }), (docs) => {
      agree(docs);
    }), { numRuns: 600 });
  });

  it('agrees on generated documents that may hold text jsonb refuses, or a BigInt', () => {
    fc.assert(fc.property(fc.array(value(true), { maxLength: 12 }), (docs) => {
      agree(docs);
    }), { numRuns: 600 });
  });
});
