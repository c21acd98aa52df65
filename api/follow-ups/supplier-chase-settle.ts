/**
 * The hook the GSTR-2B upload runs in its transaction: supplier chases whose documents the new 2B
 * shows get those items received (db/supplier-chases.ts), and each changed chase's workflow is told
 * what is left, as the client's link does, so one with nothing left completes and sends no more.
 */
import type { Knex } from 'knex';
import { settleSupplierChases } from '../../db/supplier-chases';
import type { TemporalHandle } from '../temporal-client';
import { signalAnswered } from './workflow-client';

export function supplierChaseSettler(temporal: TemporalHandle) {
  return async (trx: Knex.Transaction, stored: { clientId: string; importId: string; period: string }): Promise<void> => {
    for (const chase of await settleSupplierChases(trx, stored)) {
      // No acknowledgement: nothing was answered by the client; the supplier filed.
      await signalAnswered(temporal, chase.workflowId, { outstanding: chase.outstanding, answeredAt: Date.now(), ack: null });
    }
  };
}
