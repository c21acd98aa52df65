/**
 * Taking a notice in (docs/notices.md "Routes"): one notice and one workflow per GSTIN and portal
 * reference. The same facts again (a retry, a double click, two people at once) answer the notice
 * on record; other facts under the same reference are 409 `notice_reference_taken`, naming the
 * fields that differ (domain/notices/intake.ts). Dates that contradict each other are 422.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { istDate } from '../../domain/calendar';
import { intakeDateErrors, intakeDifferences, noticeForm as catalogueForm, type IntakeFacts } from '../../domain/notices';
import { findNotice, loadNoticeForm, noticeView, workflowFacts, type NoticeRow } from '../../db/notices';
import { lockRowCommit } from '../../db/row-commit';
import { setAuditAction } from '../../db/tenant';
import { noticeWorkflowId } from '../../workflows/notice-definitions';
import { conflict, invalidInput, notFound } from '../errors';
import { route, type RouteSpec } from '../routes';
import { checkAssignee, refuseInconsistent, scope } from './context';
import { presentNotice } from './present';
import type { NoticeRouteDeps } from './routes';
import * as s from './schema';
import { startNoticeWorkflow } from './workflow-client';

type IntakeBody = z.infer<typeof s.intakeBody>;

function givenFacts(form: string, body: IntakeBody): IntakeFacts {
  return {
    form, caseId: body.caseId ?? null, din: body.din ?? null, servedOn: body.servedOn, issuedOn: body.issuedOn ?? null, dueDate: body.dueDate ?? null,
    sections: body.sections ?? [], periods: body.periods ?? [], financialYears: body.financialYears ?? [], issuingOffice: body.issuingOffice || null,
  };
}

function recordedFacts(row: NoticeRow): IntakeFacts {
  return {
    form: row.form, caseId: row.case_id, din: row.din, servedOn: row.served_on, issuedOn: row.issued_on, dueDate: row.due_date_on_notice,
    sections: row.sections, periods: row.periods, financialYears: row.financial_years, issuingOffice: row.issuing_office || null,
  };
}

export function intakeRoute(deps: NoticeRouteDeps): RouteSpec {
  return route({
    method: 'post',
    path: '/api/clients/:id/notices',
    action: 'notices.create',
    params: s.clientParams,
    body: s.intakeBody,
    async handler(ctx, { params, body }) {
      const { trx, firmId } = scope(ctx);
      const client = await trx('clients').where({ id: params.id }).first('id', 'gstin');
      if (!client) throw notFound('No such client.');
      const form = await loadNoticeForm(trx, body.form);
      if (!form) throw invalidInput({ fields: { form: `not a form in the catalogue (for example ${catalogueForm('DRC-01')?.form})` } });
      refuseInconsistent(intakeDateErrors(body, istDate(new Date())));
      if (body.assigneeId) await checkAssignee(trx, firmId, body.assigneeId);
      // The id names no GSTIN or portal reference: Temporal keeps workflow ids in plaintext.
      const noticeId = randomUUID();
      const workflowId = noticeWorkflowId(firmId, noticeId);
      await setAuditAction(trx, 'notice.intake');
      // A second intake of the same notice waits here for the first to commit, then finds it.
      const [inserted] = await trx('notices')
        .insert({
          id: noticeId, firm_id: firmId, client_id: client.id, gstin: client.gstin, form: form.form, reference: body.reference, case_id: body.caseId ?? null, din: body.din ?? null,
          sections: body.sections ?? [], periods: body.periods ?? [], financial_years: body.financialYears ?? [], issued_on: body.issuedOn ?? null, served_on: body.servedOn,
          due_date_on_notice: body.dueDate ?? null, tax: body.amounts?.tax ?? null, interest: body.amounts?.interest ?? null, penalty: body.amounts?.penalty ?? null,
          description: body.description ?? null, issuing_office: body.issuingOffice ?? null, assignee_id: body.assigneeId ?? null, state: body.assigneeId ? 'assigned' : 'received',
          workflow_id: workflowId, time_scale: deps.timeScale ?? null, created_by: scope(ctx).actor.userId,
        })
        .onConflict(['firm_id', 'gstin', 'reference'])
        .ignore()
        .returning('id');
      await setAuditAction(trx, null);
      if (!inserted) {
        const existing = (await trx('notices').where({ firm_id: firmId, gstin: client.gstin, reference: body.reference }).first()) as NoticeRow;
        const differences = intakeDifferences(recordedFacts(existing), givenFacts(form.form, body));
        if (Object.keys(differences).length) {
          throw conflict('notice_reference_taken', `A notice with this reference is on record with other facts: ${Object.keys(differences).join(', ')}.`, { noticeId: existing.id, fields: differences });
        }
        ctx.status = 200;
        ctx.body = presentNotice(await noticeView(trx, existing));
        return;
      }
      const view = await noticeView(trx, (await findNotice(trx, (inserted as { id: string }).id)) as NoticeRow);
      // Started inside the transaction: if Temporal refuses, nothing is committed. The workflow's
      // first look may run before the commit: it waits for this lock, held to the end (db/row-commit.ts).
      await lockRowCommit(trx, view.row.id);
      await startNoticeWorkflow(deps.temporal, workflowId, { firmId, facts: workflowFacts(view), timeScale: deps.timeScale ?? null, ...(deps.historyLimit ? { historyLimit: deps.historyLimit } : {}) });
      ctx.status = 201;
      ctx.body = presentNotice(view);
    },
  });
}
