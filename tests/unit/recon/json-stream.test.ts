import fc from 'fast-check';
import {
  JsonPathScanner, JsonScanError, scanChunks, scanErrorCode, type JsonScanHandlers, type PathSegment,
} from '../../../domain/recon/json-stream';

type Seen = Array<{ path: PathSegment[]; value: unknown }>;

/** Handlers that walk into containers down to `depth` levels and record every value handed over whole. */
function recorder(depth: number): { handlers: JsonScanHandlers; seen: Seen; descended: string[] } {
  const seen: Seen = [];
  const descended: string[] = [];
  return {
    seen,
    descended,
    handlers: {
      descend(path, kind) {
        if (path.length >= depth) return false;
        descended.push(`${path.join('.')}:${kind}`);
        return true;
      },
      value(path, value) {
        seen.push({ path: [...path], value });
      },
    },
  };
}

/** What the scanner should hand over for `value` with the same descent rule: a reference walk of the parsed tree. */
function expected(value: unknown, depth: number, path: PathSegment[] = [], out: Seen = []): Seen {
  const container = typeof value === 'object' && value !== null;
  if (!container || path.length >= depth) {
    out.push({ path, value });
    return out;
  }
  if (Array.isArray(value)) value.forEach((v, i) => expected(v, depth, [...path, i], out));
  else for (const [k, v] of Object.entries(value)) expected(v, depth, [...path, k], out);
  return out;
}

function scanText(text: string, depth: number, cuts: number[] = []): Seen {
  const r = recorder(depth);
  const scanner = new JsonPathScanner(r.handlers);
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    scanner.write(text.slice(from, cut));
    from = cut;
  }
  scanner.write(text.slice(from));
  scanner.end();
  return r.seen;
}

function scanError(text: string, depth = 1): JsonScanError {
  try {
    scanText(text, depth);
  } catch (e) {
    if (e instanceof JsonScanError) return e;
    throw e;
  }
  throw new Error(`no scan error for ${JSON.stringify(text)}`);
}

describe('json-stream: JsonPathScanner', () => {
  it('hands over what a walk of JSON.parse gives, whatever the depth, layout and chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(0, 1, 2),
        fc.array(fc.nat(), { maxLength: 6 }),
        (value, depth, indent, rawCuts) => {
          const text = JSON.stringify(value, null, indent);
          const cuts = rawCuts.map((c) => c % (text.length + 1));
          expect(scanText(text, depth, cuts)).toEqual(expected(JSON.parse(text), depth));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps strings, escapes and brackets inside captured values, cut at every character', () => {
    const text = '{"docdata":{"b2b":[{"ctin":"27A\\"}]{[","trdnm":"Rāju & Sons ₹","inv":[{"inum":"A/1\\\\","val":-1.5e2}]},null,true]}}';
    const whole = scanText(text, 3);
    expect(whole).toEqual(expected(JSON.parse(text), 3));
    for (let cut = 0; cut <= text.length; cut += 1) expect(scanText(text, 3, [cut])).toEqual(whole);
  });

  it('reads keys with escapes, skips a byte-order mark and walks only where asked', () => {
    const r = recorder(1);
    const scanner = new JsonPathScanner(r.handlers);
    scanner.write('\ufeff{"a\\"b": 1, "c\\u0041": {"d": [2]}}');
    scanner.end();
    expect(r.seen).toEqual([{ path: ['a"b'], value: 1 }, { path: ['cA'], value: { d: [2] } }]);
    expect(r.descended).toEqual([':object']);
  });

  it('hands over a primitive root and a primitive cut at the end of the input', () => {
    expect(scanText('42', 2)).toEqual([{ path: [], value: 42 }]);
    expect(scanText('[1,-20]', 1, [5])).toEqual([{ path: [0], value: 1 }, { path: [1], value: -20 }]);
  });

  it('says why the input is not JSON, with the kind and the path', () => {
    expect(scanError('').code).toBe('empty');
    expect(scanError('  \n ').code).toBe('empty');
    const truncated = scanError('{"a": [1, 2', 2);
    expect({ code: truncated.code, path: truncated.path }).toEqual({ code: 'truncated', path: ['a', 1] });
    expect(scanError('{"a" 1}').message).toMatch(/expected ':'/);
    expect(scanError('{"a": 1 "b": 2}').message).toMatch(/unexpected character/);
    expect(scanError('{a: 1}').message).toMatch(/expected a property name/);
    expect(scanError('{} x').message).toMatch(/unexpected data after the end/);
    const inValue = scanError('{"a": {"b": tru}}', 1);
    expect({ code: inValue.code, path: inValue.path }).toEqual({ code: 'syntax', path: ['a'] });
    expect(inValue.message).toMatch(/invalid JSON in value at a/);
  });

  it('maps scan errors to the readers\' issue codes', () => {
    expect(scanErrorCode(scanError(''))).toBe('empty_file');
    expect(scanErrorCode(scanError('[1,'))).toBe('truncated_json');
    expect(scanErrorCode(scanError('[1,,2]'))).toBe('invalid_json');
  });
});

describe('json-stream: scanChunks', () => {
  it('decodes UTF-8 characters split between byte chunks', async () => {
    const text = JSON.stringify({ data: { trdnm: 'मेसर्स ₹ ट्रेडर्स', docs: ['ü', '😀'] } });
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const r = recorder(2);
      await scanChunks(new JsonPathScanner(r.handlers), [bytes.subarray(0, cut), bytes.subarray(cut)], () => false);
      expect(r.seen).toEqual(expected(JSON.parse(text), 2));
    }
  });

  it('stops reading once stop() says the rest cannot matter', async () => {
    let pulled = 0;
    async function* chunks(): AsyncGenerator<string> {
      for (const c of ['{"gstin": "X",', ' "docdata": {', '"b2b": []}}']) {
        pulled += 1;
        yield c;
      }
    }
    const r = recorder(1);
    await scanChunks(new JsonPathScanner(r.handlers), chunks(), () => r.seen.length > 0);
    expect({ pulled, seen: r.seen }).toEqual({ pulled: 1, seen: [{ path: ['gstin'], value: 'X' }] });
  });

  it('reports a truncated stream at its end', async () => {
    const r = recorder(1);
    await expect(scanChunks(new JsonPathScanner(r.handlers), ['{"a": 1,', ' "b": [2'], () => false)).rejects.toMatchObject({ code: 'truncated' });
  });
});
