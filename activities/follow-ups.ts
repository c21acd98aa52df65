/**
 * The follow-up workflow's I/O: sending a planned message (or recording why none was needed),
 * escalating inside the firm, acknowledging what the client sent, and recording the plan the lists
 * show. Each runs in the firm's own transactions as the system actor.
 *
 * Sending is at most once per slot: the outbox row is committed under the slot's unique key before
 * the SMTP call. A retry (the first attempt timed out, or its worker died) finds the row and does
 * not call SMTP again; a row still `sending` then means the first attempt's fate is unknown, which
 * is recorded as sent-but-unconfirmed rather than risking a second email.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { Client } from '../db/models/client';
import { Firm } from '../db/models/firm';
import { FollowUp, FollowUpItem } from '../db/models/follow-up';
import { OutboxMessage } from '../db/models/outbox-message';
import { User } from '../db/models/user';
import { audienceOf, createLinkToken, failedMessageOfDay, LIVE_STATUSES, messageOfDay, notifyFirm, outstandingItems, type Audience } from '../db/follow-ups';
import { inFirmJobTransaction, setAuditAction } from '../db/tenant';
import { JOB, LISTED_IN_FAILED, lockClient, markDelivery, outlivedItsSend, resultOf, settleSending } from './follow-up-outbox';
import { allFirmIds } from '../db/firms';
import { followUpPeriodNames } from '../db/follow-up-period-labels';
import { digestFor, inQuietHours, instantOf, isEmptyDigest, itemPeriodText, positionOf, renderAcknowledgement, renderClientReminder, renderDigest, renderEscalation, type ChecklistSection, type DigestRow, type FollowUpPlan } from '../domain/follow-ups';
import { followUpSlotKey, MERGE_TARGET_SENDING, type FollowUpState } from '../workflows/follow-up-definitions';
import { deliver, smtpRouteForFirm, type MailDeps, type OutgoingEmail, type SmtpRoute } from './mail-transport';
import { supplierStatements, type Attachment } from './mismatch-attachments';
import { supplierLetter } from './supplier-letter';
import { awaitWriterCommit, withinCommitGrace } from './commit-grace';
import { queueStaffMail, sendQueuedMail, type QueuedMail } from './staff-mail';
import { digestSince, digestSlot } from './digest-since';
import { createEarlyMergeActivities } from './follow-up-early-merge';
import { createMergeOutcomeActivities } from './follow-up-merge-outcome';

/**
 * `sendTimeoutMs`: the send activity's start-to-close timeout (one setting for every follow-up of
 * the deployment). Absent (a workflow from before it was passed), a merge target is never judged stuck.
 */
export type SendSlotInput = { firmId: string; followUpId: string; key: string; kind: 'initial' | 'interval' | 'anchored' | 'overdue' | 'nudge'; scheduledAt: number; sendTimeoutMs?: number };
/**
 * `deferred`: a first message found the client's one message of `day` already gone without this
 * request in it, or the message of `day` that listed it failed; nothing was written under its slot,
 * and the plan moves it to the next day.
 */
/**
 * `writtenAt`: when the slot's outbox row was written (its `created_at`), the instant the daily rule
 * dates the message by; absent when nothing was written (the follow-up had ended or is missing).
 */
/**
 * `awaitsMessage`: a nudge merged into a message that was still going out (a nudge never waits);
 * its workflow asks for that message's fate later (`followUpMergeOutcome`), and shows the nudge
 * failed if the message failed.
 */
/**
 * `mergedInto`: the outbox id of the message a `merged` slot was listed in. `alsoListed`: the other
 * requests a `sent` message of this slot listed; the workflow tells each of them, so a slot of theirs
 * that day is shown merged at once rather than at its own send time (`followUpMergeEarly`).
 */
export type SendSlotResult = { status: 'sent' | 'merged' | 'skipped' | 'failed'; ended?: 'completed' | 'cancelled'; writtenAt?: number; awaitsMessage?: true; mergedInto?: string; alsoListed?: string[] } | { status: 'deferred'; day: number };

/** What a slot's outbox row says of it, for its workflow (see SendSlotResult). */
export function slotOutcome(row: OutboxMessage, followUpId: string): Extract<SendSlotResult, { writtenAt?: number }> {
  const status = resultOf(row);
  const others = row.followUpIds.filter((id) => id !== followUpId);
  return {
    status,
    writtenAt: row.createdAt.getTime(),
    ...(status === 'merged' && row.mergedInto ? { mergedInto: row.mergedInto } : {}),
    ...(status === 'sent' && others.length > 0 ? { alsoListed: others } : {}),
  };
}

