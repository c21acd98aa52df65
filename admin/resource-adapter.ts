/**
 * The Objection adapter of AdminJS, fitted to our models:
 * - properties are camelCase but columns snake_case, so sorting and filtering map names back;
 * - its count() reads a field Objection never returns (so pagination showed 0); we use resultSize();
 * - every query goes through the firm-scoped model, inside the request's tenant transaction, so
 *   the console sees only the signed-in admin's firm (and RLS enforces it underneath);
 * - writes: AdminJS hands the adapter the whole posted form, and the base adapter patches every
 *   field in it (`editProperties` only shapes the screen). Here a record changes only in the fields
 *   its model's `consoleEdits` names, checked with the API's rules; any other field that differs
 *   from the stored record is refused, and nothing is created or deleted from the console.
 */
import type { Filter } from 'adminjs' with { 'resolution-mode': 'import' };
import type { Model, QueryBuilder } from 'objection';
import { RuleRefusal } from '../db/rule-refusal';
import { issueRule, issueSentence } from '../db/validation-sentence';
import type { ConsoleEdits, WordedFilter, WordedFilters } from './models';

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type AnyQuery = QueryBuilder<Model, Model[]>;

type ObjectionResourceClass = new (model: unknown) => {
  model: { query(): AnyQuery };
};

type ConsoleModel = { consoleEdits?: ConsoleEdits; consoleUpdate?(id: string, changes: Record<string, unknown>): Promise<void> };

/** AdminJS's form encoding of null (its forms carry strings only). */
const FORM_NULL = '__FORM_VALUE_NULL__';

