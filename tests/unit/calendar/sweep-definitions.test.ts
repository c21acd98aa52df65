import { calendarSweepDay, calendarSweepWorkflowId, isSweepDay } from '../../../workflows/calendar-sweep-definitions';

describe('calendar sweep ids', () => {
  it("derive the workflow id from the tick's Indian calendar day", () => {
    // 20:00 UTC on 19 November is 01:30 IST on 20 November.
    expect(calendarSweepDay(new Date('2026-11-19T20:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-20');
    expect(calendarSweepDay(new Date('2026-11-19T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-11-19');
    expect(calendarSweepWorkflowId('2026-11-20')).toBe('calendar-sweep-2026-11-20');
  });

  it('refuses something that is not a day', () => {
    expect(isSweepDay('2026-13-01')).toBe(false);
    expect(() => calendarSweepWorkflowId('2026-11-20T09:00')).toThrow(/not a day/);
  });
});
