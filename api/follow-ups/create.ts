/**
 * Creating a follow-up: the one place a request is written, planned and its workflow started,
 * whichever route asks (a client's checklist, or a reconciliation's suppliers). It runs in the
 * request's tenant transaction, so a refusal from Temporal commits nothing; the signed-in person is
 * the audited actor.
 */
import type { Knex } from 'knex';
import type { Client } from '../../db/models/client';
import { Firm } from '../../db/models/firm';
import { FollowUp, FollowUpItem } from '../../db/models/follow-up';
import { User } from '../../db/models/user';
import { setAuditAction } from '../../db/tenant';
import {
  compressedClock,
  DEFAULT_FOLLOW_UP_POLICY,
  dueDatePassed,
  followUpDueDateFor,
  IST_CLOCK,
  instantOf,
  mergePolicy,
  minuteOf,
  planFollowUp,
  policyProblem,
  positionOf,
  type Deadline,
  type FollowUpCalendar,
  type FollowUpClock,
  type FollowUpPlan,
  type FollowUpPolicy,
} from '../../domain/follow-ups';
import { followUpWorkflowId, type FollowUpActor } from '../../workflows/follow-up-definitions';
import { invalidInput, invalidRules, unprocessable } from '../errors';
import { assertPeriodOpen } from '../periods/lock';
import type { AppState } from '../state';
import type { TemporalHandle } from '../temporal-client';
import { startFollowUpWorkflow } from './workflow-client';
import { lockRowCommit } from '../../db/row-commit';
import { lockFilingKey, lockNoticeKey, lockPeriodKey } from '../../db/period-lock';
import { messageOfDay } from '../../db/follow-ups';
import { lockKey } from '../../db/advisory-lock';

export type FollowUpCreationDeps = {
  temporal: TemporalHandle;
  /** The compliance calendar for a client, read in the request's transaction. */
  calendarFor: (trx: Knex.Transaction, firmId: string, client: Client) => FollowUpCalendar;
  /** A business day's length in ms: a compressed clock (tests and demos); the real IST clock when absent. */
  dayMs?: number;
  /**
   * Tests only: the instant that is the send time of one compressed clock shared by every request
   * created while this answers it (null: each request's own clock, its send time at its creation).
   * Requests on clocks of their own disagree on where a day begins, so a message written late, in
   * the gap between two requests' midnights, counts toward a different day for each and the one
   * message a day rule cannot hold across them; the real IST clock is one grid for every request.
   */
  sharedClockAt?: () => number | null;
  sendTimeoutMs?: number;
  /** Tests only: how many times the workflow attempts a step before it fails (20 when absent). */
  sendAttempts?: number;
  /** Tests only: the workflow continues as new after this many history events. */
  historyLimit?: number;
};

/** Who asks, in which firm, inside which transaction. */
export type CreationContext = { trx: Knex.Transaction; firmId: string; actor: FollowUpActor };

export type NewFollowUpItem = {
  description: string;
  period?: string | null;
  /** Mismatch follow-ups: the result row the item chases. */
  supplierGstin?: string;
  resultId?: string;
  category?: 'missing_in_books' | 'mismatch' | 'missing_in_2b';
};

export type NewFollowUp = {
  client: Client;
  title: string;
  items: NewFollowUpItem[];
  /** Exactly one of dueDate or deadline (the schemas say so). */
  dueDate?: string;
  deadline?: Deadline;
  ownerId?: string;
  noticeId?: string;
  policy?: Partial<FollowUpPolicy>;
  /** The period the request concerns, when not the deadline's or the first item's. */
  period?: string;
  reconciliationRunId?: string;
  /** A supplier chase: the letters go to this address on the client's behalf (docs/follow-ups.md, "Supplier chases"). */
  supplierEmail?: string;
  idempotencyKey: string | null;
};

/** The signed-in person, as the workflow's audit of human steps names them. */
export function actorOf(ctx: { state: AppState }): FollowUpActor {
  const user = ctx.state.user;
  if (!user) throw new Error('follow-up routes run after authentication');
  return { userId: user.id, email: user.email, role: user.role };
}

const STAFF_ROLES = ['staff', 'manager', 'firm_admin'];

export async function checkOwner(ownerId: string): Promise<void> {
  const owner = await User.query().findById(ownerId);
  if (!owner || !owner.active || !STAFF_ROLES.includes(owner.role)) throw invalidRules({ ownerId: 'not an active staff member, manager or firm admin of this firm' });
}

