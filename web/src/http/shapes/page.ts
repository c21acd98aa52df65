/** A page of a list: its items and the cursor of the next page (null on the last). */
export type Page<T> = { items: T[]; nextCursor: string | null };
