import { peakSoFarLine, spacesLine } from '../../../ops/bench/worker-path.bench';

/*
 * `bench:worker` with WORKER_BENCH_BASELINE prints each build's store report. A baseline built
 * before the child measured the peak when loaded and when matched reports neither: its line is left
 * out rather than printed as "NaN MB".
 */
describe('benchmark: worker path peak line', () => {
  it('prints the peaks in MiB when the report has them', () => {
    expect(peakSoFarLine({ peakAtLoadedBytes: 700 * 2 ** 20, peakAtMatchedBytes: 1024 * 2 ** 20 })).toBe(
      "  peak RSS so far: 700 MB when loaded, 1,024 MB when matched (the rest of the peak is the write's)",
    );
  });

  it("prints nothing for a baseline build's report without them", () => {
    expect(peakSoFarLine({})).toBeNull();
    expect(peakSoFarLine({ peakAtLoadedBytes: 700 * 2 ** 20 })).toBeNull();
    // What JSON.parse hands back for a field the child wrote as null.
    expect(peakSoFarLine({ peakAtLoadedBytes: null as unknown as number, peakAtMatchedBytes: 1 })).toBeNull();
  });
});

describe('benchmark: worker path heap spaces line', () => {
  it('prints the spaces of 1 MB or more and the array buffers, in MiB', () => {
    const line = spacesLine({ spacesAtMatched: { rss: 1169 * 2 ** 20, arrayBuffers: 403 * 2 ** 20, committed: { new_space: 128 * 2 ** 20, old_space: 560 * 2 ** 20, read_only_space: 0 } } });
    expect(line).toBe('  when matched, before its collection: RSS 1,169 MB; heap spaces committed: new_space 128 MB, old_space 560 MB; array buffers 403 MB');
  });

  it("prints nothing for a baseline build's report without them", () => {
    expect(spacesLine({})).toBeNull();
  });
});