/** The request's `Idempotency-Key` header (trimmed), or null; over 200 characters is bad input. */
export function idempotencyKeyOf(ctx: { get(name: string): string }): string | null {
  const key = ctx.get('idempotency-key').trim() || null;
  if (key && key.length > 200) throw invalidInput({ fields: { 'Idempotency-Key': 'at most 200 characters' } });
  return key;
}

/**
 * The follow-up an earlier call with this key created, or null. A retry waits here for the first
 * call's transaction (a lock on the key for this transaction), then finds what it committed.
 */
export async function followUpForKey(trx: Knex.Transaction, firmId: string, key: string | null): Promise<FollowUp | null> {
  if (!key) return null;
  await lockKey(trx, `follow-up:${firmId}:${key}`, 'text32');
  return (await FollowUp.query().findOne({ idempotency_key: key })) ?? null;
}

/** A due date before today: its reminders and escalations would all lie in the past, and nobody would be told. */
export function dueDateInPast(dueDate: string, deadline?: Deadline) {
  const why = deadline
    ? `The documents for ${deadline.returnType} ${deadline.period} were due on ${dueDate} (two days before its target date): give a dueDate from today on instead.`
    : `The due date ${dueDate} has passed: give today or a later date.`;
  return unprocessable('due_date_passed', why, { dueDate, ...(deadline ? { deadline } : {}) });
}

/** A return already filed needs no documents chased for it: its follow-ups end when it is filed, so none starts after. */
async function refuseFiledDeadline(trx: Knex.Transaction, clientId: string, deadline: Deadline): Promise<void> {
  const filing = (await trx('filings').where({ client_id: clientId, return_type: deadline.returnType, period: deadline.period }).first(trx.raw('filed_on::text as filed_on'), 'arn')) as
    | { filed_on: string; arn: string }
    | undefined;
  if (filing) {
    throw unprocessable('already_filed', `${deadline.returnType} for ${deadline.period} is already filed (${filing.filed_on}, ARN ${filing.arn}): there is nothing to chase for it.`, {
      returnType: deadline.returnType,
      period: deadline.period,
      filing: { filedOn: filing.filed_on, arn: filing.arn },
    });
  }
}

function clockFor(deps: FollowUpCreationDeps, policy: FollowUpPolicy, now: number): FollowUpClock {
  if (!deps.dayMs) return IST_CLOCK;
  // Created at the policy's send time of today, so the plan reads like the real one (or that of the shared clock's anchor).
  const anchor = deps.sharedClockAt?.() ?? now;
  return compressedClock(anchor, { day: positionOf(IST_CLOCK, anchor).day, minute: minuteOf(policy.sendAt) }, deps.dayMs);
}

