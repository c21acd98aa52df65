/**
 * The notice workflow's database steps. A human step runs in one tenant transaction as the person
 * who took it (their id, email and role, the http request id and address, passed through the
 * workflow by the api that authenticated them), so the audit rows the triggers write name them. A
 * reminder or escalation runs as the system, records the fired step by its key and tells its people
 * in the same transaction: a retried activity or a restarted worker tells nobody twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { cancelFollowUpsOfNotice } from '../db/follow-ups';
import { lockNoticeKey } from '../db/period-lock';
import { moveReply, relinkSide } from '../db/notice-replies';
import { dateFactsOf, findNotice, holidayCalendarFor, loadNoticeForm, mayOwnNotice, noticeView, workflowFacts, type NoticeRow } from '../db/notices';
import { inFirmJobTransaction, inTenantTransaction, setAuditAction } from '../db/tenant';
import { dateChangeErrors, relinkRefusal, type DateChange, type PlanStep } from '../domain/notices';
import { ALLOWED_FROM, NOTICE_NOTIFICATION_KIND, NOTICE_REFUSAL, type NoticeActor, type StepKind, type StepResult } from '../workflows/notice-definitions';
import { Firm } from '../db/models/firm';
import { renderNoticeAlert } from '../domain/notices';
import { createNoticeNotifier, inAppNotifier, type NoticeNotifier } from './notice-notifier';
import type { MailDeps } from './mail-transport';
import { awaitWriterCommit, withinCommitGrace } from './commit-grace';
import { istDate } from '../domain/calendar';

export type ApplyStepInput = { firmId: string; noticeId: string; kind: StepKind; actor: NoticeActor; payload: Record<string, unknown>; requestId?: string; ip?: string | null };

type Payload = Record<string, unknown>;
const str = (p: Payload, k: string): string | null => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : null);

async function activeUsers(trx: Knex.Transaction, firmId: string, role: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await trx('users').where({ firm_id: firmId, role, active: true }).select('id').orderBy('id');
  return rows.map((r) => r.id);
}

/**
 * The assignee, while they may still work on the notice: an active staff member, manager or firm
 * admin of the firm (as assigning requires). One who was deactivated or given another role since is
 * no assignee: their reminders go to the managers, as a notice with nobody assigned does, rather than
 * to nobody (a deactivated person gets no email and never signs in to read the in-app one).
 */
async function assigneeWhoCanAct(trx: Knex.Transaction, row: NoticeRow): Promise<string[] | null> {
  if (!row.assignee_id) return null;
  return (await mayOwnNotice(trx, row.firm_id, row.assignee_id)) ? [row.assignee_id] : null;
}

/**
 * Who an assignee's step tells: the assignee who can act, else the managers. A daily overdue step has
 * a managers' twin at the same instant (domain/notices/plan.ts): without an assignee it tells nobody,
 * so the managers get that day's overdue once, not twice.
 */
async function assigneeStepRecipients(trx: Knex.Transaction, row: NoticeRow, step: PlanStep): Promise<string[]> {
  const assignee = await assigneeWhoCanAct(trx, row);
  if (assignee) return assignee;
  return step.reason === 'overdue' ? [] : activeUsers(trx, row.firm_id, 'manager');
}

/**
 * This notice takes the reply of another notice of its case, both rows locked. The rule is checked
 * again under the locks (another request may have moved the reply since the api looked), and a
 * refusal is final (non-retryable: nothing was written).
 */
async function relinkReplyHere(trx: Knex.Transaction, row: NoticeRow, from: NoticeRow | undefined, input: ApplyStepInput): Promise<void> {
  if (!from) throw ApplicationFailure.nonRetryable('The notice the reply is on is not visible to its firm.', 'not_found');
  const refusal = relinkRefusal(relinkSide(await noticeView(trx, from)), relinkSide(await noticeView(trx, row)));
  if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
  await moveReply(trx, from, row, str(input.payload, 'reason') ?? '');
}

/** Writes one human step; a retry after a commit finds the notice already moved and writes nothing. */
/**
 * The api checks a change of dates against the row it read (domain/notices/consistency.ts), but two
 * changes sent at once were both checked against the same row. They run one after the other here,
 * under the notice's row lock: each is checked again on the dates as the one before left them, and
 * one that no longer agrees is refused for good (422 `facts_inconsistent`, nothing written).
 */
