import fc from 'fast-check';
import { JsonPathScanner, JsonScanError, type JsonScanHandlers, type PathSegment } from '../../../domain/recon/json-stream';

type Seen = Array<{ path: PathSegment[]; value: unknown }>;

/**
 * Walks into the root object and its arrays (depth 2), takes their elements whole; with `batches`
 * it says so (wholeElements), which lets the scanner parse several elements at once.
 */
function scan(text: string, cuts: number[], batches: boolean): { seen: Seen; error: string | null } {
  const seen: Seen = [];
  const handlers: JsonScanHandlers = {
    descend: (path, kind) => (path.length === 0 && kind === 'object') || (path.length === 1 && kind === 'array'),
    value: (path, value) => seen.push({ path: [...path], value }),
  };
  if (batches) handlers.wholeElements = () => true;
  const scanner = new JsonPathScanner(handlers);
  let from = 0;
  try {
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      scanner.write(text.slice(from, cut));
      from = cut;
    }
    scanner.write(text.slice(from));
    scanner.end();
  } catch (e) {
    if (!(e instanceof JsonScanError)) throw e;
    return { seen, error: `${e.code} ${e.message} ${e.path.join('.')}` };
  }
  return { seen, error: null };
}

/** Entries shaped like a portal section's: a first key, nested documents, strings that mimic entry boundaries. */
const entry = fc.record({
  ctin: fc.oneof(fc.string(), fc.constantFrom('},{"ctin":"x', '}, {"ctin"', '"ctin"', '\\')),
  inv: fc.array(fc.record({ inum: fc.string(), val: fc.double({ noNaN: true, noDefaultInfinity: true }), items: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 }) }), { maxLength: 3 }),
}, { requiredKeys: [] });

describe('json-stream: elements read in batches', () => {
  it('hands over what the exact walk does, whatever the layout, chunk boundaries and mimicking strings', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('b2b', 'cdnr', 'gstin'), fc.oneof(fc.array(fc.oneof(entry, fc.jsonValue({ maxDepth: 2 })), { maxLength: 12 }), fc.string())),
        fc.constantFrom(0, 1, 2),
        fc.array(fc.nat(), { maxLength: 4 }),
        (value, indent, rawCuts) => {
          const text = JSON.stringify(value, null, indent);
          const cuts = rawCuts.map((c) => c % (text.length + 1));
          expect(scan(text, cuts, true)).toEqual(scan(text, cuts, false));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reports a broken or truncated file as the exact walk does, with the same path and offset', () => {
    const entries = Array.from({ length: 30 }, (_, k) => JSON.stringify({ ctin: `C${k}`, inv: [{ inum: `A/${k}`, val: k }] }));
    const good = `{"b2b":[${entries.join(',')}],"gstin":"X"}`;
    const broken = [
      good.replace('"inum":"A/17"', '"inum":"A/17",'),
      good.replace('{"ctin":"C20"', '{"ctin" "C20"'),
      good.replace('"val":25', '"val":tru'),
      good.slice(0, good.indexOf('{"ctin":"C25"') + 20),
      good.slice(0, good.length - 1),
    ];
    for (const text of [good, ...broken]) {
      for (const cuts of [[], [97], [text.length >> 1], [13, 400, 401, 402]]) {
        const exact = scan(text, cuts, false);
        expect(scan(text, cuts, true)).toEqual(exact);
      }
    }
    expect(scan(broken[0]!, [], true).error).toMatch(/^syntax invalid JSON in value at b2b.17/);
  });
});
