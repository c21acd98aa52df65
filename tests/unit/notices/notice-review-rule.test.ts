/**
 * Four eyes on a notice's reply (domain/notices/review.ts): the one rule behind the workflow's check,
 * the approvals list's `canDecide` and the notice's `canReview`.
 */
import { replyReviewBlock, reviewsReplies, wroteReply } from '../../../domain/notices';

const reply = { state: 'in_review' as const, draftedBy: 'last-saver', submittedBy: 'last-saver', drafters: ['first-saver', 'last-saver'] };

describe("who may review a notice's reply", () => {
  it('lets a manager or firm admin who wrote none of it review, while it is in review', () => {
    expect([replyReviewBlock({ userId: 'm2', role: 'manager' }, reply), replyReviewBlock({ userId: 'a1', role: 'firm_admin' }, reply)]).toEqual([null, null]);
    expect([reviewsReplies('manager'), reviewsReplies('firm_admin'), reviewsReplies('staff'), reviewsReplies('reviewer'), reviewsReplies('client')]).toEqual([true, true, false, false, false]);
  });

  it('refuses whoever saved any version or submitted it, whatever their role, and says so first', () => {
    const cases = [
      ['first-saver', 'manager'],
      ['last-saver', 'firm_admin'],
      ['first-saver', 'staff'],
    ].map(([userId, role]) => [userId, role, replyReviewBlock({ userId: userId!, role: role! }, reply)]);
    expect(cases).toEqual([
      ['first-saver', 'manager', 'own_reply'],
      ['last-saver', 'firm_admin', 'own_reply'],
      ['first-saver', 'staff', 'own_reply'],
    ]);
    expect(wroteReply('submitter', { draftedBy: 'd', submittedBy: 'submitter', drafters: ['d'] })).toBe(true);
  });

  it('judges facts recorded before `drafters` existed on the last drafter alone, as they ran', () => {
    expect([wroteReply('first-saver', { draftedBy: 'last-saver', submittedBy: 'last-saver' }), wroteReply('last-saver', { draftedBy: 'last-saver', submittedBy: null })]).toEqual([false, true]);
  });

  it('refuses other roles, and everyone while no reply waits for a review', () => {
    expect([replyReviewBlock({ userId: 's', role: 'staff' }, reply), replyReviewBlock({ userId: 'c', role: 'client' }, reply), replyReviewBlock({ userId: 'r', role: 'reviewer' }, reply)]).toEqual(['role', 'role', 'role']);
    for (const state of ['received', 'assigned', 'drafting', 'approved', 'filed', 'closed'] as const) {
      expect([state, replyReviewBlock({ userId: 'm2', role: 'manager' }, { ...reply, state })]).toEqual([state, 'not_in_review']);
    }
  });
});
