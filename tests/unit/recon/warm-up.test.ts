/**
 * The engine warm-up's documents reach every phase a real run reaches (so the code it compiles is
 * the code a real run needs), come in the shapes the worker loads (keys in the database's JSON
 * order), and are the same on every start.
 */
import { reconcile } from '../../../domain/recon';
import { warmUpDocuments, warmUpEngine } from '../../../domain/recon/warm-up';

describe('the engine warm-up', () => {
  it('reaches every category and pass a real run reaches', () => {
    const { books, portal } = warmUpDocuments(2000);
    const run = reconcile(books, portal, { amountTolerance: 100, dateWindowDays: 10 });
    const categories = new Set(run.results.map((r) => r.category));
    const passes = new Set(run.results.map((r) => r.pass).filter((p) => p !== null));
    expect([...categories].sort()).toEqual(['duplicate_in_books', 'exact_match', 'mismatch', 'missing_in_2b', 'missing_in_books', 'out_of_scope', 'probable_match', 'superseded']);
    expect([...passes].sort()).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'P6']);
  });

  it('makes documents with their keys in the order the database gives them back', () => {
    const { books, portal } = warmUpDocuments(300);
    const jsonbOrder = (keys: string[]) => [...keys].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    for (const d of [...books, ...portal]) expect(Object.keys(d)).toEqual(jsonbOrder(Object.keys(d)));
    expect(new Set(books.map((b) => 'placeOfSupply' in b))).toEqual(new Set([true, false]));
  });

  it('is the same on every start', () => {
    expect(JSON.stringify(warmUpDocuments(500))).toBe(JSON.stringify(warmUpDocuments(500)));
  });

  it('runs the sizes asked for, pausing between its steps', async () => {
    let pauses = 0;
    const report = await warmUpEngine({ sizes: [300, 600], pause: async () => { pauses += 1; }, prefault: false });
    expect(report).toEqual({ runs: 2, documents: expect.any(Number), ms: expect.any(Number), prefaultedBytes: 0 });
    expect(report.documents).toBeGreaterThanOrEqual(1800);
    expect(pauses).toBe(4);
  });

  it('writes the pages of the tables it sets aside, pausing between chunks of them', async () => {
    let pauses = 0;
    const report = await warmUpEngine({ sizes: [300, 600], pause: async () => { pauses += 1; }, reserveFor: 60_000 });
    // A run of 60,000 a side writes some MB of tables beyond what the pool held: a pause after each 16 MB of them.
    // Each buffer is written in chunks of its own (prefaultReserved), so a buffer's last chunk may be short:
    // at least one pause for every 16 MB written (so no stretch of writing without one is longer).
    expect(report.prefaultedBytes).toBeGreaterThan(1024 ** 2);
    const chunks = pauses - 4;
    const leastChunks = Math.ceil(report.prefaultedBytes / (16 * 1024 ** 2));
    expect(chunks).toBeGreaterThanOrEqual(leastChunks);
  });
});
