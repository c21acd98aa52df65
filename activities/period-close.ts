/**
 * The period-close workflow's database steps. Each runs in one tenant transaction of the request's
 * firm: a decision with the person who made it as the actor (their id, email and role, the http
 * request id and address, passed through the workflow by the api that authenticated them), so the
 * audit rows written in that transaction name them; reminders and expiry as the system.
 */
import type { Knex } from 'knex';
import { applyDecision, nudgeApprovers, type DecisionOutcome, type NudgeKind } from '../db/period-close';
import { inFirmJobTransaction, inTenantTransaction } from '../db/tenant';

export type PeriodCloseDecideInput = {
  firmId: string;
  closeRequestId: string;
  kind: 'approve' | 'reject' | 'withdraw' | 'expire';
  /** null: the system (expiry). */
  actor: { userId: string; email: string; role: string } | null;
  note: string | null;
  selfApproved: boolean;
  requestId?: string;
  ip?: string | null;
};

export function createPeriodCloseActivities(deps: { knex: Knex }) {
  return {
    async periodCloseDecide(input: PeriodCloseDecideInput): Promise<DecisionOutcome> {
      const decision = {
        closeRequestId: input.closeRequestId,
        kind: input.kind,
        note: input.note,
        selfApproved: input.selfApproved,
      };
      if (!input.actor) {
        return inFirmJobTransaction(deps.knex, input.firmId, 'period-close', (trx) =>
          applyDecision(trx, { ...decision, actor: { userId: null, email: 'system:period-close', role: 'system' } }),
        );
      }
      const actor = input.actor;
      return inTenantTransaction(deps.knex, { firmId: input.firmId, actor, requestId: input.requestId, ip: input.ip ?? null }, (trx) =>
        applyDecision(trx, { ...decision, actor }),
      );
    },

    async periodCloseNudge(input: { firmId: string; closeRequestId: string; kind: NudgeKind }) {
      return inFirmJobTransaction(deps.knex, input.firmId, 'period-close', (trx) => nudgeApprovers(trx, input.closeRequestId, input.kind));
    },
  };
}

export type PeriodCloseActivities = ReturnType<typeof createPeriodCloseActivities>;
