/** The state of one run, shared by the phase functions (each phase module takes it). */
import type { TableLease } from '../table-pool';
import type { Issue, PortalDoc } from '../types';
import type { Docs } from './docs';
import type { Interner } from './interning';
import type { MatchOptions } from './options';

/**
 * One run's state, shared by the phase functions. Each phase is its own small function so
 * that V8 optimises its loops quickly: as one giant function, every loop re-compiled all of it.
 * A class (kept alive in kept-shapes.ts), not an object literal: a literal's hidden class died
 * with each run, and every phase then de-optimised at its first read of the run.
 */
export class Run {
  constructor(
    readonly s: Docs,
    readonly it: Interner,
    readonly o: MatchOptions,
    readonly nb: number,
    readonly end: number,
    readonly warnings: Issue[],
    readonly rejected: PortalDoc[],
    /** The phases' tables (back to the pool when the match returns). */
    readonly tables: TableLease,
    /** Tables the result's rows are built from (back to the pool when the result is released). */
    readonly kept: TableLease,
  ) {}
}
