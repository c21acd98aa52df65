/** The only place follow-up rows and plans become JSON (docs/follow-ups.md "Routes"). */
import { FollowUpFile, FollowUpItem, type FollowUp } from '../../db/models/follow-up';
import { OutboxMessage } from '../../db/models/outbox-message';
import { deadlineLabels, followUpPeriodNames } from '../../db/follow-up-period-labels';
import { currentContext } from '../../db/request-context';
import { istIso, itemPeriodLabel, type PlannedEscalation, type PlannedMessage } from '../../domain/follow-ups';

/** The client's message a merged slot was listed in, as `sent` shows it: when it went, its subject and Message-ID. */
export type MergedInto = { at: string; subject: string | null; messageId: string | null };

/** `targets`: the outbox rows merged slots were listed in, by id (mergedTargets). */
export function presentSchedule(messages: PlannedMessage[], targets: ReadonlyMap<string, MergedInto> = new Map()) {
  // Nudges are shown under `sent`; the schedule is what the policy plans.
  return messages.filter((m) => m.kind !== 'nudge').map((m) => {
    const into = m.status === 'merged' && m.mergedInto ? targets.get(m.mergedInto) : undefined;
    return { at: istIso(m.at), kind: m.kind, status: m.status, ...(into ? { mergedInto: into } : {}) };
  });
}

/** The messages the merged slots of a plan were listed in (read in the tenant transaction: the firm's own rows only). */
export async function mergedTargets(messages: PlannedMessage[]): Promise<Map<string, MergedInto>> {
  const ids = [...new Set(messages.flatMap((m) => (m.status === 'merged' && m.mergedInto ? [m.mergedInto] : [])))];
  if (ids.length === 0) return new Map();
  const rows = await OutboxMessage.query().whereIn('id', ids);
  return new Map(rows.map((r) => [r.id, { at: istIso((r.sentAt ?? r.createdAt).getTime()), subject: r.subject, messageId: r.messageId }]));
}

export function presentEscalations(escalations: PlannedEscalation[]) {
  return escalations.map((e) => ({ at: istIso(e.at), audience: e.audience, reason: e.reason, status: e.status }));
}

function nextPlanned(messages: PlannedMessage[]): string | null {
  const next = messages.find((m) => m.status === 'planned');
  return next ? istIso(next.at) : null;
}

/**
 * Who reads: the firm's people see everything; a client's own (portal) users see their requests,
 * items, files, due dates and what was sent to them, never the firm's workings (the alerts inside
 * the firm and why, the workflow's id, the owner's id, the reminder schedule and the next message's
 * time, that and until when staff paused the chase, the reconciliation run and result rows an item
 * was made from, a delivery's error text and the mail server's message id), as with notices.
 */
export type Viewer = 'firm' | 'client';

export function viewerOf(role: string | undefined): Viewer {
  return role === 'client' ? 'client' : 'firm';
}

/**
 * A request's status as its client sees it (docs/follow-ups.md "What a client's own user sees"):
 * a snooze pauses the firm's reminders, not the request, which stays open to the client's answers;
 * so a snoozed request is `open` to them. Every client-facing answer (the API's client view, a
 * notice's follow-ups) takes its status from here.
 */
export function clientStatus(status: FollowUp['status']): Exclude<FollowUp['status'], 'snoozed'> {
  return status === 'snoozed' ? 'open' : status;
}

/** The statuses a client's `?status=` filter matches: `open` is also what the firm snoozed, `snoozed` is nothing they can see. */
export function statusesForClient(status: FollowUp['status']): FollowUp['status'][] {
  if (status === 'snoozed') return [];
  return status === 'open' ? ['open', 'snoozed'] : [status];
}

/**
 * Each row's `periodLabel` (docs/follow-ups.md, "Periods"): the deadline's period as the calendar
 * names it, from the request's tenant transaction; null without a deadline.
 */
export async function periodLabelsOf(rows: readonly FollowUp[]): Promise<Map<string, string | null>> {
  const context = currentContext();
  if (!context?.trx || !context.firmId) throw new Error('follow-ups are presented inside the tenant transaction');
  return deadlineLabels(context.trx, context.firmId, rows);
}

