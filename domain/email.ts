/**
 * How an email address is stored and compared: trimmed and in lower case. One rule for every write
 * of an address (a user's, an invitation's, a client's, by the API or the console) and every lookup
 * by one: sign-in, the reset request and "has this address an account" compare lower-cased
 * addresses, the users' list sorts on them, and a client's address typed "Ravi@Example.com" once and
 * "ravi@example.com" later is the same mailbox.
 *
 * It runs before the address is checked (db/editable-fields.ts EMAIL): " Fin@Deccan.Example " is
 * the address fin@deccan.example wherever it is typed, never refused on one form and taken on another.
 * Only the ASCII addresses the API's email check admits are stored, so this agrees with
 * PostgreSQL's lower() (migration 041, which brought earlier client rows to the rule).
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
