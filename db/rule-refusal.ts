/**
 * A business rule's refusal thrown by the query layer (db/), where no HTTP status is known: its
 * stable code and sentence are the ones the API answers (docs/api.md, 422), and `fields` says, per
 * field, what to change. The AdminJS console shows the same sentence as its action's notice and each
 * field's words beside that field, so a firm admin reads the same refusal in both places.
 */
export class RuleRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RuleRefusal';
  }
}
