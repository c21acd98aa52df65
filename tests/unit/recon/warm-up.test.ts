/**
 * The engine warm-up's documents reach every phase a real run reaches (so the code it compiles is
 * the code a real run needs), come in the shapes the worker loads (keys in the database's JSON
 * order), and are the same on every start.
 */
import { reconcile } from '../../../domain/recon';
import { plannedPrefaults, prefaultReserved, setTablePoolLimit } from '../../../domain/recon/table-pool';
import { warmUpDocuments, warmUpEngine } from '../../../domain/recon/warm-up';

const MiB = 1024 ** 2;

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

  it('writes the pages of the tables it sets aside, a chunk at a time with a pause after each', async () => {
    setTablePoolLimit(0); // an empty pool: what is set aside is this run's alone
    setTablePoolLimit(2 * 1024 ** 3);
    let steps = 0;
    const chunks: number[] = [];
    const pause = async (prefaulted?: number): Promise<void> => {
      if (prefaulted === undefined) steps += 1;
      else chunks.push(prefaulted);
    };
    const reserved = await warmUpEngine({ sizes: [300, 600], pause, reserveFor: 60_000, prefault: false });
    expect({ steps, chunks: chunks.length, prefaultedBytes: reserved.prefaultedBytes }).toEqual({ steps: 4, chunks: 0, prefaultedBytes: 0 });
    // Each buffer set aside is written in chunks of its own, so its last chunk may be short.
    const planned = plannedPrefaults();
    const written = await prefaultReserved(pause, MiB);
    const overChunk = chunks.filter((c) => c <= 0 || c > MiB);
    const sum = chunks.reduce((a, c) => a + c, 0);
    const expectedChunks = planned.reduce((a, p) => a + Math.ceil(p / MiB), 0);
    expect({ overChunk, sum, count: chunks.length, plannedBytes: planned.reduce((a, p) => a + p, 0) }).toEqual({ overChunk: [], sum: written, count: expectedChunks, plannedBytes: written });
    // A run of 60,000 a side writes some MB of tables beyond what the small runs took: more chunks than buffers.
    expect(written).toBeGreaterThan(4 * MiB);
    expect(chunks.length).toBeGreaterThan(planned.length);
  });

  it('passes its chunk size on to the prefault, and each chunk\'s bytes to the pause after it', async () => {
    setTablePoolLimit(0);
    setTablePoolLimit(2 * 1024 ** 3);
    let steps = 0;
    const chunks: number[] = [];
    const report = await warmUpEngine({
      sizes: [300, 600],
      pause: async (prefaulted?: number) => {
        if (prefaulted === undefined) steps += 1;
        else chunks.push(prefaulted);
      },
      reserveFor: 60_000,
      prefaultChunk: MiB,
    });
    const overChunk = chunks.filter((c) => c <= 0 || c > MiB);
    expect({ steps, overChunk, sum: chunks.reduce((a, c) => a + c, 0) }).toEqual({ steps: 4, overChunk: [], sum: report.prefaultedBytes });
    expect(report.prefaultedBytes).toBeGreaterThan(4 * MiB);
  });
});
