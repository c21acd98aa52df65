/**
 * Pairing shared by the passes: candidate pairs, their order (docs/reconciliation.md, "Pools and
 * pairing") (tax difference, date gap, edit distance, then the stable row order), greedy one-to-one
 * pairing over that order, and the P4 rule that drops documents with two equally good candidates.
 */
import { osaDistance } from '../normalise';
import { FREE } from './codes';
import { canonText, cmpDoc, type Docs, pair } from './docs';
import { sortWith } from './sort';

/** A candidate pair (document numbers), for groups with more than one document on a side. */
export interface Cand {
  b: number;
  p: number;
  taxDiff: number;
  gap: number;
  dist: number;
}

function byDoc(s: Docs, x: number, y: number): number {
  return cmpDoc(s, x, y);
}

function byCand(s: Docs, x: Cand, y: Cand): number {
  return x.taxDiff - y.taxDiff || x.gap - y.gap || x.dist - y.dist || cmpDoc(s, x.b, y.b) || cmpDoc(s, x.p, y.p);
}

/** Sorts document numbers in document order (cmpDoc). */
export function sortByDoc(s: Docs, docs: number[]): number[] {
  return sortWith(docs, s, byDoc);
}

/** Pairs candidates in that order, each document at most once. */
export function greedy(s: Docs, cands: Cand[], pass: number): void {
  sortWith(cands, s, byCand);
  for (let k = 0; k < cands.length; k += 1) {
    const c = cands[k]!;
    if (s.state[c.b] === FREE && s.state[c.p] === FREE) pair(s, c.b, c.p, pass);
  }
}

/** Edit distance of two documents' numbers (canonical when known), for the P4/P6 tie-breaks. */
export function numberDistance(s: Docs, b: number, p: number): number {
  return osaDistance(canonText(s, b), canonText(s, p));
}

/**
 * docs/reconciliation.md, "The fuzzy-number rule": drop every document that has two or more equally
 * good candidates (sort keys 1–3).
 */
export function dropAmbiguous(cands: Cand[]): Cand[] {
  // Best candidate and tie count per document number (books and portal numbers never collide).
  const best = new Map<number, Cand>();
  const ties = new Map<number, number>();
  for (const c of cands) {
    considerCand(best, ties, c.b, c);
    considerCand(best, ties, c.p, c);
  }
  const kept: Cand[] = [];
  for (const c of cands) if (ties.get(c.b)! <= 1 && ties.get(c.p)! <= 1) kept.push(c);
  return kept;
}

function considerCand(best: Map<number, Cand>, ties: Map<number, number>, d: number, c: Cand): void {
  const cur = best.get(d);
  if (!cur) {
    best.set(d, c);
    ties.set(d, 1);
    return;
  }
  const cmp = c.taxDiff - cur.taxDiff || c.gap - cur.gap || c.dist - cur.dist;
  if (cmp < 0) {
    best.set(d, c);
    ties.set(d, 1);
  } else if (cmp === 0) ties.set(d, ties.get(d)! + 1);
}
