/**
 * Base of every firm-scoped model. Queries need a tenant context (an active tenant transaction, see
 * db/tenant.ts): without one they throw. Reads, updates and deletes are filtered by the context's
 * firm (and portal client, where the model names its client column); inserts are stamped with the
 * context's firm whatever the input said. Row-level security enforces the same underneath.
 */
import type { Constructor, Model, QueryBuilderType, TransactionOrKnex, QueryContext } from 'objection';
import { currentContext } from '../request-context';
import { BaseModel } from './base-model';

export class TenantContextMissingError extends Error {
  constructor(model: string) {
    super(`${model} is firm-scoped: query it inside a tenant transaction (db/tenant.ts)`);
    this.name = 'TenantContextMissingError';
  }
}

function requireTenant(model: string) {
  const context = currentContext();
  if (!context?.firmId || !context.trx) throw new TenantContextMissingError(model);
  return { firmId: context.firmId, clientId: context.clientId ?? null, trx: context.trx };
}

export class TenantModel extends BaseModel {
  firmId!: string;

  /** The column holding the firm (`id` for the firms table itself). */
  static firmColumn = 'firm_id';
  /** The column portal users are limited by (`client_id`, or `id` for clients); null: not client data. */
  static clientColumn: string | null = null;

  static override query<M extends Model>(this: Constructor<M>, trxOrKnex?: TransactionOrKnex): QueryBuilderType<M> {
    const modelClass = this as unknown as typeof TenantModel;
    const tenant = requireTenant(modelClass.name);
    const builder = (BaseModel.query as (this: unknown, t?: TransactionOrKnex) => QueryBuilderType<M>).call(this, trxOrKnex ?? tenant.trx);
    return builder.onBuild((query) => {
      if (query.isInsert()) return;
      const table = query.tableRefFor(modelClass);
      query.where(`${table}.${modelClass.firmColumn}`, tenant.firmId);
      if (tenant.clientId && modelClass.clientColumn) query.where(`${table}.${modelClass.clientColumn}`, tenant.clientId);
    }) as QueryBuilderType<M>;
  }

  override $beforeInsert(context: QueryContext): void {
    super.$beforeInsert(context);
    const tenant = requireTenant(this.constructor.name);
    if ((this.constructor as typeof TenantModel).firmColumn === 'firm_id') this.firmId = tenant.firmId;
  }
}