/** A request may be listed in a message written at `at` when its own quiet hours (on its own clock) do not hold then. */
function mayListNow(request: FollowUp, at: number): boolean {
  return !inQuietHours(request.policy, positionOf(request.clock, at).minute);
}

type Prepared = { done: SendSlotResult } | { rowId: string; writtenAt: number; route: SmtpRoute; email: OutgoingEmail; ownerId: string; alsoListed?: string[] };

const SYSTEM_ACTOR = { userId: null, email: `system:${JOB}`, role: 'system' };

function linkBase(deps: MailDeps): string {
  return deps.publicUrl.replace(/\/+$/, '');
}

export function createFollowUpActivities(deps: { knex: Knex; mail?: MailDeps }) {
  const { knex } = deps;
  const mail = (): MailDeps => {
    if (!deps.mail) throw new Error('the worker has no mail settings');
    return deps.mail;
  };

  return {
    ...createEarlyMergeActivities(deps),
    ...createMergeOutcomeActivities(deps),

    async followUpSendSlot(input: SendSlotInput): Promise<SendSlotResult> {
      const slotKey = followUpSlotKey(input.followUpId, input.key);
      // The first message is due at once, possibly before the api's transaction that writes the
      // follow-up (and starts this workflow inside it) ends: wait for that transaction first.
      if (input.kind === 'initial') await awaitWriterCommit(knex, input.followUpId);
      const prepared: Prepared = await inFirmJobTransaction(knex, input.firmId, JOB, async (trx) => {
        const followUp = await FollowUp.query().findById(input.followUpId);
        if (!followUp) {
          // The first message's writer has ended (above) without the row: retried within the grace,
          // then ended. Any later slot runs after that commit, so a missing row there means the
          // follow-up is gone.
          if (input.kind === 'initial' && withinCommitGrace()) throw ApplicationFailure.retryable(`follow-up ${input.followUpId} is not visible yet`, 'FollowUpNotYetVisible');
          return { done: { status: 'skipped', ended: 'cancelled' } };
        }
        await lockClient(trx, followUp.clientId);
        const existing = await OutboxMessage.query().findOne({ slot_key: slotKey });
        if (existing) {
          // A retry after an attempt that timed out or whose worker died: its message is settled
          // (sent, unconfirmed) here, in this transaction. A second transaction opened while this
          // one holds the client's row would wait for the audit lock in a session the database
          // cannot see this one waiting on, so a deadlock there would hang rather than be broken.
          if (existing.status === 'sending') await settleSending(trx, existing.id, { ok: true, response: '' }, true);
          // A nudge whose first attempt merged it into a message still going out (and then timed
          // out or lost its worker): its workflow still asks for that message's fate.
          const target = input.kind === 'nudge' && existing.status === 'merged' && existing.mergedInto ? await OutboxMessage.query().findById(existing.mergedInto) : undefined;
          return { done: { ...slotOutcome(existing, followUp.id), ...(target?.status === 'sending' ? { awaitsMessage: true as const } : {}) } };
        }
        if (!LIVE_STATUSES.includes(followUp.status)) return { done: { status: 'skipped', ended: followUp.status === 'completed' ? 'completed' : 'cancelled' } };
        const client = await Client.query().findById(followUp.clientId);
        if (!client) return { done: { status: 'skipped', ended: 'cancelled' } };
        // One reading of the clock, after the client's lock, dates the slot: its day is computed from
        // it and it is written as the row's created_at (which the day's lookups read) and returned as
        // `writtenAt`. Two readings (here, and the insert's own) could fall either side of midnight.
        const writtenAt = Date.now();
        const day = positionOf(followUp.clock, writtenAt).day;
        // A supplier chase writes to the supplier: its own audience, so the client's daily rule and merge never see it.
        const toSupplier = followUp.recipient === 'supplier' && Boolean(followUp.supplierEmail);
        const audience = toSupplier ? ('supplier' as const) : ('client' as const);
        const recipient = toSupplier ? followUp.supplierEmail! : client.email;
        const optedOut = Boolean((client as Client & { emailOptedOutAt?: Date | null }).emailOptedOutAt);
        const base = { clientId: client.id, followUpId: followUp.id, slotKey, audience, template: `${toSupplier ? 'supplier_chase' : 'reminder'}.${input.kind}`, recipient, clientDay: day, scheduledAt: new Date(input.scheduledAt), createdAt: new Date(writtenAt) };
        const skip = async (status: 'merged' | 'skipped', subject: string, extra: Partial<OutboxMessage> = {}): Promise<Prepared> => {
          await setAuditAction(trx, `email.${status}`);
          const row = await OutboxMessage.query().insertAndFetch({ ...base, subject, status, ...extra } as Partial<OutboxMessage>);
          await setAuditAction(trx, null);
          return { done: slotOutcome(row, followUp.id) };
        };
        if (optedOut && !toSupplier) {
          await notifyFirm(followUp, 'owner', 'follow_up.call_client', `call_client:${client.id}`, { reason: 'the client unsubscribed from email: call them' });
          return skip('skipped', '(not sent: the client unsubscribed)', { error: 'client unsubscribed from email' });
        }
        // One message a day per recipient (the client, or this supplier's address for this client),
        // first messages included: under the client's lock, so two requests made together never both send.
        const today = await messageOfDay(client.id, { from: instantOf(followUp.clock, day, 0), to: instantOf(followUp.clock, day + 1, 0) }, toSupplier ? { audience: 'supplier', recipient } : { audience: 'client' });
        if (today) {
          const listed = today.followUpIds.includes(followUp.id);
          // A slot merged into a message still going out waits for its fate (retried, nothing written):
          // `merged` only once that message is sent; if it fails, the client heard nothing (below).
          // A message that outlived its sending attempt is settled here as that attempt's retry would
          // settle it (sent, unconfirmed), in this transaction, rather than wait for a retry that may
          // never come. A nudge is staff waiting for an answer: it is merged at once (the message
          // lists this request, and if it fails this request's owner is told).
          if (listed && today.status === 'sending' && input.kind !== 'nudge') {
            if (!outlivedItsSend(today, writtenAt, input.sendTimeoutMs)) throw ApplicationFailure.retryable(`the message ${today.id} this would merge into is still going out`, MERGE_TARGET_SENDING);
            await settleSending(trx, today.id, { ok: true, response: '' }, true);
          }
          if (listed) {
            const merged = await skip('merged', `(merged into "${today.subject}")`, { mergedInto: today.id });
            // A nudge merged into a message still going out: its workflow asks for that message's fate.
            return input.kind === 'nudge' && today.status === 'sending' && 'done' in merged && merged.done.status === 'merged' ? { done: { ...merged.done, awaitsMessage: true } } : merged;
          }
          // Not told of this request yet: its first message waits for the next day, nothing written under its slot.
          if (input.kind === 'initial') return { done: { status: 'deferred', day } };
          return skip('skipped', '(not sent: the client already got a message today)', { mergedInto: today.id, error: 'daily cap' });
        }
        // The day's message that listed this request failed, and the owners of every request it listed
        // were told. Its first message is not sent and waits for the next day's send time (the plan
        // shows it); a later scheduled reminder fails with that message (shown `skipped`, never
        // `merged`: the client got nothing). A nudge is staff asking for a message now: it is sent.
        if (input.kind !== 'nudge') {
          const failed = await failedMessageOfDay(client.id, { from: instantOf(followUp.clock, day, 0), to: instantOf(followUp.clock, day + 1, 0) }, followUp.id, toSupplier ? { audience: 'supplier', recipient } : { audience: 'client' });
          if (failed && input.kind === 'initial') return { done: { status: 'deferred', day } };
          if (failed) return skip('skipped', `(not sent: listed in "${failed.subject}", which failed)`, { mergedInto: failed.id, error: LISTED_IN_FAILED });
        }

        const firm = await Firm.query().findById(input.firmId);
        const owner = await User.query().findById(followUp.ownerId);
        const route = await smtpRouteForFirm(mail());
        const contact = { name: owner?.name ?? 'Your CA firm', email: owner?.email ?? route.from };
        if (toSupplier) {
          const letter = await supplierLetter(trx, { firmId: input.firmId, actor: SYSTEM_ACTOR }, { followUp, client, kind: input.kind, firmName: firm?.name ?? 'Your CA firm', contact });
          if (!letter) return skip('skipped', '(not sent: nothing outstanding)');
          const messageId = `<${randomUUID()}@taalmel>`;
          await setAuditAction(trx, 'email.sending');
          const row = await OutboxMessage.query().insertAndFetch({ ...base, subject: letter.rendered.subject, status: 'sending', messageId, followUpIds: [followUp.id], itemsListed: letter.itemIds } as Partial<OutboxMessage>);
          await setAuditAction(trx, null);
          // Replies reach the client, who holds the relationship; the client sees what went out in its name.
          const email: OutgoingEmail = { to: recipient, replyTo: client.email, ...(optedOut ? {} : { cc: client.email }), ...letter.rendered, messageId, ...(letter.attachments.length ? { attachments: letter.attachments } : {}) };
          return { rowId: row.id, writtenAt: row.createdAt.getTime(), route, ownerId: followUp.ownerId, email };
        }

        // Every live request to this client with something outstanding, this one first (never a supplier chase).
        // A request whose own quiet hours hold now is left out (its items wait for its own message):
        // the client is never emailed, about any request, at a time that request forbids.
        const others = (await FollowUp.query().where({ client_id: client.id, recipient: 'client' }).whereIn('status', ['open', 'exhausted']).whereNot('id', followUp.id).orderBy('due_date')).filter((r) => mayListNow(r, writtenAt));
        const sections: ChecklistSection[] = [];
        const listedIds: string[] = [];
        const listedItems: string[] = [];
        const attachments: Attachment[] = [];
        let firstToken = '';
        // Each request's deadline as the calendar names it, and the client's frequency in force for each
        // item's month: a QRMP filer's quarter-end item reads as its quarter, whichever return it feeds.
        const names = await followUpPeriodNames(trx, input.firmId, [followUp, ...others]);
        for (const request of [followUp, ...others]) {
          const items = await outstandingItems(request.id);
          if (items.length === 0) continue;
          const token = await createLinkToken(request, mail().linkDays ?? 30);
          firstToken ||= token;
          // A mismatch request's message (or the one it merges into) carries its suppliers' statements.
          const statements = request.reconciliationRunId ? await supplierStatements(trx, { firmId: input.firmId, actor: SYSTEM_ACTOR }, request.reconciliationRunId, items) : [];
          attachments.push(...statements);
          sections.push({ title: request.title, dueDate: request.dueDate, link: `${linkBase(mail())}/r/${token}`, items: items.map((i) => ({ description: i.description, period: i.period, ...(i.period ? { periodText: itemPeriodText(i.period, request.deadline, names.deadlineLabels.get(request.id) ?? null, names.frequencyOf(request.clientId, i.period)) } : {}) })), attachments: statements.map((f) => f.filename) });
          listedIds.push(request.id);
          listedItems.push(...items.map((i) => i.id));
        }
        if (sections.length === 0 || listedIds[0] !== followUp.id) return skip('skipped', '(not sent: nothing outstanding)');

        const unsubscribeUrl = `${linkBase(mail())}/api/requests/${firstToken}/unsubscribe`;
        const rendered = renderClientReminder({
          firmName: firm?.name ?? 'Your CA firm',
          clientName: client.name,
          contact,
          kind: input.kind,
          sections,
          unsubscribeUrl: `${linkBase(mail())}/r/${firstToken}?unsubscribe=1`,
        });
        const messageId = `<${randomUUID()}@taalmel>`;
        await setAuditAction(trx, 'email.sending');
        const row = await OutboxMessage.query().insertAndFetch({ ...base, subject: rendered.subject, status: 'sending', messageId, followUpIds: listedIds, itemsListed: listedItems } as Partial<OutboxMessage>);
        await setAuditAction(trx, null);
        return {
          rowId: row.id,
          writtenAt: row.createdAt.getTime(),
          route,
          ownerId: followUp.ownerId,
          alsoListed: listedIds.slice(1),
          email: { to: client.email, ...rendered, messageId, headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }, ...(attachments.length ? { attachments } : {}) },
        };
      });
      if ('done' in prepared) return prepared.done;

      const outcome = await deliver(prepared.route, prepared.route.from, prepared.email);
      if (outcome.ok) await mail().afterSmtpAccepted?.({ slotKey, attempt: Context.current().info.attempt });
      // What the outbox says, not what this attempt saw: a message recorded sent before its failure
      // came back (by a merge, or this slot's retry) stays sent, and so does the slot.
      const recorded = await markDelivery(knex, input.firmId, prepared.rowId, outcome, { id: input.followUpId, ownerId: prepared.ownerId });
      return { status: recorded, writtenAt: prepared.writtenAt, ...(recorded === 'sent' && prepared.alsoListed?.length ? { alsoListed: prepared.alsoListed } : {}) };
    },

    /**
     * One step of the internal ladder: an in-app notification and an email to each person, once per
     * person and step however often it is retried (the notification by its key, the email by its slot).
     */
    async followUpEscalate(input: { firmId: string; followUpId: string; key: string; audience: Audience; reason: string }): Promise<{ status: 'sent' | 'skipped' }> {
      type StaffMail = { rowId: string; route: SmtpRoute; email: OutgoingEmail; ownerId: string };
      const prepared = await inFirmJobTransaction(knex, input.firmId, JOB, async (trx) => {
        const followUp = await FollowUp.query().findById(input.followUpId);
        if (!followUp || !LIVE_STATUSES.includes(followUp.status)) return null;
        const outstanding = await outstandingItems(followUp.id);
        await notifyFirm(followUp, input.audience, 'follow_up.escalation', input.key, { reason: input.reason, dueDate: followUp.dueDate, outstanding: outstanding.length });
        if (!deps.mail) return [];
        const [firm, client] = await Promise.all([Firm.query().findById(input.firmId), Client.query().findById(followUp.clientId)]);
        const route = await smtpRouteForFirm(mail());
        const mails: StaffMail[] = [];
        for (const user of await audienceOf(followUp, input.audience)) {
          const slotKey = followUpSlotKey(followUp.id, `escalation:${input.key}:${user.id}`);
          if (await OutboxMessage.query().findOne({ slot_key: slotKey })) continue;
          const rendered = renderEscalation({ firmName: firm?.name ?? '', clientName: client?.name ?? '', title: followUp.title, dueDate: followUp.dueDate, reason: input.reason, outstanding: outstanding.map((i) => i.description), recipientName: user.name });
          const messageId = `<${randomUUID()}@taalmel>`;
          await setAuditAction(trx, 'email.sending');
          const row = await OutboxMessage.query().insertAndFetch({ clientId: followUp.clientId, followUpId: followUp.id, slotKey, audience: 'staff', template: `escalation.${input.reason}`, recipient: user.email, subject: rendered.subject, status: 'sending', messageId, followUpIds: [followUp.id], itemsListed: outstanding.map((i) => i.id) } as Partial<OutboxMessage>);
          await setAuditAction(trx, null);
          mails.push({ rowId: row.id, route, ownerId: followUp.ownerId, email: { to: user.email, ...rendered, messageId } });
        }
        return mails;
      });
      if (prepared === null) return { status: 'skipped' };
      for (const m of prepared) await markDelivery(knex, input.firmId, m.rowId, await deliver(m.route, m.route.from, m.email), { id: input.followUpId, ownerId: m.ownerId });
      return { status: 'sent' };
    },

    /** Tells the client what arrived and what is still open (sent once per upload or answer). */
    async followUpAcknowledge(input: { firmId: string; followUpId: string; ackKey: string; itemIds: string[] }): Promise<SendSlotResult> {
      const slotKey = followUpSlotKey(input.followUpId, `ack:${input.ackKey}`);
      const prepared: Prepared = await inFirmJobTransaction(knex, input.firmId, JOB, async (trx) => {
        const existing = await OutboxMessage.query().findOne({ slot_key: slotKey });
        if (existing) return { done: { status: resultOf(existing) } };
        const followUp = await FollowUp.query().findById(input.followUpId);
        if (!followUp) return { done: { status: 'skipped' } };
        const client = await Client.query().findById(followUp.clientId);
        if (!client || (client as Client & { emailOptedOutAt?: Date | null }).emailOptedOutAt) return { done: { status: 'skipped' } };
        const items = await FollowUpItem.query().where({ follow_up_id: followUp.id }).orderBy('position');
        const firm = await Firm.query().findById(input.firmId);
        const owner = await User.query().findById(followUp.ownerId);
        const route = await smtpRouteForFirm(mail());
        const rendered = renderAcknowledgement({
          firmName: firm?.name ?? 'Your CA firm',
          clientName: client.name,
          contact: { name: owner?.name ?? 'Your CA firm', email: owner?.email ?? route.from },
          title: followUp.title,
          received: items.filter((i) => input.itemIds.includes(i.id)).map((i) => i.description),
          stillOpen: items.filter((i) => i.status === 'outstanding').map((i) => i.description),
        });
        const messageId = `<${randomUUID()}@taalmel>`;
        await setAuditAction(trx, 'email.sending');
        const row = await OutboxMessage.query().insertAndFetch({ clientId: client.id, followUpId: followUp.id, slotKey, audience: 'client', template: 'acknowledgement', recipient: client.email, subject: rendered.subject, status: 'sending', messageId, followUpIds: [followUp.id], itemsListed: input.itemIds } as Partial<OutboxMessage>);
        await setAuditAction(trx, null);
        return { rowId: row.id, writtenAt: row.createdAt.getTime(), route, ownerId: followUp.ownerId, email: { to: client.email, ...rendered, messageId } };
      });
      if ('done' in prepared) return prepared.done;
      const outcome = await deliver(prepared.route, prepared.route.from, prepared.email);
      return { status: await markDelivery(knex, input.firmId, prepared.rowId, outcome, { id: input.followUpId, ownerId: prepared.ownerId }) };
    },

    /**
     * The daily digest of every firm: one email per staff member who owns live follow-ups, once per
     * person and date (the outbox slot `digest:<date>:<user>`), however often the job runs.
     */
    async followUpDigests(input: { date: string }): Promise<{ sent: number; failed: number }> {
      let sent = 0;
      let failed = 0;
      for (const firmId of await allFirmIds(knex)) {
        const mails = await inFirmJobTransaction(knex, firmId, 'follow-up-digest', async (trx) => {
          const rows: DigestRow[] = (
            await trx('follow_ups as f')
              .join('clients as c', function () {
                this.on('c.id', '=', 'f.client_id').andOn('c.firm_id', '=', 'f.firm_id');
              })
              .where('f.firm_id', firmId)
              .whereIn('f.status', LIVE_STATUSES)
              .select('f.id', 'f.title', 'c.name as client_name', trx.raw('f.due_date::text as due_date'), 'f.status', 'f.owner_id', trx.raw('coalesce(f.assigned_at, f.created_at) as assigned_at'), trx.raw(`(select count(*) from follow_up_items i where i.follow_up_id = f.id and i.status = 'outstanding')::int as outstanding`))
          ).map((r: Record<string, unknown>) => ({ id: r.id as string, title: r.title as string, clientName: r.client_name as string, dueDate: r.due_date as string, status: r.status as string, ownerId: r.owner_id as string, assignedAt: (r.assigned_at as Date).getTime(), outstanding: Number(r.outstanding) }));
          if (rows.length === 0) return [];
          const firm = await Firm.query().findById(firmId);
          const route = await smtpRouteForFirm(mail());
          const out: QueuedMail[] = [];
          for (const user of await User.query().whereIn('role', ['staff', 'manager', 'firm_admin']).where({ active: true }).orderBy('id')) {
            const digest = digestFor(rows, user.id, input.date, await digestSince(trx, user.id, input.date));
            if (isEmptyDigest(digest)) continue;
            const rendered = renderDigest({ firmName: firm?.name ?? '', recipientName: user.name, date: input.date, digest });
            const queued = await queueStaffMail(trx, route, { slotKey: digestSlot(input.date, user.id), clientId: null, template: 'digest', to: user.email, rendered, followUpIds: Object.values(digest).flat().map((r) => r.id) });
            if (queued) out.push(queued);
          }
          return out;
        });
        const outcome = await sendQueuedMail(knex, firmId, 'follow-up-digest', mails);
        sent += outcome.sent;
        failed += outcome.failed;
      }
      return { sent, failed };
    },

    /** The plan the API lists (next message first); the status only moves among the live states. */
    async followUpRecordPlan(input: { firmId: string; followUpId: string; state: FollowUpState; plan: FollowUpPlan; snoozedUntil: number | null; dueDate: string }): Promise<void> {
      await inFirmJobTransaction(knex, input.firmId, JOB, async () => {
        const next = input.plan.messages.find((m) => m.status === 'planned');
        const live = ['open', 'snoozed', 'exhausted'].includes(input.state);
        await FollowUp.query()
          .findById(input.followUpId)
          .patch({ schedule: input.plan.messages, escalations: input.plan.escalations, nextMessageAt: next && live ? new Date(next.at) : null } as Partial<FollowUp>);
        if (live) {
          await FollowUp.query()
            .findById(input.followUpId)
            .whereIn('status', LIVE_STATUSES)
            .whereNot('status', input.state)
            .patch({ status: input.state, snoozedUntil: input.snoozedUntil === null ? null : new Date(input.snoozedUntil) } as Partial<FollowUp>);
        }
      });
    },
  };
}

export type FollowUpActivities = ReturnType<typeof createFollowUpActivities>;
