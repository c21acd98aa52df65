/** Phase: supplier flags from the 2A signals (GSTR-1 / GSTR-3B not filed, registration cancelled). */
import { F_CANCELLED, F_NOT_FILED_3B, F_NOT_FILED_GSTR1 } from './codes';
import type { Run } from './run-state';

/** Supplier signals from 2A. */
export function applySupplierSignals(run: Run): void {
  const { s, it, o, end } = run;
  const signals = o.supplierSignals;
  if (signals) {
    // One mask per supplier GSTIN id (−1: not looked up yet).
    const maskOf = run.tables.i32(it.gstinById.length, -1);
    for (let i = 0; i < end; i += 1) {
      const gi = s.gstinId[i]!;
      let m = maskOf[gi]!;
      if (m < 0) {
        const sig = signals[it.gstinById[gi]!];
        m = 0;
        if (sig) {
          if (sig.gstr3bFiled === false) m |= F_NOT_FILED_3B;
          if (sig.gstr1Filed === false) m |= F_NOT_FILED_GSTR1;
          if (sig.cancelledOn) m |= F_CANCELLED;
        }
        maskOf[gi] = m;
      }
      s.flags[i] = s.flags[i]! | m;
    }
  }
}
