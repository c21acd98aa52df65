/**
 * The daily calendar sweep: for each firm, one activity finds the deadlines that became due soon or
 * overdue that day and notifies each client's owner and the firm's managers, once per person. The
 * activity is idempotent per firm and day, so a retry or a second run writes nothing twice.
 */
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isSweepDay, type CalendarSweepInput, type CalendarSweepResult } from './calendar-sweep-definitions';

const { listCalendarSweepFirms, sweepFirmCalendar } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

export async function calendarSweepWorkflow(input: CalendarSweepInput): Promise<CalendarSweepResult> {
  if (!isSweepDay(input.day)) throw ApplicationFailure.nonRetryable(`not a day: ${input.day}`, 'InvalidSweepDay');
  const { workflowId } = workflowInfo();
  const firms = [];
  for (const firmId of await listCalendarSweepFirms()) firms.push(await sweepFirmCalendar({ firmId, day: input.day, workflowId }));
  return { day: input.day, firms };
}
