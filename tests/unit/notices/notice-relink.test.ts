import { relinkRefusal, stateWithoutReply, NOTICE_STATES, REPLY_STATES, RELINK_TARGET_STATES, type NoticeState, type RelinkSide } from '../../../domain/notices';

const side = (over: Partial<RelinkSide> = {}): RelinkSide => ({ id: 'n', state: 'assigned', clientId: 'c1', caseId: 'AD2701', hasWorkingDate: true, ...over });
const code = (from: Partial<RelinkSide>, to: Partial<RelinkSide>) => relinkRefusal(side({ id: 'from', state: 'filed', ...from }), side({ id: 'to', ...to }))?.type ?? null;

describe('re-linking a reply', () => {
  it('moves a reply in any of its states to an open notice of the same case that has none', () => {
    for (const state of REPLY_STATES) for (const target of RELINK_TARGET_STATES) expect([state, target, code({ state }, { state: target })]).toEqual([state, target, null]);
  });

  it('refuses, in this order: a closed notice, nothing to move, another case, a notice with a reply, no date for a reply in progress', () => {
    expect(code({ state: 'closed' }, {})).toBe('notice_closed');
    expect(code({}, { state: 'closed' })).toBe('notice_closed');
    expect(code({ state: 'assigned' }, { caseId: 'other' })).toBe('no_reply');
    expect(code({ state: 'received' }, {})).toBe('no_reply');
    expect(code({}, { caseId: 'AD2702' })).toBe('different_case');
    expect(code({}, { clientId: 'c2' })).toBe('different_case');
    expect(code({ caseId: null }, { caseId: null })).toBe('different_case');
    for (const state of ['drafting', 'in_review', 'approved', 'filed'] as NoticeState[]) expect(code({}, { state })).toBe('notice_has_reply');
    expect(code({ state: 'drafting' }, { hasWorkingDate: false })).toBe('due_date_required');
    // A filed reply needs no date on its new notice: nothing is left to draft.
    expect(code({ state: 'filed' }, { hasWorkingDate: false })).toBeNull();
  });

  it('covers every state: each is a reply state, a target state or closed, never two', () => {
    for (const state of NOTICE_STATES) {
      const kinds = [REPLY_STATES.includes(state), RELINK_TARGET_STATES.includes(state), state === 'closed'].filter(Boolean);
      expect([state, kinds.length]).toEqual([state, 1]);
    }
  });

  it('leaves the notice it takes the reply from assigned, or received when nobody owns it', () => {
    expect([stateWithoutReply('u1'), stateWithoutReply(null)]).toEqual(['assigned', 'received']);
  });
});