/** A value as the form carries it, to tell a field sent back unchanged from one being changed. */
function formValue(value: unknown): string | null {
  if (value === null || value === undefined || value === '' || value === FORM_NULL) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Beside a field the console shows but does not let anyone change. */
export const NOT_OFFERED = 'This cannot be changed in the console.';

/**
 * The changes a posted form makes, or the fields it may not change: a field outside `edits` passes
 * only when it equals the stored value (the console's form posts the whole record back). An
 * editable field posted back unchanged is no change: passing it on would redo its side effects
 * (a filing frequency "change" to the same frequency rewrites the pending dated change).
 */
export function consoleChanges(
  edits: ConsoleEdits | undefined,
  stored: Record<string, unknown>,
  posted: Record<string, unknown>,
): { changes: Record<string, unknown> } | { refused: Record<string, string> } {
  const editable = new Set(Object.keys(edits?.shape ?? {}));
  const changes: Record<string, unknown> = {};
  const refused: Record<string, string> = {};
  for (const [key, value] of Object.entries(posted)) {
    const unchanged = key in stored && formValue(stored[key]) === formValue(value);
    if (unchanged) continue;
    if (editable.has(key)) changes[key] = value;
    else refused[key] = NOT_OFFERED;
  }
  if (Object.keys(refused).length > 0) return { refused };
  if (!edits) return { changes: {} };
  // The API's rules in the API's words (db/validation-sentence.ts): a sentence beside the field,
  // never zod's notation ("Too small: expected string to have >=1 characters").
  const checked = edits.partial().strict().safeParse(changes, { error: issueRule });
  if (!checked.success) {
    const words: Record<string, string> = {};
    for (const issue of checked.error.issues) words[issue.path.join('.') || 'record'] ??= issueSentence(issue);
    return { refused: words };
  }
  return { changes: checked.data };
}

/**
 * The form's notice for a refused edit: a field the console does not offer names the ones it does;
 * a bad value in an offered field (an email that is none, a blank name) points to that field's own
 * words, rather than claim the field cannot be changed.
 */
export function refusalNotice(edits: ConsoleEdits | undefined, refusedFields: string[]): string {
  const editable = Object.keys(edits?.shape ?? {});
  if (refusedFields.length > 0 && refusedFields.every((field) => editable.includes(field))) return 'Not saved: correct the fields marked below.';
  return 'Only these fields can be changed here: ' + (editable.join(', ') || 'none') + '.';
}

type ValidationErrorClass = new (propertyErrors: Record<string, { message: string; type?: string }>, baseError?: { message: string; type?: string }) => Error;

/** A rule's refusal as AdminJS's validation error: the notice carries the sentence, each field its words. */
export function refusalAsValidation(refusal: RuleRefusal, ValidationError: ValidationErrorClass): Error {
  const fields = Object.fromEntries(Object.entries(refusal.fields).map(([key, message]) => [key, { message, type: refusal.code }]));
  return new ValidationError(fields, { message: refusal.message, type: refusal.code });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id as the console's URLs carry it: anything but a UUID names no record (never a database error). */
export const isRecordId = (id: unknown): id is string => typeof id === 'string' && UUID.test(id);

/** A date filter's bound, when it is a date at all. */
const dateBound = (value: unknown) => typeof value === 'string' && value !== '' && !Number.isNaN(Date.parse(value));

/**
 * Whether a filter's value can be compared with its column: a value typed into the URL that cannot
 * (a UUID column given "abc", a number given "1e9x", a date given "soon") matches no row, where
 * PostgreSQL would refuse the whole query and the console answer a server error.
 */
function comparable(type: string, isUuid: boolean, value: unknown): boolean {
  if (type === 'date' || type === 'datetime') {
    const range = value as { from?: unknown; to?: unknown } | null;
    return typeof range === 'object' && range !== null && [range.from, range.to].every((bound) => bound === undefined || bound === '' || dateBound(bound));
  }
  if (isUuid || type === 'reference') return isRecordId(value);
  if (type === 'number') return typeof value === 'string' && /^-?\d{1,18}$/.test(value);
  if (type === 'boolean') return value === 'true' || value === 'false' || value === true || value === false;
  // A NUL cannot be in PostgreSQL text.
  return typeof value === 'string' && !value.includes('\u0000');
}

/**
 * A worded column's filter: the text matches what the list shows, not only the stored code. The
 * codes whose words contain it, the `<kind>.<verb>` codes shown by their kind's words ("follow-up"
 * and "follow-up created" find `follow_up.created`), and any code whose own words (dots, hyphens and
 * underscores as spaces) or raw form contain it: "signed in" finds `auth.login`, "close request"
 * finds `close_request`, and "auth.login" still finds itself.
 */
function matchWords(query: AnyQuery, column: string, text: string, { words, kinds = {}, verbs = {} }: WordedFilter): void {
  const typed = text.toLowerCase().trim();
  // Hyphens, dots, underscores and spaces alike: "follow-up" finds `follow_up.created`.
  const plain = wordsOf(typed);
  const codes = Object.entries(words).filter(([, label]) => wordsOf(label).includes(plain)).map(([code]) => code);
  const likeOf = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
  // `<kind>.<verb>` shown as "<kind's words> <verb's words>": the kinds whose words hold the text,
  // or begin it with the verb's words after them ("follow-up created", "client erasure changed").
  const kindMatches = Object.entries(kinds).flatMap(([kind, label]) => {
    const shown = wordsOf(label);
    if (shown.includes(plain)) return [{ kind, verb: '' }];
    return plain.startsWith(`${shown} `) ? [{ kind, verb: plain.slice(shown.length + 1) }] : [];
  });
  query.where((any) => {
    any.whereRaw(`lower(??::text) like ? escape '\\'`, [column, `%${likeOf(typed)}%`]).orWhereRaw(`regexp_replace(lower(??::text), '[._-]+', ' ', 'g') like ? escape '\\'`, [column, `%${likeOf(plain)}%`]);
    if (codes.length > 0) any.orWhereIn(column, codes);
    for (const { kind, verb } of kindMatches) {
      const verbCodes = Object.entries(verbs).filter(([, said]) => wordsOf(said).startsWith(verb)).map(([code]) => `${kind}.${code}`);
      any.orWhere((one) => {
        // A code with words of its own is shown by them alone ("Role changed"), not its kind's.
        one.whereRaw(`starts_with(??::text, ?)`, [column, `${kind}.`]).whereNotIn(column, Object.keys(words)).where((said) => {
          said.whereRaw(`regexp_replace(lower(substr(??::text, ?)), '[._-]+', ' ', 'g') like ? escape '\\'`, [column, kind.length + 2, `${likeOf(verb)}%`]);
          if (verbCodes.length > 0) said.orWhereIn(column, verbCodes);
        });
      });
    }
  });
}

/** Text as words to compare: lower case, hyphens, dots and underscores as single spaces. */
const wordsOf = (text: string) => text.toLowerCase().replace(/[\s._-]+/g, ' ').trim();

/** Applies AdminJS's list filters with column names, and case-insensitive matching on text (on a worded column, its words). */
export function applyFilters(query: AnyQuery, filter: Filter | undefined, allowed: Set<string>, uuids: Set<string> = new Set(), worded: WordedFilters = {}): AnyQuery {
  if (!filter) return query;
  for (const { path, value, property } of Object.values(filter.filters)) {
    if (!allowed.has(path)) continue; // only declared, non-secret properties can be filtered on
    const column = snake(path);
    const type = property.type();
    if (!comparable(type, uuids.has(path), value)) {
      query.whereRaw('false');
      continue;
    }
    if (type === 'date' || type === 'datetime') {
      const range = value as { from?: string; to?: string };
      if (range.from) query.where(column, '>=', range.from);
      if (range.to) query.where(column, '<=', range.to);
    } else if (type === 'string' && Object.prototype.hasOwnProperty.call(worded, path)) {
      matchWords(query, column, String(value), worded[path]!);
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
  const { BaseRecord, ValidationError, flat } = await import('adminjs');
  const Base = Resource as unknown as ObjectionResourceClass;

  class TaalmelResource extends Base {
    private allowedFilters(): Set<string> {
      const model = this.model as unknown as { jsonSchema: { properties: object }; computedProperties?: string[] };
      const computed = new Set(model.computedProperties ?? []);
      // An object column (the audit trail's before and after) is shown, not filtered: a text value cannot be compared with JSON.
      const objects = (schema: { type?: string | string[] }) => ([] as string[]).concat(schema.type ?? []).includes('object');
      const properties = model.jsonSchema.properties as Record<string, { type?: string | string[] }>;
      return new Set(Object.keys(properties).filter((key) => !computed.has(key) && !objects(properties[key]!)));
    }

    /** The properties stored as UUIDs (the schema's `format: 'uuid'`). */
    private uuidProperties(): Set<string> {
      const model = this.model as unknown as { jsonSchema: { properties: Record<string, { format?: string }> } };
      return new Set(Object.entries(model.jsonSchema.properties).filter(([, schema]) => schema.format === 'uuid').map(([key]) => key));
    }

    /** The columns filtered by the words they are shown in (the model's `wordedFilters`). */
    private wordedFilters(): WordedFilters {
      return (this.model as unknown as { wordedFilters?: WordedFilters }).wordedFilters ?? {};
    }

    async count(filter: Filter): Promise<number> {
      return applyFilters(this.model.query(), filter, this.allowedFilters(), this.uuidProperties(), this.wordedFilters()).resultSize();
    }

    /** A record by its id; an id that is no UUID names none (AdminJS answers its 404). */
    async findOne(id: string) {
      if (!isRecordId(id)) return null;
      const row = await this.model.query().findById(id);
      return row ? new BaseRecord(row as unknown as Record<string, unknown>, this as never) : null;
    }

    async findMany(ids: Array<string | number>) {
      const wanted = ids.filter(isRecordId);
      if (wanted.length === 0) return [];
      const rows = await this.model.query().findByIds(wanted);
      return rows.map((row) => new BaseRecord(row as unknown as Record<string, unknown>, this as never));
    }

    async find(filter: Filter, options: { limit?: number; offset?: number; sort?: { sortBy?: string; direction?: 'asc' | 'desc' } } = {}) {
      const query = applyFilters(this.model.query(), filter, this.allowedFilters(), this.uuidProperties(), this.wordedFilters());
      if (options.sort?.sortBy && this.allowedFilters().has(options.sort.sortBy)) query.orderBy(snake(options.sort.sortBy), options.sort.direction ?? 'asc');
      if (options.limit) query.limit(options.limit);
      // AdminJS makes the offset from the URL's page: page 0, -1 or "1e30" is the first page, never a server error.
      if (options.offset && Number.isSafeInteger(options.offset) && options.offset > 0) query.offset(options.offset);
      const rows = await query;
      return rows.map((row) => new BaseRecord(row as unknown as Record<string, unknown>, this as never));
    }

    async update(id: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
      const model = this.model as unknown as ConsoleModel & { query(): AnyQuery };
      const row = await model.query().findById(id);
      if (!row) throw new ValidationError({}, { message: 'No such record.', type: 'not_found' });
      const stored = flat.flatten<Record<string, unknown>, Record<string, unknown>>(JSON.parse(JSON.stringify(row)));
      const result = consoleChanges(model.consoleEdits, stored, params);
      if ('refused' in result) {
        throw new ValidationError(Object.fromEntries(Object.entries(result.refused).map(([key, message]) => [key, { message }])), { message: refusalNotice(model.consoleEdits, Object.keys(result.refused)) });
      }
      if (Object.keys(result.changes).length > 0) {
        try {
          if (model.consoleUpdate) await model.consoleUpdate(id, result.changes);
          else await model.query().patchAndFetchById(id, result.changes);
        } catch (error) {
          // A business rule's refusal is the API's 422 (docs/api.md): the same sentence as the
          // form's notice and each field's words beside it, never AdminJS's bare server error.
          if (error instanceof RuleRefusal) throw refusalAsValidation(error, ValidationError);
          throw error;
        }
      }
      const updated = await model.query().findById(id);
      return JSON.parse(JSON.stringify(updated)) as Record<string, unknown>;
    }

    /** Nothing is created from the console (people join by invitation, clients through the API). */
    async create(): Promise<Record<string, unknown>> {
      throw new ValidationError({}, { message: 'Records cannot be created from the console.' });
    }

    /** Nothing is deleted from the console (people are deactivated, clients erased, through the API). */
    async delete(): Promise<void> {
      throw new ValidationError({}, { message: 'Records cannot be deleted from the console.' });
    }
  }
  return TaalmelResource;
}
