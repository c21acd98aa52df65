/**
 * Documents as columns (domain/recon/columnar-docs.ts): each document rebuilt exactly as it was
 * added (byte for byte as JSON, key order and every kind of value included), and `reconcile` over
 * the columns gives what it gives over the documents themselves (rows, rejected, summaries,
 * suppliers, warnings) on the golden cases' inputs.
 */
import { reconcile, type BooksRow, type PortalDoc } from '../../../domain/recon';
import { ColumnarDocs, TextTable } from '../../../domain/recon/columnar-docs';
import { GOLDEN_CASES, goldenInputs } from '../../../ops/bench/recon-golden';

const BOOKS_SHARED = ['supplierGstin', 'supplierName', 'docType', 'invoiceDate', 'voucherDate', 'placeOfSupply', 'portCode'];
const PORTAL_SHARED = ['section', 'period', 'supplierGstin', 'supplierName', 'docType', 'date', 'supplierFilingDate'];

/** The documents as the database driver gives them (parsed from JSON), into columns. */
function columnsOf<T extends object>(docs: readonly T[], table: TextTable, shared: readonly string[]): ColumnarDocs<T> {
  const c = new ColumnarDocs<T>(table, shared);
  for (const d of docs) c.add(JSON.parse(JSON.stringify(d)) as T);
  c.seal();
  return c;
}

describe('ColumnarDocs', () => {
  it('rebuilds every kind of value, in key order', () => {
    const long = 'x'.repeat(40_000);
    const docs: Array<Record<string, unknown>> = [
      { a: 'shared', b: 'own text', n: 12, z: -0, f: 1.5, big: 2 ** 40, neg: -(2 ** 31), t: true, u: false, nil: null },
      { b: 'own text', a: 'shared', n: -7 },
      { a: 'नमस्ते ₹', b: 'émoji 😀 and ascii', nested: { number: 'INV-1', date: '2024-06-01' }, list: ['a:1', 'a:2'], empty: '' },
      { a: long, b: long + 'é', n: 2 ** 31, m: 2 ** 31 - 1 },
      {},
      { 2: 'integer-like key', a: 'shared' },
      // Keys are the document's own: quoted in the rebuilder, `__proto__` an own key as JSON.parse makes it.
      JSON.parse('{"__proto__": 1, "we\\"ird\\nkey\\u2028": "a", "a": "shared"}') as Record<string, unknown>,
    ];
    const table = new TextTable();
    const c = columnsOf(docs, table, ['a']);
    expect(c).toHaveLength(docs.length);
    for (let i = 0; i < docs.length; i += 1) expect(JSON.stringify(c.at(i))).toBe(JSON.stringify(docs[i]));
    // (−0 is not JSON's, but an integer slot would lose it.)
    const zero = new ColumnarDocs<{ z: number }>(table, []);
    zero.add({ z: -0 });
    expect(Object.is(zero.at(0).z, -0)).toBe(true);
    expect(c.at(0).a).toBe(c.at(1).a);
    expect(table.texts).toContain('shared');
    expect(() => c.at(docs.length)).toThrow(RangeError);
    expect(Object.getPrototypeOf(c.at(6))).toBe(Object.prototype);
    expect(Object.keys(c.at(6))).toEqual(['__proto__', 'we"ird\nkey\u2028', 'a']);
  });

  it('reads the fields asked for without rebuilding the document', () => {
    const docs: Array<Record<string, unknown>> = [
      { a: 'shared', b: 'own', n: 1.5, t: true, o: { x: 1 } },
      { n: 7, a: 'shared', extra: 'not asked for' },
      { b: 'ünïcode', nil: null },
    ];
    const c = columnsOf(docs, new TextTable(), ['a']);
    const keys = ['n', 'a', 'b', 't', 'o', 'nil', 'missing'];
    const read = c.fields(keys);
    for (let i = 0; i < docs.length; i += 1) {
      const got = read(i) as Record<string, unknown>;
      for (const k of keys) expect([k, got[k]]).toEqual([k, docs[i]![k]]);
    }
    expect(read(0)).toBe(read(1));
    expect(() => c.fields(['__proto__'])).toThrow('__proto__');
  });

  it('keeps texts past the shared table\'s limit as its own bytes', () => {
    const docs = Array.from({ length: 200_010 }, (_, i) => ({ name: `supplier ${i}`, n: i }));
    const c = columnsOf(docs, new TextTable(), ['name']);
    for (const i of [0, 199_999, 200_000, 200_009]) expect(c.at(i)).toEqual(docs[i]);
  });

  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('reconcile over columns is reconcile over documents: %s', (_name, g) => {
    const { books, portal, options } = goldenInputs(g);
    const table = new TextTable();
    const bc = columnsOf<BooksRow>(books, table, BOOKS_SHARED);
    const pc = columnsOf<PortalDoc>(portal, table, PORTAL_SHARED);
    table.seal();
    expect(JSON.stringify(bc.toArray())).toBe(JSON.stringify(books));
    expect(JSON.stringify(pc.toArray())).toBe(JSON.stringify(portal));
    const plain = reconcile(books, portal, options);
    const columnar = reconcile(bc, pc, options);
    expect(columnar.rowCount).toBe(plain.rowCount);
    for (let from = 0; from < plain.rowCount; from += 1000) {
      expect(JSON.stringify(columnar.rowsBetween(from, from + 1000))).toBe(JSON.stringify(plain.rowsBetween(from, from + 1000)));
    }
    expect(JSON.stringify([columnar.rejected, columnar.summary, columnar.suppliers, columnar.warnings]))
      .toBe(JSON.stringify([plain.rejected, plain.summary, plain.suppliers, plain.warnings]));
    plain.release();
    columnar.release();
  });
});
