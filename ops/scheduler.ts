/**
 * node-cron ticks that only start workflows. Each job derives its workflow id from the tick, and
 * Temporal refuses a second start of a running or completed id, so two schedulers (or a restart in
 * the same minute) never run a job twice.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import cron, { type ScheduledTask } from 'node-cron';
import { FOLLOW_UP_DIGEST_WORKFLOW, followUpDigestWorkflowId } from '../workflows/follow-up-definitions';
import { NOTICE_DIGEST_WORKFLOW, noticeDigestWorkflowId } from '../workflows/notice-definitions';
import type { Logger } from 'pino';
import { SELF_CHECK_WORKFLOW, selfCheckWorkflowId } from '../workflows/self-check-definitions';
import { AUDIT_HEADS_WORKFLOW, auditHeadsWorkflowId } from '../workflows/audit-heads-definitions';
import { BACKUP_WORKFLOW, scheduledBackupId, type BackupWorkflowInput } from '../workflows/backup-definitions';
import { RETENTION_WORKFLOW, retentionDay, retentionWorkflowId, type RetentionInput } from '../workflows/retention-definitions';
import { CALENDAR_SWEEP_WORKFLOW, calendarSweepDay, calendarSweepWorkflowId, type CalendarSweepInput } from '../workflows/calendar-sweep-definitions';

export type ScheduledJob = {
  name: string;
  cron: string;
  /** Starts the job's workflow for the tick; returns the workflow id. */
  start(client: Client, tick: Date): Promise<string>;
};

export type SchedulerOptions = { client: Client; logger: Logger; timezone: string; jobs: ScheduledJob[] };

export type RunningScheduler = { tasks: ScheduledTask[]; runNow(name: string, tick?: Date): Promise<'started' | 'already_started'>; stop(): Promise<void> };

export function startScheduler(options: SchedulerOptions): RunningScheduler {
  const fire = async (job: ScheduledJob, tick: Date): Promise<'started' | 'already_started'> => {
    try {
      const workflowId = await job.start(options.client, tick);
      options.logger.info({ job: job.name, workflowId }, 'scheduled workflow started');
      return 'started';
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        options.logger.info({ job: job.name, workflowId: error.workflowId }, 'scheduled workflow already started for this tick');
        return 'already_started';
      }
      options.logger.error({ err: error, job: job.name }, 'scheduled workflow could not start');
      throw error;
    }
  };

  const tasks = options.jobs.map((job) => {
    if (!cron.validate(job.cron)) throw new Error(`Job ${job.name}: invalid cron expression "${job.cron}"`);
    return cron.schedule(
      job.cron,
      async (context) => {
        await fire(job, context.triggeredAt ?? context.date).catch(() => undefined);
      },
      { name: job.name, timezone: options.timezone, noOverlap: true },
    );
  });
  options.logger.info(
    { jobs: options.jobs.map((job, i) => ({ name: job.name, cron: job.cron, nextRun: tasks[i]?.getNextRun()?.toISOString() })) },
    'scheduler started',
  );

  return {
    tasks,
    runNow(name, tick = new Date()) {
      const job = options.jobs.find((j) => j.name === name);
      if (!job) throw new Error(`No scheduled job named ${name}`);
      return fire(job, tick);
    },
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}

