/**
 * The Objection adapter of AdminJS, fitted to our models:
 * - properties are camelCase but columns snake_case, so sorting and filtering map names back;
 * - its count() reads a field Objection never returns (so pagination showed 0); we use resultSize();
 * - every query goes through the firm-scoped model, inside the request's tenant transaction, so
 *   the console sees only the signed-in admin's firm (and RLS enforces it underneath).
 */
import type { Filter } from 'adminjs' with { 'resolution-mode': 'import' };
import type { Model, QueryBuilder } from 'objection';

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type AnyQuery = QueryBuilder<Model, Model[]>;

type ObjectionResourceClass = new (model: unknown) => {
  model: { query(): AnyQuery };
};

/** Applies AdminJS's list filters with column names, and case-insensitive matching on text. */
export function applyFilters(query: AnyQuery, filter: Filter | undefined, allowed: Set<string>): AnyQuery {
  if (!filter) return query;
  for (const { path, value, property } of Object.values(filter.filters)) {
    if (!allowed.has(path)) continue; // only declared, non-secret properties can be filtered on
    const column = snake(path);
    const type = property.type();
    if (type === 'date' || type === 'datetime') {
      const range = value as { from?: string; to?: string };
      if (range.from) query.where(column, '>=', range.from);
      if (range.to) query.where(column, '<=', range.to);
    } else if (type === 'string' && !property.availableValues()) {
      query.whereRaw('lower(??::text) like ?', [column, `%${String(value).toLowerCase()}%`]);
    } else {
      query.where(column, value as string);
    }
  }
  return query;
}

export async function createTaalmelResourceClass() {
  const { Resource } = await import('@adminjs/objection');
  const { BaseRecord } = await import('adminjs');
  const Base = Resource as unknown as ObjectionResourceClass;

  class TaalmelResource extends Base {
    private allowedFilters(): Set<string> {
      const model = this.model as unknown as { jsonSchema: { properties: object }; computedProperties?: string[] };
      const computed = new Set(model.computedProperties ?? []);
      return new Set(Object.keys(model.jsonSchema.properties).filter((key) => !computed.has(key)));
    }

    async count(filter: Filter): Promise<number> {
      return applyFilters(this.model.query(), filter, this.allowedFilters()).resultSize();
    }

    async find(filter: Filter, options: { limit?: number; offset?: number; sort?: { sortBy?: string; direction?: 'asc' | 'desc' } } = {}) {
      const query = applyFilters(this.model.query(), filter, this.allowedFilters());
      if (options.sort?.sortBy && this.allowedFilters().has(options.sort.sortBy)) query.orderBy(snake(options.sort.sortBy), options.sort.direction ?? 'asc');
      if (options.limit) query.limit(options.limit);
      if (options.offset) query.offset(options.offset);
      const rows = await query;
      return rows.map((row) => new BaseRecord(row as unknown as Record<string, unknown>, this as never));
    }
  }
  return TaalmelResource;
}
