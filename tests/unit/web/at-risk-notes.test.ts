/** What the ITC at risk leaves out, as the run page says it under the figure (web/src/lib/at-risk-notes.ts). */
import { atRiskNotes } from '../../../web/src/lib/at-risk-notes';

describe('the notes under the ITC at risk', () => {
  it('say what was ignored and the credit notes not yet in 2B, in plain words, and nothing when neither', () => {
    expect(atRiskNotes({ itcSetAside: 1800, creditNotesNotIn2b: 19984.65 })).toEqual(['₹1,800.00 ignored', '₹19,984.65 of credit notes not yet in 2B (not at risk)']);
    expect(atRiskNotes({ creditNotesNotIn2b: 250 })).toEqual(['₹250.00 of credit notes not yet in 2B (not at risk)']);
    expect(atRiskNotes({ itcSetAside: 0, creditNotesNotIn2b: 0 })).toEqual([]);
    expect(atRiskNotes({})).toEqual([]);
  });
});
