/** Client follow-ups: pure rules (clock, policy, working days, the schedule, the calendar seam). */
export * from './clock';
export * from './policy';
export * from './working-days';
export * from './schedule';
export * from './calendar-seam';
export * from './messages';
export * from './escalation-text';
export * from './file-types';
export * from './digest';
export * from './mismatch-items';
export * from './supplier-chase';