/** The platform's scheduled jobs. */
export function platformJobs(options: { taskQueue: string; selfCheckCron: string; expectedMigration: string | null }): ScheduledJob[] {
  return [
    {
      name: 'self-check',
      cron: options.selfCheckCron,
      async start(client, tick) {
        const workflowId = selfCheckWorkflowId(tick);
        await client.workflow.start(SELF_CHECK_WORKFLOW, {
          taskQueue: options.taskQueue,
          workflowId,
          args: [options.expectedMigration],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return workflowId;
      },
    },
  ];
}

/**
 * The nightly backup. Its id is the calendar day in the scheduler's time zone, and Temporal refuses
 * a second start of that id (REJECT_DUPLICATE, even once the first finished or failed): two
 * schedulers, or a restart, never back up twice in a day. An extra backup is `npm run ops:backup`.
 */
export function backupJobs(options: { taskQueue: string; cron: string; timezone: string; stepTimeoutMinutes: number }): ScheduledJob[] {
  return [
    {
      name: 'backup',
      cron: options.cron,
      async start(client, tick) {
        const workflowId = scheduledBackupId(tick, options.timezone);
        const input: BackupWorkflowInput = { backupId: workflowId, kind: 'scheduled', timeouts: { longStepMinutes: options.stepTimeoutMinutes } };
        await client.workflow.start(BACKUP_WORKFLOW, {
          taskQueue: options.taskQueue,
          workflowId,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        return workflowId;
      },
    },
  ];
}

/** Daily, late evening: every firm's audit chain head written outside the database. */
export function auditHeadJobs(options: { taskQueue: string; cron: string; timezone: string }): ScheduledJob[] {
  return [
    {
      name: 'audit-heads',
      cron: options.cron,
      async start(client, tick) {
        const date = new Intl.DateTimeFormat('en-CA', { timeZone: options.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(tick);
        const workflowId = auditHeadsWorkflowId(date);
        await client.workflow.start(AUDIT_HEADS_WORKFLOW, { taskQueue: options.taskQueue, workflowId, args: [date], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
        return workflowId;
      },
    },
  ];
}

/** Daily, morning: each staff member's digest of the follow-ups they own. */
export function followUpDigestJobs(options: { taskQueue: string; cron: string; timezone: string }): ScheduledJob[] {
  return [
    {
      name: 'follow-up-digest',
      cron: options.cron,
      async start(client, tick) {
        const date = new Intl.DateTimeFormat('en-CA', { timeZone: options.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(tick);
        const workflowId = followUpDigestWorkflowId(date);
        await client.workflow.start(FOLLOW_UP_DIGEST_WORKFLOW, { taskQueue: options.taskQueue, workflowId, args: [date], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
        return workflowId;
      },
    },
  ];
}

/** Weekly: the managers' digest of open notices, one run per IST date of the tick (REJECT_DUPLICATE). */
export function noticeDigestJobs(options: { taskQueue: string; cron: string; timezone: string }): ScheduledJob[] {
  return [
    {
      name: 'notice-digest',
      cron: options.cron,
      async start(client, tick) {
        const date = new Intl.DateTimeFormat('en-CA', { timeZone: options.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(tick);
        const workflowId = noticeDigestWorkflowId(date);
        await client.workflow.start(NOTICE_DIGEST_WORKFLOW, { taskQueue: options.taskQueue, workflowId, args: [date], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
        return workflowId;
      },
    },
  ];
}

/**
 * Daily, in the morning: the compliance calendar's sweep (deadlines that became due soon or overdue,
 * notified to owners and managers). Its id is the Indian calendar day of the tick, REJECT_DUPLICATE:
 * two schedulers, or a restart, sweep a day once.
 */
export function calendarJobs(options: { taskQueue: string; cron: string; timezone: string }): ScheduledJob[] {
  return [
    {
      name: 'calendar-sweep',
      cron: options.cron,
      async start(client, tick) {
        const input: CalendarSweepInput = { day: calendarSweepDay(tick, options.timezone) };
        const workflowId = calendarSweepWorkflowId(input.day);
        await client.workflow.start(CALENDAR_SWEEP_WORKFLOW, { taskQueue: options.taskQueue, workflowId, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
        return workflowId;
      },
    },
  ];
}

/**
 * Nightly: the retention run (domain/retention.ts decides what is due). Its id is the Indian calendar
 * day of the tick, REJECT_DUPLICATE: two schedulers, or a restart, run a day once.
 */
export function retentionJobs(options: { taskQueue: string; cron: string; timezone: string }): ScheduledJob[] {
  return [
    {
      name: 'retention',
      cron: options.cron,
      async start(client, tick) {
        const input: RetentionInput = { day: retentionDay(tick, options.timezone) };
        const workflowId = retentionWorkflowId(input.day);
        await client.workflow.start(RETENTION_WORKFLOW, { taskQueue: options.taskQueue, workflowId, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
        return workflowId;
      },
    },
  ];
}