async function refuseInconsistentDates(trx: Knex.Transaction, row: NoticeRow, payload: Record<string, unknown>): Promise<void> {
  const change: DateChange = {};
  for (const field of ['dueDate', 'targetDate', 'extendedDueDate'] as const) if (field in payload) change[field] = str(payload, field);
  if (!Object.keys(change).length) return;
  const form = await loadNoticeForm(trx, row.form);
  if (!form) throw new Error(`notice ${row.id} has an unknown form`);
  const fields = dateChangeErrors(form, dateFactsOf(row), change, await holidayCalendarFor(trx, row.firm_id, row.gstin));
  if (fields) throw ApplicationFailure.nonRetryable('The dates given contradict the notice as it is now.', NOTICE_REFUSAL.factsInconsistent, { fields });
}

async function applyStep(trx: Knex.Transaction, row: NoticeRow, input: ApplyStepInput): Promise<string | null> {
  const { kind, actor, payload } = input;
  const from = ALLOWED_FROM[kind];
  if (from && !from.includes(row.state)) return null;
  await setAuditAction(trx, `notice.${kind}`);
  const notice = () => trx('notices').where({ id: row.id });
  const now = new Date();
  switch (kind) {
    case 'assign':
      await notice().update({ assignee_id: str(payload, 'assigneeId'), state: row.state === 'received' ? 'assigned' : row.state, updated_at: now });
      return null;
    case 'draft': {
      const last = await trx('notice_drafts').where({ notice_id: row.id }).max('version as v').first();
      const [draft] = await trx('notice_drafts')
        .insert({ firm_id: row.firm_id, notice_id: row.id, version: Number(last?.v ?? 0) + 1, text: str(payload, 'text') ?? '', document_ids: (payload.documentIds as string[] | undefined) ?? [], drafted_by: actor.userId })
        .returning('id');
      await notice().update({ state: 'drafting', drafted_by: actor.userId, submitted_by: null, submitted_at: null, updated_at: now });
      return (draft as { id: string }).id;
    }
    case 'submit':
      await notice().update({ state: 'in_review', submitted_by: actor.userId, submitted_at: now, updated_at: now });
      return null;
    case 'approve':
    case 'request_changes': {
      const last = await trx('notice_drafts').where({ notice_id: row.id }).max('version as v').first();
      const approved = kind === 'approve';
      const [review] = await trx('notice_reviews')
        .insert({ firm_id: row.firm_id, notice_id: row.id, decision: approved ? 'approved' : 'changes_requested', comment: str(payload, approved ? 'note' : 'comment'), reviewer_id: actor.userId, draft_version: Number(last?.v ?? 0) })
        .returning('id');
      if (approved) await notice().update({ state: 'approved', approved_by: actor.userId, approved_at: now, updated_at: now });
      else {
        await notice().update({ state: 'drafting', submitted_by: null, submitted_at: null, updated_at: now });
        await inAppNotifier.deliver(trx, {
          firmId: row.firm_id, userIds: row.drafted_by ? [row.drafted_by] : [], kind: NOTICE_NOTIFICATION_KIND,
          payload: { noticeId: row.id, form: row.form, reference: row.reference, reason: 'changes_requested', comment: str(payload, 'comment'), by: actor.email },
        });
      }
      return (review as { id: string }).id;
    }
    case 'file':
      await notice().update({ state: 'filed', arn: str(payload, 'arn'), filed_on: str(payload, 'filedOn'), updated_at: now });
      return null;
    case 'file_outside':
      await notice().update({
        state: 'filed', arn: str(payload, 'arn'), filed_on: str(payload, 'filedOn'), filed_outside: true, filing_evidence_ids: (payload.documentIds as string[] | undefined) ?? [],
        filing_note: str(payload, 'note'), updated_at: now,
      });
      return null;
    case 'change_dates': {
      await refuseInconsistentDates(trx, row, payload);
      const patch: Record<string, unknown> = { updated_at: now };
      let datesChanged = false;
      for (const [field, column] of [['dueDate', 'manual_due_date'], ['targetDate', 'manual_target_date'], ['extendedDueDate', 'extended_due_date']] as const) {
        if (field in payload) [patch[column], datesChanged] = [str(payload, field), true];
      }
      if ('extensionReference' in payload) patch.extension_reference = str(payload, 'extensionReference');
      if ('description' in payload) patch.description = str(payload, 'description');
      if (payload.amounts && typeof payload.amounts === 'object') {
        const amounts = payload.amounts as Record<string, number | null | undefined>;
        for (const k of ['tax', 'interest', 'penalty']) if (k in amounts) patch[k] = amounts[k] ?? null;
      }
      if (datesChanged) patch.dates_changed_at = now;
      await notice().update(patch);
      return null;
    }
    case 'hearing': {
      const [hearing] = await trx('notice_hearings').insert({ firm_id: row.firm_id, notice_id: row.id, at: str(payload, 'at'), place: str(payload, 'place') }).returning('id');
      return (hearing as { id: string }).id;
    }
    case 'adjourn': {
      const hearingId = str(payload, 'hearingId');
      await trx('notice_hearings')
        .where({ id: hearingId, notice_id: row.id })
        .update({ at: str(payload, 'newAt'), last_reason: str(payload, 'reason'), adjournments: trx.raw('adjournments + 1'), override_used: trx.raw('override_used or ?', [payload.override === true]), updated_at: now });
      return hearingId;
    }
    case 'close':
      // Locks in the order every other writer takes them: the notice's key (a create of a follow-up
      // for this notice takes it before its audited writes, db/period-lock.ts), then its follow-ups'
      // rows, and only then the firm's audit-chain lock, which any audited write takes. Writing the
      // notice first would hold that lock while waiting for the key (held by a create, which waits
      // for the chain) or for a follow-up's row (held by a writer of that follow-up, which waits for
      // the chain): a deadlock either way. Its follow-ups end with it, in the same transaction:
      // nothing is sent to the client after (the api then ends their workflows).
      await lockNoticeKey(trx, row.id);
      await cancelFollowUpsOfNotice(trx, row.id);
      await setAuditAction(trx, `notice.${kind}`);
      await notice().update({ state: 'closed', outcome: str(payload, 'outcome'), order_form: str(payload, 'orderForm'), order_date: str(payload, 'orderDate'), close_reason: str(payload, 'reason'), closed_at: now, updated_at: now });
      return null;
    case 'relink_reply':
      return null; // relinkReplyHere, which needs both notices locked
  }
}

