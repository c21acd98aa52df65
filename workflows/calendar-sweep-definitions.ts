/**
 * The daily calendar sweep's contract: its workflow name, id, input and result, and its constants.
 * Pure and I/O-free: the scheduler, the workflow and the activities share it.
 *
 * The id is the Indian calendar day (`calendar-sweep-2026-11-20`), started with REJECT_DUPLICATE,
 * so two schedulers, or a restart, run a day's sweep once.
 */
import type { NotificationKind } from '../domain/notifications';

export const CALENDAR_SWEEP_WORKFLOW = 'calendarSweepWorkflow';

/** The in-app notification kind the sweep writes (one per person per day, listing their deadlines). */
export const CALENDAR_NOTIFICATION_KIND = 'calendar.deadlines' satisfies NotificationKind;

/** How far back the sweep looks for deadlines that turned overdue (a missed day is caught up). */
export const SWEEP_LOOKBACK_DAYS = 31;

export type CalendarSweepInput = { day: string };

export type FirmSweepInput = { firmId: string; day: string; workflowId: string };

export type FirmSweepResult = {
  firmId: string;
  day: string;
  /** The firm was already swept for this day (a retried activity, or a second run): nothing written. */
  alreadySwept: boolean;
  alerts: number;
  notifications: number;
};

export type CalendarSweepResult = { day: string; firms: FirmSweepResult[] };

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function isSweepDay(value: string): boolean {
  return DAY.test(value);
}

/** The Indian calendar day of a scheduler tick (the scheduler's clock is Asia/Kolkata by default). */
export function calendarSweepDay(tick: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(tick);
}

export function calendarSweepWorkflowId(day: string): string {
  if (!isSweepDay(day)) throw new Error(`not a day: ${day}`);
  return `calendar-sweep-${day}`;
}
