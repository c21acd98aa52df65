/**
 * The restore drill's erasure-log check in words (docs/data-export-and-erasure.md): the backup is
 * said to predate the erasures only when some had to be re-applied to the copy.
 */
import { erasureLogDetail } from '../../../activities/erasure-log';

describe('erasure-log drill check words', () => {
  it('says the backup predates the erasures only when some were re-applied', () => {
    expect([erasureLogDetail(2, 3), erasureLogDetail(1, 0), erasureLogDetail(0, 0)]).toEqual([
      "2 erasure(s) in the log; 3 re-applied to this copy (the backup predates them); no erased client's rows remain",
      "1 erasure(s) in the log; none needed re-applying (this copy holds none of their clients); no erased client's rows remain",
      "0 erasure(s) in the log; nothing to re-apply; no erased client's rows remain",
    ]);
  });
});