/** The outbox slot prefix of a fired step's emails (one slot per person under it). */
export function noticeStepSlot(noticeId: string, stepKey: string): string {
  return `notice:${noticeId}:${stepKey}`;
}

export function createNoticeActivities(deps: { knex: Knex; mail?: MailDeps; notifier?: NoticeNotifier }) {
  const notifier = deps.notifier ?? createNoticeNotifier(deps);
  return {
    async noticeApplyStep(input: ApplyStepInput): Promise<StepResult> {
      return inTenantTransaction(deps.knex, { firmId: input.firmId, actor: input.actor, requestId: input.requestId, ip: input.ip ?? null }, async (trx) => {
        // A re-link locks both notices, always in id order (as the calendar's replan does): two such steps never deadlock.
        const ids = input.kind === 'relink_reply' ? [input.noticeId, String(input.payload.fromNoticeId)] : [input.noticeId];
        // FOR NO KEY UPDATE: steps of one notice still take turns, but a transaction that holds the
        // firm's audit lock and then writes a row referencing the notice (its foreign key check takes
        // FOR KEY SHARE) is not stopped while this step waits for that lock (docs/architecture.md, "Locks").
        const locked: NoticeRow[] = await trx('notices').whereIn('id', ids).orderBy('id').forNoKeyUpdate();
        const row = locked.find((r) => r.id === input.noticeId);
        if (!row) throw new Error(`notice ${input.noticeId} is not visible to its firm`);
        let entityId: string | null = null;
        const changedWorkflows: string[] = [];
        if (input.kind === 'relink_reply') {
          const from = locked.find((r) => r.id !== input.noticeId);
          // A retry after a commit finds this notice holding the reply already, and moves nothing; the
          // other notice's workflow is told again all the same (re-reading is harmless).
          if (ALLOWED_FROM.relink_reply!.includes(row.state)) await relinkReplyHere(trx, row, from, input);
          if (from) changedWorkflows.push(from.workflow_id);
        } else entityId = await applyStep(trx, row, input);
        await setAuditAction(trx, null);
        const fresh = await findNotice(trx, input.noticeId);
        return { facts: workflowFacts(await noticeView(trx, fresh as NoticeRow)), entityId, ...(changedWorkflows.length ? { changedWorkflows } : {}) };
      });
    },

    /**
     * Whether the workflow's notice exists: its first step, as the api starts the workflow inside the
     * transaction that writes the notice. It waits for that transaction to end first (however long it
     * takes: activities/commit-grace.ts); not there after it is retried within the commit grace, then
     * the intake never committed (its transaction failed after the start) and the workflow ends.
     */
    async noticeExists(input: { firmId: string; noticeId: string }): Promise<{ exists: boolean }> {
      await awaitWriterCommit(deps.knex, input.noticeId);
      return inFirmJobTransaction(deps.knex, input.firmId, 'notice', async (trx) => {
        if (await findNotice(trx, input.noticeId)) return { exists: true };
        if (withinCommitGrace()) throw ApplicationFailure.retryable(`notice ${input.noticeId} is not visible yet`, 'NoticeNotYetVisible');
        return { exists: false };
      });
    },

    /**
     * The firm's calendar changed: the notice's facts as they are now. The api dated the change in
     * the transaction that made it (and holds the notice's row until it commits, so this waits for it).
     */
    async noticeRefreshFacts(input: { firmId: string; noticeId: string }): Promise<StepResult> {
      return inFirmJobTransaction(deps.knex, input.firmId, 'notice', async (trx) => {
        const row = (await trx('notices').where({ id: input.noticeId }).forNoKeyUpdate().first()) as NoticeRow | undefined;
        if (!row) throw new Error(`notice ${input.noticeId} is not visible to its firm`);
        return { facts: workflowFacts(await noticeView(trx, row)) };
      });
    },

    /**
     * Fires one planned step once: records it by key, then tells its people. `absent`: the notice is
     * not there after the commit grace (its intake never committed, or it was erased): nothing more to do.
     */
    async noticeFireStep(input: { firmId: string; noticeId: string; step: PlanStep }): Promise<{ fired: boolean; recipients: number; absent?: true }> {
      const { step } = input;
      const slotPrefix = noticeStepSlot(input.noticeId, step.key);
      // A step due at once may run before the intake's transaction ends: wait for it (see below).
      await awaitWriterCommit(deps.knex, input.noticeId);
      const outcome = await inFirmJobTransaction(deps.knex, input.firmId, 'notice', async (trx) => {
        const row = (await findNotice(trx, input.noticeId)) as NoticeRow | undefined;
        if (!row) {
          // A step due at once (a notice entered overdue) may run before the api's transaction that
          // writes the notice (and starts this workflow inside it) commits: it waited for that
          // transaction to end above. Every step waits and gets the grace, as the step alone does not say whether it was due at once (runs
          // started before the workflow looked for its notice first); after it the notice is absent
          // (never committed, or erased) and the workflow ends.
          if (withinCommitGrace()) throw ApplicationFailure.retryable(`notice ${input.noticeId} is not visible yet`, 'NoticeNotYetVisible');
          return { fired: false, recipients: 0, queued: [], absent: true as const };
        }
        let userIds: string[];
        if (step.audience === 'assignee') userIds = await assigneeStepRecipients(trx, row, step);
        else userIds = await activeUsers(trx, row.firm_id, step.audience);
        const inserted = await trx('notice_alerts')
          .insert({ firm_id: row.firm_id, notice_id: row.id, step_key: step.key, audience: step.audience, reason: step.reason, planned_at: step.at, recipients: userIds.length })
          .onConflict(['firm_id', 'notice_id', 'step_key'])
          .ignore()
          .returning('id');
        if (inserted.length === 0) {
          await notifier.settle(trx, slotPrefix);
          return { fired: false, recipients: 0, queued: [] };
        }
        const view = await noticeView(trx, row);
        const [firm, client] = await Promise.all([Firm.query().findById(row.firm_id), trx('clients').where({ id: row.client_id }).first('name')]);
        const facts = { form: row.form, formTitle: view.form.title, reference: row.reference, clientName: (client?.name as string | undefined) ?? '', effectiveDueDate: view.dates.effectiveDueDate, state: row.state };
        const queued = await notifier.deliver(
          trx,
          {
            firmId: row.firm_id, userIds, kind: NOTICE_NOTIFICATION_KIND,
            payload: { noticeId: row.id, clientId: row.client_id, form: row.form, reference: row.reference, reason: step.reason, key: step.key, forDate: step.forDate, audience: step.audience, plannedAt: step.at },
          },
          { slotPrefix, clientId: row.client_id, template: `notice.${step.reason}`, render: (recipientName) => renderNoticeAlert({ firmName: firm?.name ?? '', recipientName, notice: facts, reason: step.reason, forDate: step.forDate, plannedOn: istDate(new Date(step.at)) }) },
        );
        return { fired: true, recipients: userIds.length, queued };
      });
      await notifier.send(input.firmId, outcome.queued);
      return { fired: outcome.fired, recipients: outcome.recipients, ...('absent' in outcome ? { absent: true as const } : {}) };
    },
  };
}
