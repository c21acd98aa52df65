/**
 * The words of a refused request live in db/validation-sentence.ts, beside the editable fields'
 * rules (db/editable-fields.ts), so the API and the console (which imports only db) say a rule alike.
 */
export * from '../db/validation-sentence';
