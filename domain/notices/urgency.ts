/** The order notices are worked in: the list, the weekly digest. */
export type UrgencyFacts = { id: string; flags: string[]; effectiveDueDate: string | null; amounts: { total: number | null } };

/** Consequence first (a blocked return or the registration at stake), then the effective due date (none last), then the amount. */
export function urgencyOrder<T extends UrgencyFacts>(items: T[]): T[] {
  const rank = (n: T) => (n.flags.includes('blocks_return') || n.flags.includes('registration_at_stake') ? 0 : 1);
  return [...items].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.effectiveDueDate ?? '9999-12-31').localeCompare(b.effectiveDueDate ?? '9999-12-31') ||
      (b.amounts.total ?? 0) - (a.amounts.total ?? 0) ||
      a.id.localeCompare(b.id),
  );
}
