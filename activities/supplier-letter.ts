/**
 * The letter of a supplier chase (docs/follow-ups.md, "Supplier chases"), put together inside the
 * sending transaction like the client's message: the chase's outstanding documents, the supplier's
 * statement from the stored results, and the template addressed to the supplier on the client's
 * behalf. It has no link and no checklist: the supplier answers by filing, which a later GSTR-2B shows.
 */
import type { Knex } from 'knex';
import type { Client } from '../db/models/client';
import type { FollowUp } from '../db/models/follow-up';
import { outstandingItems } from '../db/follow-ups';
import type { TenantScope } from '../db/tenant';
import { renderSupplierChase, type ClientMessageKind, type Contact, type RenderedEmail } from '../domain/follow-ups';
import { supplierStatements, type Attachment } from './mismatch-attachments';

export type SupplierLetter = { rendered: RenderedEmail; itemIds: string[]; attachments: Attachment[] };

/** The letter for what is still outstanding, or null when nothing is. */
export async function supplierLetter(
  trx: Knex.Transaction,
  scope: TenantScope,
  input: { followUp: FollowUp; client: Client; kind: ClientMessageKind; firmName: string; contact: Contact },
): Promise<SupplierLetter | null> {
  const { followUp, client } = input;
  const items = await outstandingItems(followUp.id);
  if (items.length === 0 || !followUp.reconciliationRunId) return null;
  const gstin = items[0]!.supplierGstin ?? '';
  const named: { row: { supplierName?: string } } | undefined = await trx('reconciliation_results').where({ run_id: followUp.reconciliationRunId, supplier_gstin: gstin }).first('row');
  const attachments = await supplierStatements(trx, scope, followUp.reconciliationRunId, items);
  const rendered = renderSupplierChase({
    firmName: input.firmName,
    client: { name: client.name, gstin: client.gstin, email: client.email },
    supplier: { name: named?.row.supplierName ?? '', gstin },
    contact: input.contact,
    kind: input.kind,
    items: items.map((i) => i.description),
    attachments: attachments.map((a) => a.filename),
  });
  return { rendered, itemIds: items.map((i) => i.id), attachments };
}
