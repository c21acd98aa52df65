/**
 * The engine's money record is an Int32Array (domain/recon/match/codes.ts): a slot holds its
 * number when that is a 32-bit integer (|paise| < 2^31, about ₹2.1 crore), and any other number
 * (a larger amount, up to the readers' MAX_PAISE, 10^15 paise; a date's NaN; −0) is kept exactly in the run's
 * `wide` maps (one per 2^23 slots: a V8 Map throws past 2^24 entries). Three checks: every kind of
 * number comes back as it was put; however many wide values there are, no map holds more than its
 * shard's slots; and a run whose amounts
 * are mostly above ₹2.1 crore (with some at the readers' limit and some dates that do not parse)
 * gives the very output the 64-bit record gave: the digests below were recorded from the engine
 * before the record was 32-bit (`Float64Array`, commit ee04b04), as the golden digests were.
 */
import { GOLDEN_CASES, goldenInputs, stableJson } from '../../../ops/bench/recon-golden';
import { createHash } from 'node:crypto';
import { reconcile } from '../../../domain/recon';
import { MAX_PAISE } from '../../../domain/recon/amounts';
import { M_PACK, MONEY_STRIDE, WIDE, WIDE_SHARD_BITS } from '../../../domain/recon/match/codes';
import { amountAt, Docs, putAmount } from '../../../domain/recon/match/docs';
import type { BooksRow, PortalDoc } from '../../../domain/recon/types';

describe('the 32-bit money record', () => {
  it('gives back every number as it was put, in the slot or in the wide map', () => {
    const values = [
      0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31) + 1, WIDE, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, MAX_PAISE, -MAX_PAISE,
      MAX_PAISE - 1, 2 ** 53 + 2, 0.5, -2.25, 1e21, Number.NaN, Infinity, -Infinity, 12_34_56_78_901,
    ];
    const s = new Docs(values.length, values.length, []);
    values.forEach((v, k) => putAmount(s, k, v));
    const back = values.map((_, k) => amountAt(s, k));
    const wrong = values.map((v, k) => [v, back[k]]).filter(([v, b]) => !Object.is(v, b));
    expect(wrong).toEqual([]);
    // Narrow values live in the slot itself; the rest are marked WIDE with the number aside.
    const narrow = values.filter((v) => Number.isInteger(v) && Math.abs(v) < 2 ** 31 && !Object.is(v, -0));
    expect(wideCount(s)).toBe(values.length - narrow.length);
    for (let k = 0; k < values.length; k += 1) expect(s.money[k] === WIDE).toBe(wideHas(s, k));
    // A wide slot given a narrow number again holds it, and its entry goes.
    putAmount(s, values.indexOf(MAX_PAISE), 7);
    expect([amountAt(s, values.indexOf(MAX_PAISE)), wideHas(s, values.indexOf(MAX_PAISE))]).toEqual([7, false]);
  });

  it('keeps no more wide values in one map than its shard has slots, however many there are', () => {
    // Storing 2^24 + 1 wide values for real takes about a minute and 2 GB (V8 then throws "Map
    // maximum size exceeded" in a single map), so the shard is made 2^4 slots here, two documents,
    // and the same functions store 1,400 wide values: each map must hold its shard's 14 (the packed
    // slot is never wide), not all of them in one.
    const n = 200;
    const s = new Docs(n, n, [], undefined, 4);
    const put = new Map<number, number>();
    for (let k = 0; k < n * MONEY_STRIDE; k += 1) {
      if (k % MONEY_STRIDE === M_PACK) continue;
      const v = k % 3 === 0 ? Number.NaN : 2 ** 31 + k / 4;
      put.set(k, v);
      putAmount(s, k, v);
    }
    expect(s.wide.map((m) => m.size)).toEqual(new Array<number>(n / 2).fill(14));
    expect([...put].filter(([k, v]) => !Object.is(amountAt(s, k), v))).toEqual([]);
    // A slot made narrow again leaves its own map, and only that entry goes.
    putAmount(s, 17, 5);
    expect([amountAt(s, 17), s.wide[1]!.has(17), wideCount(s)]).toEqual([5, false, put.size - 1]);
    // In a run the shard is 2^23 slots: a map never needs more than 2^24 entries, even with
    // deletions pending (V8 grows a map when live plus deleted entries reach its capacity).
    const run = new Docs(1, 1, []);
    expect([run.wideShift, run.wide.length, 2 ** (WIDE_SHARD_BITS + 1) <= 2 ** 24]).toEqual([WIDE_SHARD_BITS, 1, true]);
  });

  it('reconciles amounts beyond ₹2.1 crore as the 64-bit record did', () => {
    const c = GOLDEN_CASES.find((g) => g.name === '2k seed 1')!;
    const { books, portal, options } = goldenInputs(c);
    // Amounts × 1,001 (most documents' taxable values and many taxes then pass 2^31 paise, a pair's
    // two sides often one each side of it), every 97th document at the readers' limit, and every
    // 211th document's date one that does not parse (a NaN day and FY).
    const widen = (d: BooksRow | PortalDoc, i: number): void => {
      for (const f of ['taxableValue', 'igst', 'cgst', 'sgst', 'cess'] as const) {
        d[f] = i % 97 === 0 && d[f] !== 0 ? Math.sign(d[f]) * (MAX_PAISE - (i % 1000)) : d[f] * 1_001;
      }
    };
    books.forEach((r, i) => {
      widen(r, i);
      if (i % 211 === 5) r.invoiceDate = 'not a date';
    });
    portal.forEach((d, i) => {
      widen(d, i + 1);
      if (i % 211 === 7) d.date = '31-02-2024';
    });
    const wide = books.filter((r) => Math.abs(r.taxableValue) >= 2 ** 31).length;
    expect(wide).toBeGreaterThan(books.length / 2);
    const run = reconcile(books, portal, options);
    const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
    const h = createHash('sha256');
    for (const r of run.results) h.update(stableJson(r)).update('\n');
    const got = {
      results: h.digest('hex'), rejected: sha(stableJson(run.rejected)), summary: sha(stableJson(run.summary)),
      suppliers: sha(stableJson(run.suppliers)), warnings: sha(stableJson(run.warnings)), rows: run.results.length,
    };
    run.release();
    expect(got).toEqual(EXPECTED);
  });
});

function wideCount(s: Docs): number {
  return s.wide.reduce((t, m) => t + m.size, 0);
}

function wideHas(s: Docs, k: number): boolean {
  return s.wide[k >>> s.wideShift]!.has(k);
}

const EXPECTED = {
  results: '2000cec10bbd60085a0866b8bc92d590cfbb2ec52717932e0e4d3382d0f127c6',
  rejected: 'f4b62f400ca30fd1563d4a4f3c6c66fa52f361bafcc37715c2461dfc92920330',
  summary: 'd14c7d6fb9a839ec267a0babbfaa119a932ee84d985b746ef8dc4591957cac3b',
  suppliers: '26cec0f0ef003b4203d7c849831a1428a94c3b4a88edac57f917cd4483beee51',
  warnings: '30707f09cb416b8efbc9b8cfb59ee25312a2ed440545ec277556250d46dcb758',
  rows: 2206,
};
