import type { RunSummary } from '../http/types';
import { formatRupees } from './format';

/**
 * What the ITC at risk leaves out, in the practitioner's words: the documents a reviewer ignored,
 * and the credit notes the books hold that 2B does not show yet (no risk: the books already
 * reduced that credit; the supplier has yet to report them).
 */
export function atRiskNotes(s: Pick<RunSummary, 'itcSetAside' | 'creditNotesNotIn2b'>): string[] {
  const notes: string[] = [];
  if (s.itcSetAside) notes.push(`${formatRupees(s.itcSetAside)} ignored`);
  if (s.creditNotesNotIn2b) notes.push(`${formatRupees(s.creditNotesNotIn2b)} of credit notes not yet in 2B (not at risk)`);
  return notes;
}