/** `periodLabel`: the row's from periodLabelsOf. */
export function presentSummary(row: FollowUp, periodLabel: string | null, viewer: Viewer = 'firm') {
  const summary = {
    id: row.id,
    clientId: row.clientId,
    title: row.title,
    status: row.status,
    dueDate: row.dueDate,
    deadline: row.deadline,
    // The deadline's period as a CA reads it (a month, a QRMP quarter, a financial year); `deadline.period` stays the key.
    periodLabel,
    ownerId: row.ownerId,
    nextMessageAt: row.nextMessageAt ? istIso(row.nextMessageAt.getTime()) : null,
    snoozedUntil: row.snoozedUntil ? istIso(row.snoozedUntil.getTime()) : null,
    workflowId: row.workflowId,
    noticeId: row.noticeId,
    reconciliationRunId: row.reconciliationRunId,
    recipient: row.recipient,
    ...(row.recipient === 'supplier' ? { supplierEmail: row.supplierEmail } : {}),
    createdAt: istIso(row.createdAt.getTime()),
  };
  if (viewer === 'firm') return summary;
  // No next message's time (the firm's reminder schedule, which tells when a paused chase resumes):
  // the due date is what the client works to.
  const { workflowId: _workflowId, ownerId: _ownerId, snoozedUntil: _snoozedUntil, nextMessageAt: _next, reconciliationRunId: _runId, ...forClient } = summary;
  return { ...forClient, status: clientStatus(row.status) };
}

/** The full follow-up; `plan` (fresh from the workflow) wins over the row's last recorded plan, for the schedule and the next message alike. */
export async function presentFollowUp(row: FollowUp, plan?: { messages: PlannedMessage[]; escalations: PlannedEscalation[] }, viewer: Viewer = 'firm') {
  const items = await FollowUpItem.query().where({ follow_up_id: row.id }).orderBy('position');
  const files = await FollowUpFile.query().where({ follow_up_id: row.id, status: 'received' }).select('id', 'item_id', 'filename', 'size_bytes', 'sha256', 'received_at').orderBy('received_at');
  const sent = await OutboxMessage.query()
    .where((q) => q.where('follow_up_id', row.id).orWhereRaw('follow_up_ids @> ?::jsonb', [JSON.stringify([row.id])]))
    .whereIn('audience', ['client', 'supplier'])
    .whereIn('status', ['sending', 'sent', 'failed'])
    .orderBy('created_at');
  const itemIds = new Set(items.map((i) => i.id));
  const context = currentContext();
  if (!context?.trx || !context.firmId) throw new Error('follow-ups are presented inside the tenant transaction');
  // The deadline's label, and the client's frequency in force for each item's month (an item of a quarter-end month reads as its quarter).
  const names = await followUpPeriodNames(context.trx, context.firmId, [row]);
  const periodLabel = names.deadlineLabels.get(row.id) ?? null;
  const schedule = (plan?.messages ?? row.schedule) as PlannedMessage[];
  return {
    ...presentSummary(row, periodLabel, viewer),
    ...(plan && viewer === 'firm' ? { nextMessageAt: nextPlanned(plan.messages) } : {}),
    items: items.map((item) => ({
      id: item.id,
      description: item.description,
      period: item.period,
      periodLabel: item.period ? itemPeriodLabel(item.period, row.deadline, periodLabel, names.frequencyOf(row.clientId, item.period)) : null,
      status: item.status,
      reason: item.reason,
      // A mismatch follow-up's item names the supplier; for the firm, also the reconciliation row it chases.
      ...(item.supplierGstin ? { supplierGstin: item.supplierGstin, ...(viewer === 'firm' ? { category: item.category, resultId: item.resultId } : {}) } : {}),
      files: files.filter((f) => f.itemId === item.id).map((f) => ({ id: f.id, filename: f.filename, size: Number(f.sizeBytes), sha256: f.sha256, receivedAt: f.receivedAt ? istIso(f.receivedAt.getTime()) : null })),
    })),
    // The firm's reminder schedule (its skipped slots show a snooze, its planned ones when the chase resumes): the firm's only.
    schedule: viewer === 'firm' ? presentSchedule(schedule, await mergedTargets(schedule)) : [],
    escalations: viewer === 'firm' ? presentEscalations((plan?.escalations ?? row.escalations) as PlannedEscalation[]) : [],
    sent: sent.map((m) => ({
      at: istIso((m.sentAt ?? m.createdAt).getTime()),
      channel: 'email',
      to: m.recipient,
      status: m.status === 'failed' ? 'failed' : 'sent',
      subject: m.subject,
      template: m.template,
      itemsListed: m.itemsListed.filter((id) => itemIds.has(id)),
      ...(viewer === 'firm' ? { messageId: m.messageId, error: m.error } : {}),
    })),
  };
}
