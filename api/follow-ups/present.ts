/** The only place follow-up rows and plans become JSON (docs/follow-ups.md "Routes"). */
import { FollowUpFile, FollowUpItem, type FollowUp } from '../../db/models/follow-up';
import { OutboxMessage } from '../../db/models/outbox-message';
import { istIso, type PlannedEscalation, type PlannedMessage } from '../../domain/follow-ups';

export function presentSchedule(messages: PlannedMessage[]) {
  // Nudges are shown under `sent`; the schedule is what the policy plans.
  return messages.filter((m) => m.kind !== 'nudge').map((m) => ({ at: istIso(m.at), kind: m.kind, status: m.status }));
}

export function presentEscalations(escalations: PlannedEscalation[]) {
  return escalations.map((e) => ({ at: istIso(e.at), audience: e.audience, reason: e.reason, status: e.status }));
}

function nextPlanned(messages: PlannedMessage[]): string | null {
  const next = messages.find((m) => m.status === 'planned');
  return next ? istIso(next.at) : null;
}

export function presentSummary(row: FollowUp) {
  return {
    id: row.id,
    clientId: row.clientId,
    title: row.title,
    status: row.status,
    dueDate: row.dueDate,
    deadline: row.deadline,
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
}

/** The full follow-up; `plan` (fresh from the workflow) wins over the row's last recorded plan, for the schedule and the next message alike. */
export async function presentFollowUp(row: FollowUp, plan?: { messages: PlannedMessage[]; escalations: PlannedEscalation[] }) {
  const items = await FollowUpItem.query().where({ follow_up_id: row.id }).orderBy('position');
  const files = await FollowUpFile.query().where({ follow_up_id: row.id, status: 'received' }).select('id', 'item_id', 'filename', 'size_bytes', 'sha256', 'received_at').orderBy('received_at');
  const sent = await OutboxMessage.query()
    .where((q) => q.where('follow_up_id', row.id).orWhereRaw('follow_up_ids @> ?::jsonb', [JSON.stringify([row.id])]))
    .whereIn('audience', ['client', 'supplier'])
    .whereIn('status', ['sending', 'sent', 'failed'])
    .orderBy('created_at');
  const itemIds = new Set(items.map((i) => i.id));
  return {
    ...presentSummary(row),
    ...(plan ? { nextMessageAt: nextPlanned(plan.messages) } : {}),
    items: items.map((item) => ({
      id: item.id,
      description: item.description,
      period: item.period,
      status: item.status,
      reason: item.reason,
      // A mismatch follow-up's item names the supplier and the reconciliation row it chases.
      ...(item.supplierGstin ? { supplierGstin: item.supplierGstin, category: item.category, resultId: item.resultId } : {}),
      files: files.filter((f) => f.itemId === item.id).map((f) => ({ id: f.id, filename: f.filename, size: Number(f.sizeBytes), sha256: f.sha256, receivedAt: f.receivedAt ? istIso(f.receivedAt.getTime()) : null })),
    })),
    schedule: presentSchedule((plan?.messages ?? row.schedule) as PlannedMessage[]),
    escalations: presentEscalations((plan?.escalations ?? row.escalations) as PlannedEscalation[]),
    sent: sent.map((m) => ({
      at: istIso((m.sentAt ?? m.createdAt).getTime()),
      channel: 'email',
      to: m.recipient,
      status: m.status === 'failed' ? 'failed' : 'sent',
      messageId: m.messageId,
      subject: m.subject,
      template: m.template,
      itemsListed: m.itemsListed.filter((id) => itemIds.has(id)),
      error: m.error,
    })),
  };
}
