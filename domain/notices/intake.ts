/**
 * A notice taken in again under the same GSTIN and portal reference: the same facts are a replay
 * (a retry, a double click, a portal sync) and answer the notice on record; different facts are a
 * different notice claiming the same reference, refused naming the fields that differ. Compared are
 * the facts the department stated, which nobody changes after intake; the amounts, the description and
 * the assignee may have been changed since (PATCH, assign), so a replay is not judged on them. Pure.
 */
export type IntakeFacts = {
  form: string;
  caseId: string | null;
  din: string | null;
  servedOn: string;
  issuedOn: string | null;
  dueDate: string | null;
  sections: string[];
  periods: string[];
  financialYears: string[];
  issuingOffice: string | null;
};

const sameList = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/** The fields whose values differ, each with the value on record and the one given. */
export function intakeDifferences(recorded: IntakeFacts, given: IntakeFacts): Record<string, { recorded: unknown; given: unknown }> {
  const out: Record<string, { recorded: unknown; given: unknown }> = {};
  for (const key of Object.keys(recorded) as Array<keyof IntakeFacts>) {
    const [a, b] = [recorded[key], given[key]];
    const same = Array.isArray(a) && Array.isArray(b) ? sameList(a, b) : a === b;
    if (!same) out[key] = { recorded: a, given: b };
  }
  return out;
}