/** Writes the request and its items, plans it, and starts its workflow. */
export async function createFollowUp(deps: FollowUpCreationDeps, ctx: CreationContext, input: NewFollowUp): Promise<{ row: FollowUp; plan: FollowUpPlan }> {
  const { trx, firmId, actor } = ctx;
  const { client } = input;
  if (!client.email?.trim()) throw unprocessable('client_has_no_email', 'The client has no email address: add one first.');
  const ownerId = input.ownerId ?? actor.userId;
  await checkOwner(ownerId);
  // Documents a notice's reply needs: the notice must be this client's and still open (closing it cancels the request).
  if (input.noticeId) {
    // Held to commit, as closing the notice holds it (db/period-lock.ts gives the order of these locks).
    await lockNoticeKey(trx, input.noticeId);
    const notice = await trx('notices').where({ id: input.noticeId, client_id: client.id }).whereNot({ state: 'closed' }).first('id');
    if (!notice) throw invalidInput({ fields: { noticeId: 'must be an open notice of this client' } });
  }

  const calendar = deps.calendarFor(trx, firmId, client);
  let dueDate = input.dueDate;
  if (input.deadline) {
    const target = await calendar.targetDate(input.deadline);
    if (!target) throw unprocessable('deadline_not_applicable', `${input.deadline.returnType} for ${input.deadline.period} is not a return this client files.`);
    // Held to commit, as recording the filing holds it: the filing then sees this request and ends it, or this sees the filing.
    await lockFilingKey(trx, client.id, input.deadline.returnType, input.deadline.period);
    await refuseFiledDeadline(trx, client.id, input.deadline);
    dueDate = followUpDueDateFor(target);
  }
  if (!dueDate) throw invalidInput({ fields: { dueDate: 'give exactly one of dueDate or deadline' } });
  // Closing a period ends its follow-ups: a new one for a closed period would chase what is settled.
  const period = input.deadline?.period ?? input.period ?? input.items.find((i) => i.period)?.period ?? null;
  if (period) {
    // Held to commit, as the approval that closes the period holds it: one waits for the other (db/period-lock.ts).
    await lockPeriodKey(trx, client.id, period);
    await assertPeriodOpen(client.id, period);
  }
  const firm = await Firm.query().findById(firmId);
  const firmDefaults = (firm?.settings as { followUpPolicy?: Partial<FollowUpPolicy> } | undefined)?.followUpPolicy;
  const policy = mergePolicy(mergePolicy(DEFAULT_FOLLOW_UP_POLICY, firmDefaults), input.policy);
  const problem = policyProblem(policy);
  if (problem) throw invalidInput({ fields: { policy: problem } });
  const workingDays = await calendar.workingDays();
  const now = Date.now();
  const clock = clockFor(deps, policy, now);
  if (dueDatePassed(clock, now, dueDate)) throw dueDateInPast(dueDate, input.deadline);
  // One message per client per day: when today's has already gone, this request's first message
  // waits for tomorrow's send time and lists it with the others then. (A first message due now may
  // still merge into another request's message going out, or be deferred by the sender if that one
  // went first without it: the workflow's plan then says so.)
  const today = positionOf(clock, now).day;
  const sentToday = await messageOfDay(client.id, { from: instantOf(clock, today, 0), to: instantOf(clock, today + 1, 0) }, input.supplierEmail ? { audience: 'supplier', recipient: input.supplierEmail } : { audience: 'client' });
  const firstMessageAfterDay = sentToday ? today : null;

  await setAuditAction(trx, 'follow_up.created');
  const row = await FollowUp.query().insertAndFetch({
    clientId: client.id,
    title: input.title,
    status: 'open',
    dueDate,
    deadline: input.deadline ?? null,
    period,
    ownerId,
    noticeId: input.noticeId ?? null,
    reconciliationRunId: input.reconciliationRunId ?? null,
    recipient: input.supplierEmail ? 'supplier' : 'client',
    supplierEmail: input.supplierEmail ?? null,
    policy,
    clock,
    workflowId: 'pending',
    idempotencyKey: input.idempotencyKey,
    createdBy: actor.userId,
  } as Partial<FollowUp>);
  const workflowId = followUpWorkflowId(firmId, row.id);
  await FollowUpItem.query().insert(
    input.items.map(
      (item, position) =>
        ({
          clientId: client.id,
          followUpId: row.id,
          position,
          description: item.description,
          period: item.period ?? null,
          supplierGstin: item.supplierGstin ?? null,
          resultId: item.resultId ?? null,
          category: item.category ?? null,
        }) as Partial<FollowUpItem>,
    ),
  );
  const plan = planFollowUp({ policy, clock, createdAt: now, dueDate, feedsDeadline: Boolean(input.deadline), workingDays, messages: [], escalations: [], snoozes: [], processedUntil: now, lastAnsweredAt: null, state: 'open', firstMessageAfterDay });
  const next = plan.messages.find((m) => m.status === 'planned');
  const created = await FollowUp.query().patchAndFetchById(row.id, { workflowId, schedule: plan.messages, escalations: plan.escalations, nextMessageAt: next ? new Date(next.at) : null } as Partial<FollowUp>);
  await setAuditAction(trx, null);
  await lockRowCommit(trx, row.id); // held to commit: the first message waits for it (db/row-commit.ts)
  await startFollowUpWorkflow(deps.temporal, workflowId, {
    firmId,
    followUpId: row.id,
    clientId: client.id,
    policy,
    clock,
    createdAt: now,
    dueDate,
    feedsDeadline: Boolean(input.deadline),
    workingDays,
    outstanding: input.items.length,
    firstMessageAfterDay,
    sendTimeoutMs: deps.sendTimeoutMs,
    ...(deps.sendAttempts ? { sendAttempts: deps.sendAttempts } : {}),
    ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}),
  });
  return { row: created, plan };
}
